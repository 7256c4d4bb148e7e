"""Reports upward (两报一看): the 专报 on the year's talks, the year-end report of the 中管干部's
rectification and the look-back's findings; and the annexes other committees' deployments
send, aggregated here.

A report is written from the data into sections staff edit while it is a draft; issuing it
stores the Word file once (by SHA-256, beside the attachments) and its annex (the figures
the text was written from, with their own hash); neither changes again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.core.scoped import ScopedModel, ScopedQuerySet
from tanhua.core.versioning import Versioned


class ReportKind(models.TextChoices):
    SPECIAL = "special", _("专报")
    YEAR_END = "year_end", _("中管干部整改进展情况报告")
    LOOK_BACK = "look_back", _("回头看情况报告")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")


# Who drafts, edits, issues and downloads reports: the staff who prepare talks.
REPORT_ROLES = R.PLAN_TALKS


class ReportQuerySet(ScopedQuerySet):
    def _visible(self, user) -> ReportQuerySet:
        """Reports of committees at or below the staff member's organization, within their
        clearance. An office member (纪检监察室) sees none: a committee's report counts and
        quotes every locality, past the localities their office covers."""
        roles = scoping.user_roles(user)
        path = scoping.scope_path(user)
        if not (roles & REPORT_ROLES) or path is None or scoping.office_paths(user) is not None:
            return self.none()
        # A report quoting a cadre the reader declared 回避 on is out of their reach as a
        # whole: its text is one piece, the quote cannot be cut out of it for them.
        return self.filter(
            committee__path__startswith=path, classification__lte=scoping.clearance(user)
        ).exclude(quoted__in=scoping.declared_cadres(user))


class Report(ScopedModel, Versioned):
    """One report of a committee for a year: its 版头 (organ, 发文字号, 签发人, 密级, 份号), its
    版记 (抄送, 印发), the figures it was written from (`figures`, the annex), the cadres it
    quotes (`quoted`), the sections (ReportSection) and, once issued, the stored file's and
    the annex's SHA-256."""

    kind = models.CharField(_("类别"), max_length=16, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    committee = models.ForeignKey(
        "org.Organization", verbose_name=_("报告党委"), on_delete=models.PROTECT,
        related_name="reports",
    )  # fmt: skip
    status = models.CharField(
        _("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    title = models.CharField(_("标题"), max_length=200)
    organ = models.CharField(_("发文机关标志"), max_length=60)
    doc_number = models.CharField(_("发文字号"), max_length=60, blank=True)
    signer = models.CharField(_("签发人"), max_length=60, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("密级"), choices=Classification.choices, default=Classification.SECRET
    )
    # The highest 密级 of the records the text quotes, as written: the 密级 staff choose
    # never goes below it (figures.quoted_classification; 0 where it quotes none).
    quoted_classification = models.PositiveSmallIntegerField(_("引用记录的最高密级"), default=0)
    # Whom the text quotes (the subjects of its typical cases, the 中管 cadres of a
    # year-end report), set where the sections are written: reading the report is a read
    # of them, and a reader who declared 回避 on one of them does not see it.
    quoted = models.ManyToManyField(
        "org.Cadre", verbose_name=_("引用的干部"), related_name="+", blank=True
    )
    copy_number = models.CharField(_("份号"), max_length=6, blank=True)
    cc = models.CharField(_("抄送"), max_length=300, blank=True)
    printer = models.CharField(_("印发机关"), max_length=100, blank=True)
    figures = models.JSONField(_("数据附件"), default=dict)
    annex_sha256 = models.CharField(_("附件哈希"), max_length=64, blank=True)
    file_sha256 = models.CharField(_("文件哈希"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-created_at", "-pk"]
        verbose_name = _("报告")
        verbose_name_plural = _("报告")
        indexes = [models.Index(fields=["committee", "year", "kind"], name="report_lookup")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_issued(self) -> bool:
        return self.status == ReportStatus.ISSUED


class SectionQuerySet(ScopedQuerySet):
    def _visible(self, user):
        return self.filter(report__in=Report.objects.visible_to(user).values("pk"))


class ReportSection(ScopedModel, Versioned):
    """One section of a report's body: a heading (一、…) and its text, paragraphs one a line
    (a line starting with （一） or 1. is a lower heading). Written from the data, edited
    by staff while the report is a draft; every saved edit is a new version in the trail."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(max_length=32)
    heading = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"), blank=True)
    edited = models.BooleanField(default=False)

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["report", "order", "pk"]
        verbose_name = _("报告章节")
        verbose_name_plural = _("报告章节")
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="report_section_once"),
        ]

    def __str__(self) -> str:
        return self.heading


class ReceivedAnnexQuerySet(ScopedQuerySet):
    def _visible(self, user):
        """Annexes received at the staff member's or viewer's organization or below."""
        roles = scoping.user_roles(user)
        path = scoping.scope_path(user)
        if not (roles & R.SEE_CAMPAIGNS) or path is None:
            return self.none()
        return self.filter(received_at_org__path__startswith=path)


class ReceivedAnnex(ScopedModel):
    """A report's annex from another committee's deployment (a province's 专报 figures sent
    to the national office), imported with `tanhua import annex.json…` (or uploaded on the
    annexes page) after its hash and its signature under a registered TrustedSender key
    were verified; the same content twice is one row. Aggregates only: it names no one."""

    # Once per receiving office (a sibling office may receive the same annex; the summary
    # above both counts it once).
    sha256 = models.CharField(_("内容哈希"), max_length=64, db_index=True)
    kind = models.CharField(_("类别"), max_length=16, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    committee_code = models.CharField(_("报送党委编码"), max_length=32)
    committee_name = models.CharField(_("报送党委"), max_length=100)
    figures = models.JSONField(_("数据"), default=dict)
    # When the sender generated it (signed with it): of one committee's annexes of a year the
    # latest counts, so a superseded one sent again is not summed twice.
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    # The registered key that signed it (TrustedSender.key_id): a key revoked later names
    # the annexes it had vouched for.
    key_id = models.CharField(_("签名密钥指纹"), max_length=16, blank=True)
    received_at_org = models.ForeignKey(
        "org.Organization", verbose_name=_("接收单位"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = ReceivedAnnexQuerySet.as_manager()

    class Meta:
        ordering = ["year", "kind", "committee_code"]
        verbose_name = _("报送数据附件")
        verbose_name_plural = _("报送数据附件")
        constraints = [
            models.UniqueConstraint(
                fields=["received_at_org", "sha256"], name="received_annex_once_per_office"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_name} {self.year} {self.get_kind_display()}"


class TrustedSenderQuerySet(ScopedQuerySet):
    def _visible(self, user):
        """Keys registered at the staff member's or viewer's organization or below: those
        who see the annexes received there see whose signatures they were accepted under."""
        roles = scoping.user_roles(user)
        path = scoping.scope_path(user)
        if not (roles & R.SEE_CAMPAIGNS) or path is None:
            return self.none()
        return self.filter(received_at_org__path__startswith=path)


class TrustedSender(ScopedModel):
    """A sending committee's annex-signing public key (Ed25519), registered at the receiving
    organization after it came by a trusted channel (`tanhua annex key` printed it on the
    sender's side): an annex is imported only when signed by a key registered here, or at
    an organization above, for the committee code the annex names, and not revoked.

    The raw 32-byte public key is kept in base64; `key_id` is the first 16 hex digits of its
    SHA-256, what an annex names its key by. A key is registered once per receiving
    organization; a revoked key stays revoked (the sender makes a new one), so the row also
    says since when annexes under it are refused."""

    committee_code = models.CharField(_("报送党委编码"), max_length=32)
    committee_name = models.CharField(_("报送党委"), max_length=100)
    public_key = models.CharField(_("公钥"), max_length=64)
    key_id = models.CharField(_("密钥指纹"), max_length=16)
    received_at_org = models.ForeignKey(
        "org.Organization", verbose_name=_("接收单位"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = TrustedSenderQuerySet.as_manager()

    class Meta:
        ordering = ["committee_code", "registered_at", "pk"]
        verbose_name = _("报送单位密钥")
        verbose_name_plural = _("报送单位密钥")
        constraints = [
            models.UniqueConstraint(
                fields=["received_at_org", "key_id"], name="trusted_sender_key_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_name}（{self.committee_code}） {self.key_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class TemplateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Templates of committees at or below the staff member's organization (a template
        names no one: a plain queryset)."""
        path = scoping.scope_path(user)
        if not scoping.has_any(user, REPORT_ROLES) or path is None:
            return self.none()
        return self.filter(committee__path__startswith=path)


class ReportTemplate(models.Model):
    """A committee's own Word template for one kind of report (docxtpl: Jinja tags in a
    .docx the staff made), stored by SHA-256 beside the attachments. Rendered sandboxed and
    autoescaped: a figure or a section's text can never become markup or code."""

    committee = models.ForeignKey(
        "org.Organization", verbose_name=_("报告党委"), on_delete=models.PROTECT,
        related_name="report_templates",
    )  # fmt: skip
    kind = models.CharField(_("类别"), max_length=16, choices=ReportKind.choices)
    name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("文件哈希"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("报告模板")
        verbose_name_plural = _("报告模板")
        constraints = [
            models.UniqueConstraint(fields=["committee", "kind"], name="report_template_once"),
        ]

    def __str__(self) -> str:
        return self.name
