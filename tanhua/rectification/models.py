"""Rectification (后半篇文章, DESIGN §1 step 5 and §4): after a sealed talk the subject files the
三清单 — the problems pointed out (问题清单), the measures for each (举措清单) and their deadlines
(时限清单) — the talker's side approves it, owners report progress, a second person accepts
closing (销号), deadlines are extended only by an approved request, `tanhua tick` warns and
escalates (督办), and a look-back (回头看) re-verifies a sample of closed measures.

Everything here is about the talk's subject: each row is visible where its talk is
(`Talk.objects.visible_to`), and a measure also to the cadre who owns it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanhua.campaigns import copies
from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.core.scoped import ScopedModel, ScopedQuerySet
from tanhua.core.versioning import Versioned
from tanhua.talks.models import FocusArea, Talk


class ByTalkQuerySet(ScopedQuerySet):
    """Rows of one talk's rectification: visible where the talk is (`talk_path` leads there)."""

    talk_path = "plan__talk"

    def _visible(self, user):
        return self.filter(**{f"{self.talk_path}__in": Talk.objects.visible_to(user).values("pk")})


# --- the plan (三清单) ---------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核")


class PlanQuerySet(ByTalkQuerySet):
    talk_path = "talk"


class RectificationPlan(ScopedModel, Versioned):
    """A sealed talk's 三清单: filed by the subject (or staff on their behalf), approved by the
    talker's side or sent back with comments. Every submission, return and approval keeps a
    `PlanVersion` (what the lists said then). Its classification is the talk's."""

    AUDIT_PERSON = "talk.subject_id"

    talk = models.OneToOneField(
        Talk, verbose_name=_("谈话"), on_delete=models.PROTECT, related_name="rectification_plan"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    classification = models.PositiveSmallIntegerField(
        _("密级"), choices=Classification.choices, default=Classification.SECRET
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改清单")
        verbose_name_plural = _("整改清单")

    def __str__(self) -> str:
        return f"三清单 {self.talk_id}"


class PlanVersion(ScopedModel):
    """What a plan's lists said when it was submitted, returned or approved (versions kept):
    `content` is the problems with their measures as JSON, `action` what was done."""

    AUDIT_PERSON = "plan.talk.subject_id"

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("提交")
        RETURNED = "returned", _("退回")
        APPROVED = "approved", _("审核通过")

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    content = models.JSONField(_("内容"), default=dict)
    comment = models.TextField(_("意见"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = ByTalkQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("整改清单版本")
        verbose_name_plural = _("整改清单版本")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.number}"


class Problem(ScopedModel):
    """One problem of the 问题清单: as pointed out in the talk (`record_problem`), or carried
    over from last year's unfinished list (`carried_from`), or added by the subject."""

    AUDIT_PERSON = "plan.talk.subject_id"

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="problems")
    order = models.PositiveSmallIntegerField(default=0)
    record_problem = models.ForeignKey(
        "talks.RecordProblem", verbose_name=_("谈话指出的问题"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    carried_from = models.ForeignKey(
        "self", verbose_name=_("上年结转自"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="carried_to",
    )  # fmt: skip
    focus_area = models.CharField(_("重点方面"), max_length=2, choices=FocusArea.choices)
    text = models.TextField(_("问题"))

    objects = ByTalkQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")

    def __str__(self) -> str:
        return f"{self.focus_area} {self.text[:20]}"


class AnalysisQuerySet(ByTalkQuerySet):
    talk_path = "problem__plan__talk"


class LifeMeetingAnalysis(ScopedModel):
    """The subject's analysis of one problem at the leadership team's 民主生活会 (对照检查)."""

    AUDIT_PERSON = "problem.plan.talk.subject_id"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="analyses")
    meeting_date = models.DateField(_("民主生活会日期"))
    text = models.TextField(_("对照检查"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = AnalysisQuerySet.as_manager()

    class Meta:
        ordering = ["problem", "meeting_date", "pk"]
        verbose_name = _("民主生活会对照检查")
        verbose_name_plural = _("民主生活会对照检查")

    def __str__(self) -> str:
        return f"{self.problem_id} {self.meeting_date}"


# --- measures (举措清单, 时限清单) ----------------------------------------------------------


class MeasureKind(models.TextChoices):
    IMMEDIATE = "immediate", _("立行立改")
    LONG_TERM = "long_term", _("长期坚持")


class MeasureStatus(models.TextChoices):
    """DESIGN §4. Overdue is not stored: it is an open measure past its deadline (and an
    escalation is a `MeasureAlert`)."""

    OPEN = "open", _("未开始")
    IN_PROGRESS = "in_progress", _("整改中")
    SUBMITTED = "submitted", _("待销号")
    CLOSED = "closed", _("已销号")


OPEN_STATUSES = frozenset({MeasureStatus.OPEN, MeasureStatus.IN_PROGRESS, MeasureStatus.SUBMITTED})


class Colour(models.TextChoices):
    """The four colours of the board (DESIGN §4)."""

    GREEN = "green", _("已完成")
    YELLOW = "yellow", _("按期推进")
    RED = "red", _("逾期")
    BLUE = "blue", _("长期坚持")


class MeasureQuerySet(copies.FillsCopies, ScopedQuerySet):
    def _visible(self, user) -> MeasureQuerySet:
        """Where its talk is visible; and to the cadre who owns it (they report progress on
        it), within their clearance and never for a subject they declared 回避 on."""
        talks = Talk.objects.visible_to(user).values("pk")
        q = Q(talk__in=talks)
        cadre_id = getattr(user, "cadre_id", None)
        if cadre_id and scoping.user_roles(user):
            owned = Q(owner_cadre_id=cadre_id, classification__lte=scoping.clearance(user))
            q |= owned & ~Q(subject_id__in=scoping.declared_cadres(user))
        return self.filter(q)

    def open(self) -> MeasureQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: dt.date) -> MeasureQuerySet:
        return self.open().filter(kind=MeasureKind.IMMEDIATE, deadline__lt=today)


class Measure(ScopedModel, Versioned):
    """One measure (举措) for a problem: what will be done, who owns it (a cadre or a unit),
    by when (`deadline`; `original_deadline` stays as first approved — an extension is an
    approved `ExtensionRequest`, never an edit), and where it can be counted a target with
    its unit ("建立交流机制 190 项") and the figure reached so far.

    `campaign`, `talk`, `subject`, `subject_org` and `focus_area` repeat the problem's plan
    so the board, the tick and the reports group 30,000 measures without joins."""

    AUDIT_PERSON = "subject_id"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("整改举措"))
    kind = models.CharField(
        _("类别"), max_length=16, choices=MeasureKind.choices, default=MeasureKind.IMMEDIATE
    )
    owner_cadre = models.ForeignKey(
        "org.Cadre", verbose_name=_("责任人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="owned_measures",
    )  # fmt: skip
    owner_org = models.ForeignKey(
        "org.Organization", verbose_name=_("责任单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="owned_measures",
    )  # fmt: skip
    deadline = models.DateField(_("整改时限"))
    original_deadline = models.DateField(_("原定时限"))
    target_value = models.DecimalField(
        _("目标值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    achieved_value = models.DecimalField(
        _("已完成"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.OPEN
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)
    carried_from = models.ForeignKey(
        "self", verbose_name=_("上年结转自"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="carried_to",
    )  # fmt: skip
    # Denormalised from the plan (see the docstring); set by the services, never typed.
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="measures"
    )
    # The campaign's year and committee (tanhua.campaigns.copies), for the reports' counts.
    year = models.PositiveSmallIntegerField(editable=False)
    committee = models.ForeignKey(
        "org.Organization", on_delete=models.PROTECT, related_name="+", editable=False,
        db_index=False,
    )  # fmt: skip
    talk = models.ForeignKey(Talk, on_delete=models.PROTECT, related_name="measures")
    subject = models.ForeignKey("org.Cadre", on_delete=models.PROTECT, related_name="+")
    subject_org = models.ForeignKey("org.Organization", on_delete=models.PROTECT, related_name="+")
    focus_area = models.CharField(_("重点方面"), max_length=2, choices=FocusArea.choices)
    classification = models.PositiveSmallIntegerField(
        _("密级"), choices=Classification.choices, default=Classification.SECRET
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["problem", "order", "pk"]
        verbose_name = _("整改举措")
        verbose_name_plural = _("整改举措")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_cadre__isnull=False) | Q(owner_org__isnull=False),
                name="measure_has_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="measure_status_deadline"),
            models.Index(
                fields=["campaign", "status", "kind", "deadline", "focus_area"],
                name="measure_board",
            ),
            models.Index(fields=["owner_org", "status"], name="measure_owner_org"),
            models.Index(fields=["subject", "status"], name="measure_subject"),
            # The reports' counts per unit and of outcomes read these alone (benchmarks.md).
            models.Index(
                fields=["year", "committee", "subject_org", "status", "kind", "deadline"],
                name="measure_units",
            ),
            models.Index(
                fields=["year", "committee", "target_unit", "target_value", "achieved_value"],
                condition=Q(target_value__isnull=False),
                name="measure_outcomes",
            ),
        ]

    @staticmethod
    def fill_copies(rows) -> None:
        copies.fill(rows)

    def save(self, *args, **kwargs):
        copies.fill([self])
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.text[:30]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.kind == MeasureKind.IMMEDIATE and self.deadline < today

    def colour(self, today: dt.date) -> str:
        if self.status == MeasureStatus.CLOSED:
            return Colour.GREEN
        if self.kind == MeasureKind.LONG_TERM:
            return Colour.BLUE
        if self.deadline < today and self.status != MeasureStatus.SUBMITTED:
            return Colour.RED
        return Colour.YELLOW


class ByMeasureQuerySet(ScopedQuerySet):
    """Rows of one measure: visible where the measure is."""

    def _visible(self, user):
        return self.filter(measure__in=Measure.objects.visible_to(user).values("pk"))


class ProgressReport(ScopedModel):
    """An owner's report on a measure: what was done, the figure reached against the target,
    and files (Attachments of kind `progress_report`)."""

    AUDIT_PERSON = "measure.subject_id"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("进展情况"))
    value = models.DecimalField(_("完成数"), max_digits=14, decimal_places=2, null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField(_("报告时间"), auto_now_add=True)

    objects = ByMeasureQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "-at", "-pk"]
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")

    def __str__(self) -> str:
        return f"{self.measure_id} {self.at:%Y-%m-%d}"


class Decision(models.TextChoices):
    PENDING = "pending", _("待审批")
    ACCEPTED = "accepted", _("已同意")
    RETURNED = "returned", _("已退回")


class CloseRequest(ScopedModel):
    """A request to close (销号) a measure, with the evidence; a second person — never the
    owner, never the requester — accepts it or returns it with the reason (Verification)."""

    AUDIT_PERSON = "measure.subject_id"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="close_requests")
    evidence = models.TextField(_("整改成效及佐证"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decision = models.CharField(
        _("审批结果"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reason = models.TextField(_("退回理由"), blank=True)

    objects = ByMeasureQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "-requested_at", "-pk"]
        verbose_name = _("销号申请")
        verbose_name_plural = _("销号申请")
        constraints = [
            models.UniqueConstraint(
                fields=["measure"], condition=Q(decision="pending"), name="one_pending_close"
            ),
        ]

    def __str__(self) -> str:
        return f"销号 {self.measure_id}"


class ExtensionRequest(ScopedModel):
    """A request to extend a measure's deadline, approved or refused by the supervisor (the
    talker's side); approval moves `Measure.deadline`, `original_deadline` stays."""

    AUDIT_PERSON = "measure.subject_id"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="extensions")
    current_deadline = models.DateField(_("现时限"))
    proposed_deadline = models.DateField(_("申请延期至"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decision = models.CharField(
        _("审批结果"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True)

    objects = ByMeasureQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "-requested_at", "-pk"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["measure"], condition=Q(decision="pending"), name="one_pending_extension"
            ),
        ]

    def __str__(self) -> str:
        return f"延期 {self.measure_id}"


class AlertKind(models.TextChoices):
    """What `tanhua tick` sends about a deadline (DESIGN §4)."""

    NOTICE = "notice", _("到期提醒")  # 20 days before, to the owner
    WARNING = "warning", _("到期预警")  # 10 days before, owner and supervising leader
    OVERDUE = "overdue", _("逾期督办")  # past it: owner, unit principal, commission office


class MeasureAlert(models.Model):
    """One deadline notice, warning or escalation (督办) of a measure, once: unique per measure,
    kind, the deadline it was about and `seq` (the week of an overdue escalation, repeated
    weekly; 0 otherwise). The unique key is what keeps two runs of the tick at the same time
    from both sending, and a missed run from sending twice when it catches up."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("类别"), max_length=16, choices=AlertKind.choices)
    deadline = models.DateField(_("所涉时限"))
    seq = models.PositiveSmallIntegerField(default=0)
    for_date = models.DateField(_("应发日期"))
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["measure", "for_date"]
        verbose_name = _("督办提醒")
        verbose_name_plural = _("督办提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "kind", "deadline", "seq"], name="measure_alert_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.kind} {self.for_date}"


# --- the look-back (回头看) ----------------------------------------------------------------


class LookBackQuerySet(ScopedQuerySet):
    def _visible(self, user):
        """Staff who prepare talks, over the campaigns their scope reaches."""
        from tanhua.accounts import roles as R

        path = scoping.scope_path(user)
        if not (scoping.user_roles(user) & R.PLAN_TALKS) or path is None:
            return self.none()
        return self.filter(campaign__committee__path__startswith=path)


class LookBack(ScopedModel):
    """A look-back over a campaign: a random sample of closed measures (size and seed kept, so
    the draw can be repeated) plus every measure of the chosen subjects."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("谈话工作"), on_delete=models.PROTECT,
        related_name="look_backs",
    )  # fmt: skip
    title = models.CharField(_("名称"), max_length=200)
    sample_size = models.PositiveIntegerField(_("抽查数量"))
    seed = models.BigIntegerField(_("随机种子"))
    subjects = models.ManyToManyField("org.Cadre", verbose_name=_("全面复查对象"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    started_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    objects = LookBackQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")

    def __str__(self) -> str:
        return self.title


class CheckResult(models.TextChoices):
    PENDING = "pending", _("待复查")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")


class LookBackItem(ScopedModel):
    """One measure a look-back re-verifies, by someone who neither owned nor accepted it; a
    failed check reopens the measure with the reason."""

    AUDIT_PERSON = "measure.subject_id"

    class Why(models.TextChoices):
        SAMPLE = "sample", _("随机抽查")
        SUBJECT = "subject", _("全面复查")

    look_back = models.ForeignKey(LookBack, on_delete=models.CASCADE, related_name="items")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="look_backs")
    why = models.CharField(_("选取方式"), max_length=16, choices=Why.choices)
    result = models.CharField(
        _("复查结果"), max_length=16, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    note = models.TextField(_("复查意见"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("复查人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    verified_at = models.DateTimeField(_("复查时间"), null=True, blank=True)

    objects = ByMeasureQuerySet.as_manager()

    class Meta:
        ordering = ["look_back", "pk"]
        verbose_name = _("回头看复查")
        verbose_name_plural = _("回头看复查")
        constraints = [
            models.UniqueConstraint(fields=["look_back", "measure"], name="look_back_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.look_back_id}:{self.measure_id}"
