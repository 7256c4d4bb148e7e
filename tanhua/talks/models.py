"""Talks: the one-on-one talk, its outline, its record (autosaved, confirmed, sealed) and the
history of its schedule."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.campaigns import copies
from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.core.scoped import ScopedModel, ScopedQuerySet
from tanhua.core.versioning import Versioned


class TalkType(models.TextChoices):
    """Kept apart and never mixed in counts (DESIGN §1)."""

    POLITICAL_SUPERVISION = "political_supervision", _("政治监督谈话")
    WORK = "work", _("工作性（沟通性）谈话")
    ADMONITION = "admonition", _("诫勉谈话")
    INTEGRITY = "integrity", _("廉政谈话")
    INQUIRY = "inquiry", _("谈话函询")


class TalkStatus(models.TextChoices):
    """DESIGN §4, in order. A talk may be given a time before its outline is approved; it is
    `scheduled` once both hold."""

    PLANNED = "planned", _("已列入计划")
    PREPARING = "preparing", _("准备中")
    OUTLINE_APPROVED = "outline_approved", _("提纲已审定")
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已谈话")
    SEALED = "sealed", _("记录已封存")
    RECTIFYING = "rectifying", _("整改中")
    CLOSED = "closed", _("已办结")


STATUS_ORDER = {s: i for i, s in enumerate(TalkStatus)}
# Statuses at or past the talk itself: "held" in the statistics (DESIGN §7).
HELD_OR_LATER = frozenset(s for s in TalkStatus if STATUS_ORDER[s] >= STATUS_ORDER["held"])


class Basis(models.TextChoices):
    REQUIRED = "required", _("必谈")
    CHOSEN = "chosen", _("选择谈")


class FocusArea(models.TextChoices):
    """The four focus areas of an outline's problems (DESIGN §1)."""

    A1 = "A1", _("贯彻落实习近平总书记重要指示批示精神和党中央重大决策部署")
    A2 = "A2", _("履行管党治党政治责任")
    A3 = "A3", _("推进作风建设")
    A4 = "A4", _("构建亲清新型政商关系")


class TalkQuerySet(copies.FillsCopies, ScopedQuerySet):
    def _visible(self, user) -> TalkQuerySet:
        """Who sees a talk (issue 9):

        - commission and organization staff: talks of campaigns run by their organization or
          below; a commission staff member of an office (纪检监察室) covering listed
          localities, only talks whose subject's organization lies in those localities;
        - the talker: talks they hold (through the user ↔ cadre link); the recorder and the
          accompanying official (陪谈): talks they are assigned to; the subject: their own
          (what of it they see is decided by the views: time and place, then the problems);
        - always within clearance (the talk's and its subject's), minus declared 回避.

        A person's own talk (their cadre record is its subject) is theirs only as its subject:
        never through a staff, talker, recorder or 陪谈 part they have in other talks — the
        city's 纪委书记 is both commission staff and a subject of the secretary's talk."""
        roles = scoping.user_roles(user)
        if not roles:
            return self.none()
        cadre_id = getattr(user, "cadre_id", None)
        q = Q(pk__in=[])
        path = scoping.scope_path(user)
        if roles & R.PLAN_TALKS and path is not None:
            staff = Q(campaign__committee__path__startswith=path)
            covered = scoping.office_cover(user, "subject_org__path")
            if covered is not None:
                staff &= covered
            q |= staff
        if R.Role.TALKER in roles and cadre_id:
            q |= Q(talker_id=cadre_id)
        if roles & {R.Role.RECORDER, R.Role.COMMISSION, R.Role.ORGANIZATION}:
            q |= Q(recorder_id=user.pk) | Q(companion_id=user.pk)
        if cadre_id:
            q &= ~Q(subject_id=cadre_id)
        if R.Role.SUBJECT in roles and cadre_id:
            q |= Q(subject_id=cadre_id)
        level = scoping.clearance(user)
        declared = scoping.declared_cadres(user)
        return (
            self.filter(q)
            .filter(classification__lte=level, subject__classification__lte=level)
            .exclude(subject_id__in=declared)
        )

    def handled_by(self, user) -> TalkQuerySet:
        """The talks `user` may act on (plan, schedule, draft, record): those they see, never
        their own talk — its subject only reads it and confirms its record."""
        qs = self.visible_to(user)
        cadre_id = getattr(user, "cadre_id", None)
        return qs.exclude(subject_id=cadre_id) if cadre_id else qs

    def political(self) -> TalkQuerySet:
        return self.filter(type=TalkType.POLITICAL_SUPERVISION)


class Talk(ScopedModel, Versioned):
    """One talk of a campaign: the talker (the committee's secretary, or who talks in their
    place), the subject in the post the plan found them in, its type, why it is planned
    (必谈 by a named rule, or 选择谈 with a reason), the schedule, the recorder and the
    accompanying official, and its state (DESIGN §4).

    A subject who left the post since planning is marked (`left_on`), never deleted."""

    # Pages show both the subject and the talker of a talk: the read entry names both.
    AUDIT_PERSON = ("subject_id", "talker_id")

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("谈话工作"), on_delete=models.PROTECT,
        related_name="talks",
    )  # fmt: skip
    # The campaign's year and committee, copied (tanhua.campaigns.copies): the reports count
    # a subtree's year from this table alone.
    year = models.PositiveSmallIntegerField(editable=False)
    committee = models.ForeignKey(
        "org.Organization", on_delete=models.PROTECT, related_name="+", editable=False,
        db_index=False,
    )  # fmt: skip
    type = models.CharField(
        _("谈话类型"), max_length=32, choices=TalkType.choices,
        default=TalkType.POLITICAL_SUPERVISION,
    )  # fmt: skip
    basis = models.CharField(_("谈话依据"), max_length=16, choices=Basis.choices)
    rule = models.CharField(_("所依规则"), max_length=32, blank=True)
    reason = models.CharField(_("选择谈事由"), max_length=300, blank=True)
    talker = models.ForeignKey(
        "org.Cadre", verbose_name=_("谈话人"), on_delete=models.PROTECT, related_name="talks_held"
    )
    talker_reason = models.CharField(_("代为谈话事由"), max_length=200, blank=True)
    subject = models.ForeignKey(
        "org.Cadre", verbose_name=_("被谈话人"), on_delete=models.PROTECT,
        related_name="talks_received",
    )  # fmt: skip
    subject_position = models.ForeignKey(
        "org.Position", verbose_name=_("被谈话人职务"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    subject_org = models.ForeignKey(
        "org.Organization", verbose_name=_("被谈话人所在组织"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    subject_title = models.CharField(_("职务"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=24, choices=TalkStatus.choices, default=TalkStatus.PLANNED
    )
    left_on = models.DateField(_("离任日期"), null=True, blank=True)
    left_note = models.CharField(_("离任说明"), max_length=200, blank=True)
    scheduled_start = models.DateTimeField(_("谈话时间"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("预计结束"), null=True, blank=True)
    place = models.CharField(_("谈话地点"), max_length=200, blank=True)
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="talks_recorded",
    )  # fmt: skip
    companion = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("陪谈人员"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="talks_accompanied",
    )  # fmt: skip
    held_on = models.DateField(_("谈话日期"), null=True, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("密级"), choices=Classification.choices, default=Classification.SECRET
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TalkQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "subject_org__path", "subject__code"]
        verbose_name = _("谈话")
        verbose_name_plural = _("谈话")
        constraints = [
            # Planning twice adds nothing twice: one talk of a type per subject in a campaign.
            models.UniqueConstraint(
                fields=["campaign", "subject", "type"], name="talk_once_per_campaign"
            ),
        ]
        indexes = [
            models.Index(fields=["talker", "scheduled_start"], name="talk_talker_time"),
            models.Index(fields=["recorder", "scheduled_start"], name="talk_recorder_time"),
            models.Index(fields=["campaign", "status"], name="talk_campaign_status"),
            # Covers the campaign page's two grouped queries (figures and chart) over a
            # subtree's thousands of talks: read from the index, never the wide rows.
            models.Index(
                fields=[
                    "campaign",
                    "type",
                    "status",
                    "subject",
                    "left_on",
                    "held_on",
                    "scheduled_start",
                ],
                name="talk_campaign_figures",
            ),
            # The reports' year figures of a subtree (by the committee's level and stage).
            models.Index(
                fields=["year", "type", "committee", "status", "left_on", "held_on"],
                name="talk_year_figures",
            ),
        ]

    @staticmethod
    def fill_copies(rows) -> None:
        copies.fill(rows)

    def save(self, *args, **kwargs):
        copies.fill([self])
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.talker.name} → {self.subject.name}（{self.get_type_display()}）"

    @property
    def is_held(self) -> bool:
        return self.status in HELD_OR_LATER


class TalkChange(models.Model):
    """A dated change of a talk's schedule or participants (moving a talk keeps its history):
    what it was, what it became, who changed it and why."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=32)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("谈话变更")
        verbose_name_plural = _("谈话变更")

    def __str__(self) -> str:
        return f"{self.talk_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class OutlineStatus(models.TextChoices):
    DRAFT = "draft", _("起草中")
    SUBMITTED = "submitted", _("待审定")
    APPROVED = "approved", _("已审定")


class ChildOfTalkQuerySet(ScopedQuerySet):
    """Rows that belong to one talk: visible where the talk is (and `_extra` narrows)."""

    talk_path = "talk"

    def _visible(self, user):
        return self.filter(
            **{f"{self.talk_path}__in": Talk.objects.visible_to(user).values("pk")}
        ).select_related(self.talk_path)


class OutlineQuerySet(ChildOfTalkQuerySet):
    def _visible(self, user):
        """Never the subject's (DESIGN §2: the outline stays hidden from the subject)."""
        qs = super()._visible(user)
        cadre_id = getattr(user, "cadre_id", None)
        if cadre_id:
            qs = qs.exclude(talk__subject_id=cadre_id)
        return qs


class Outline(ScopedModel, Versioned):
    """A talk's outline (谈话提纲): 3–4 pointed problems by focus area, drafted by staff and
    approved by the talker. The preparation stage (issue 10) fills the same outline from
    ranked, evidence-backed candidates."""

    AUDIT_PERSON = ("talk.subject_id", "talk.talker_id")

    talk = models.OneToOneField(Talk, on_delete=models.CASCADE, related_name="outline")
    status = models.CharField(
        _("状态"), max_length=16, choices=OutlineStatus.choices, default=OutlineStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.CharField(_("退回意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OutlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("谈话提纲")
        verbose_name_plural = _("谈话提纲")

    def __str__(self) -> str:
        return f"提纲 {self.talk_id}"


class OutlineProblemQuerySet(OutlineQuerySet):
    talk_path = "outline__talk"

    def _visible(self, user):
        qs = self.filter(outline__talk__in=Talk.objects.visible_to(user).values("pk"))
        qs = qs.select_related("outline__talk")
        cadre_id = getattr(user, "cadre_id", None)
        if cadre_id:
            qs = qs.exclude(outline__talk__subject_id=cadre_id)
        return qs


class OutlineProblem(ScopedModel):
    """One problem of an outline: its focus area, the pointed statement, and what backs it
    (`evidence`: data and cases as text here; issue 10 links findings and indicators)."""

    AUDIT_PERSON = "outline.talk.subject_id"

    outline = models.ForeignKey(Outline, on_delete=models.CASCADE, related_name="problems")
    order = models.PositiveSmallIntegerField(default=0)
    focus_area = models.CharField(_("重点方面"), max_length=2, choices=FocusArea.choices)
    statement = models.TextField(_("问题"))
    evidence = models.TextField(_("数据和事例"), blank=True)
    # The records the evidence cites, as drafted from the portrait's candidates (issue 10):
    # [{"kind": "finding" | "indicator_value", "id": …}, …]; kept through a person's edits.
    sources = models.JSONField(_("证据来源"), default=list, blank=True)

    objects = OutlineProblemQuerySet.as_manager()

    class Meta:
        ordering = ["outline", "order", "pk"]
        verbose_name = _("提纲问题")
        verbose_name_plural = _("提纲问题")

    def __str__(self) -> str:
        return f"{self.focus_area} {self.statement[:20]}"


class OutlineRevisionQuerySet(OutlineQuerySet):
    talk_path = "outline__talk"

    def _visible(self, user):
        """Where the outline is (never the subject's)."""
        qs = self.filter(outline__in=Outline.objects.visible_to(user).values("pk"))
        return qs.select_related("outline__talk", "by")


class OutlineRevision(ScopedModel):
    """One version of an outline as it was saved: its problems in order (each with the id it
    had, so two versions diff problem by problem), its status, who saved it and when. Every
    version bump of the outline writes one (tanhua.talks.services.outline_history), in the
    same transaction: the audit trail keeps only a one-line summary per change, not the text
    a diff needs."""

    AUDIT_PERSON = ("outline.talk.subject_id", "outline.talk.talker_id")

    outline = models.ForeignKey(Outline, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("版本"))
    action = models.CharField(_("操作"), max_length=16)
    status = models.CharField(_("状态"), max_length=16, choices=OutlineStatus.choices)
    # [{"id", "focus_area", "statement", "evidence"}, …] in the outline's order.
    problems = models.JSONField(_("提纲问题"), default=list)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    objects = OutlineRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["outline", "-version"]
        verbose_name = _("提纲版本")
        verbose_name_plural = _("提纲版本")
        constraints = [
            models.UniqueConstraint(fields=["outline", "version"], name="outline_revision_once"),
        ]

    def __str__(self) -> str:
        return f"提纲 {self.outline_id} 第{self.version}版"


class TalkRecordQuerySet(ChildOfTalkQuerySet):
    def _visible(self, user):
        """The record: staff in scope, the talker, the recorder and the 陪谈 official; the
        subject only once it is sealed (to confirm it, the subject reads it held)."""
        qs = super()._visible(user)
        cadre_id = getattr(user, "cadre_id", None)
        # Whatever else the subject is: their own record only once the talk is held.
        if cadre_id:
            qs = qs.exclude(Q(talk__subject_id=cadre_id) & Q(talk__held_on__isnull=True))
        return qs


class TalkRecord(ScopedModel, Versioned):
    """The record of a talk (专人全程记录), written live by the recorder and autosaved with
    versioned saves: the overall evaluation given, the problems pointed out (RecordProblem),
    the subject's explanation and suggestions, the talker's requirements, start and end.

    Confirmed by the talker and the subject (each re-entering their password), then sealed:
    `content_hash` is stored and shown and the record never changes again; corrections are
    dated addenda (RecordAddendum)."""

    AUDIT_PERSON = ("talk.subject_id", "talk.talker_id")

    talk = models.OneToOneField(Talk, on_delete=models.CASCADE, related_name="record")
    overall_evaluation = models.TextField(_("总体评价"), blank=True)
    explanation = models.TextField(_("被谈话人说明"), blank=True)
    suggestions = models.TextField(_("被谈话人意见建议"), blank=True)
    requirements = models.TextField(_("谈话人提出的要求"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    last_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    talker_confirmed_at = models.DateTimeField(null=True, blank=True)
    talker_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    subject_confirmed_at = models.DateTimeField(null=True, blank=True)
    subject_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    sealed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("密级"), choices=Classification.choices, default=Classification.SECRET
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TalkRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("谈话记录")
        verbose_name_plural = _("谈话记录")

    def __str__(self) -> str:
        return f"记录 {self.talk_id}"

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None


class RecordProblemQuerySet(copies.FillsCopies, ScopedQuerySet):
    def _visible(self, user):
        records = TalkRecord.objects.visible_to(user).values("pk")
        return self.filter(record__in=records).select_related("record__talk")


class RecordProblem(ScopedModel):
    """A problem pointed out in the talk, linked to the outline's problem it came from (or
    new, raised in the talk). After sealing these are what the subject's 三清单 answers."""

    AUDIT_PERSON = "record.talk.subject_id"

    record = models.ForeignKey(TalkRecord, on_delete=models.CASCADE, related_name="problems")
    order = models.PositiveSmallIntegerField(default=0)
    outline_problem = models.ForeignKey(
        OutlineProblem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    focus_area = models.CharField(_("重点方面"), max_length=2, choices=FocusArea.choices)
    text = models.TextField(_("指出的问题"))
    # Carried from the record's talk (its campaign, with that campaign's year and committee,
    # and its type never change) and from the record's seal, so that the year's problems by
    # focus area — the dashboard, the 专报 — are counted from this table alone rather than
    # through record → talk → campaign → committee at national scale (docs/benchmarks.md,
    # issue 12). `sealed` is set by the seal service in the seal's transaction, just before
    # the record itself is sealed (afterwards a trigger refuses any change of these rows).
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField(editable=False)
    committee = models.ForeignKey(
        "org.Organization", on_delete=models.PROTECT, related_name="+", editable=False,
        db_index=False,
    )  # fmt: skip
    talk_type = models.CharField(max_length=32, choices=TalkType.choices)
    sealed = models.BooleanField(default=False)

    objects = RecordProblemQuerySet.as_manager()

    class Meta:
        ordering = ["record", "order", "pk"]
        verbose_name = _("指出的问题")
        verbose_name_plural = _("指出的问题")
        indexes = [
            # The year's grouped counts of a subtree read this index alone.
            models.Index(
                fields=["year", "sealed", "committee", "talk_type", "focus_area"],
                name="recordproblem_figures",
            ),
        ]

    @staticmethod
    def fill_copies(rows) -> None:
        """The talk's campaign and type where not given (from the record's talk), then the
        campaign's year and committee."""
        todo = [r for r in rows if r.campaign_id is None or not r.talk_type]
        # One query for all the rows' records (a bulk_create of a record's problems would
        # otherwise read its record and talk once per problem).
        talks = {}
        if todo:
            talks = {
                pk: (campaign_id, talk_type)
                for pk, campaign_id, talk_type in TalkRecord.objects.unscoped(
                    "the talk of problems being written"
                )
                .filter(pk__in={r.record_id for r in todo})
                .values_list("pk", "talk__campaign_id", "talk__type")
            }
        for row in todo:
            row.campaign_id, row.talk_type = talks[row.record_id]
        copies.fill(rows)

    def save(self, *args, **kwargs):
        self.fill_copies([self])
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.focus_area} {self.text[:20]}"


class RecordAddendumQuerySet(ScopedQuerySet):
    def _visible(self, user):
        records = TalkRecord.objects.visible_to(user).values("pk")
        return self.filter(record__in=records).select_related("record__talk")


class RecordAddendum(ScopedModel):
    """A dated correction to a sealed record; the sealed text itself never changes."""

    AUDIT_PERSON = "record.talk.subject_id"

    record = models.ForeignKey(TalkRecord, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(_("补充更正"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    content_hash = models.CharField(max_length=64)

    objects = RecordAddendumQuerySet.as_manager()

    class Meta:
        ordering = ["record", "at", "pk"]
        verbose_name = _("记录补正")
        verbose_name_plural = _("记录补正")

    def __str__(self) -> str:
        return f"补正 {self.record_id} {self.at:%Y-%m-%d}"
