"""Evidence gathered before the talks (DESIGN §1, §3, §5): indicators and their values per
locality and period, and findings (问题线索, 发现的问题) from the source units — assessment,
personnel checks, inspection tours, audit, petitions — each about a locality and perhaps a
cadre, with its focus area (A1–A4) imported, proposed by the classifier, or corrected by
staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.core.scoped import ScopedModel, ScopedQuerySet
from tanhua.core.versioning import Versioned
from tanhua.org.models import Cadre, Organization, code_validator
from tanhua.talks.models import FocusArea


class Direction(models.TextChoices):
    """Which way an indicator improves: the portrait's rank, gap and rebound read it."""

    HIGHER_BETTER = "higher_better", _("越高越好")
    LOWER_BETTER = "lower_better", _("越低越好")


class Source(models.TextChoices):
    """The source category of a finding (DESIGN §6)."""

    ASSESSMENT = "assessment", _("综合考核")
    PERSONNEL = "personnel", _("选人用人")
    DEVELOPMENT = "development", _("经济社会发展")
    SUPERVISION = "supervision", _("日常监督检查")
    INVESTIGATION = "investigation", _("审查调查")
    INSPECTION = "inspection", _("巡视巡察")
    AUDIT = "audit", _("审计")
    PETITION = "petition", _("信访举报")


class FocusAreaSource(models.TextChoices):
    """Where a finding's focus area came from; only staff corrections train the model."""

    IMPORTED = "imported", _("导入")
    PROPOSED = "proposed", _("系统建议")
    CORRECTED = "corrected", _("人工校正")


class Indicator(models.Model):
    """An indicator (指标) that localities report per period, e.g. 综合考核得分 or PM2.5 年均
    浓度; `direction` says whether higher is better. Not about a person."""

    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    direction = models.CharField(_("方向"), max_length=16, choices=Direction.choices)
    focus_area = models.CharField(
        _("重点方面"), max_length=2, choices=FocusArea.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class IndicatorValueQuerySet(models.QuerySet):
    def visible_to(self, user) -> IndicatorValueQuerySet:
        """Values of the organizations the user may browse (their organization and below)."""
        path = scoping.scope_path(user)
        if path is None or not scoping.can_browse_orgs(user):
            return self.none()
        return self.filter(organization__path__startswith=path)


class IndicatorValue(models.Model):
    """One locality's value of an indicator for a period ("2020", "2020H1"), with its target
    where one was set. Matched on (organization, indicator, period)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT,
        related_name="indicator_values",
    )  # fmt: skip
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="values"
    )
    period = models.CharField(_("期间"), max_length=16)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    target = models.DecimalField(
        _("目标值"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__code", "organization__path", "period"]
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "indicator", "period"], name="indicator_value_once"
            ),
        ]
        indexes = [
            # The portrait reads one indicator's values across peers and periods.
            models.Index(fields=["indicator", "period"], name="indicator_value_by_period"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period} {self.value}"


class FindingQuerySet(ScopedQuerySet):
    def _visible(self, user) -> FindingQuerySet:
        """Staff who prepare talks (PLAN_TALKS) see findings of the organizations in their
        scope — a commission staff member attached to an office only those of its
        localities — within clearance (the finding's and its cadre's), minus findings about
        cadres they declared 回避 on. Nobody else sees findings yet: later stages (the
        portrait, the outline) show what they draw from them through their own scope."""
        roles = scoping.user_roles(user)
        path = scoping.scope_path(user)
        if not roles & R.PLAN_TALKS or path is None:
            return self.none()
        qs = self.filter(organization__path__startswith=path)
        covered = scoping.office_cover(user, "organization__path")
        if covered is not None:
            qs = qs.filter(covered)
        level = scoping.clearance(user)
        above = Cadre.objects.unscoped("the scoping layer itself").filter(classification__gt=level)
        declared = scoping.declared_cadres(user)
        return (
            qs.filter(classification__lte=level)
            .exclude(cadre_id__in=above.values("pk"))
            .exclude(cadre_id__in=declared)
        )


class Finding(ScopedModel, Versioned):
    """A problem found by a source unit (DESIGN §3): about a locality and, where named, a
    cadre; with its source category, date, severity (1 low – 3 high), text and focus area.

    `focus_area` is the one in force: imported with the row, else the classifier's proposal
    (kept in `proposed_focus_area` with its `confidence`), else a staff correction (who and
    when in `focus_area_set_by` / `focus_area_set_at`). Corrections train the next model."""

    AUDIT_PERSON = "cadre_id"

    code = models.CharField(_("编号"), max_length=32, unique=True, validators=[code_validator])
    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="findings"
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("干部"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="findings",
    )  # fmt: skip
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    date = models.DateField(_("日期"))
    severity = models.PositiveSmallIntegerField(
        _("严重程度"), choices=[(1, _("轻")), (2, _("中")), (3, _("重"))]
    )
    focus_area = models.CharField(
        _("重点方面"), max_length=2, choices=FocusArea.choices, blank=True
    )
    proposed_focus_area = models.CharField(
        _("建议重点方面"), max_length=2, choices=FocusArea.choices, blank=True
    )
    confidence = models.FloatField(_("置信度"), null=True, blank=True)
    focus_area_source = models.CharField(
        _("重点方面来源"), max_length=16, choices=FocusAreaSource.choices, blank=True
    )
    focus_area_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("校正人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    focus_area_set_at = models.DateTimeField(_("校正时间"), null=True, blank=True)
    text = models.TextField(_("问题描述"))
    classification = models.PositiveSmallIntegerField(
        _("密级"), choices=Classification.choices, default=Classification.SECRET
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "code"]
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="finding_severity_1_3"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "date"], name="finding_org_date"),
            models.Index(fields=["cadre", "date"], name="finding_cadre_date"),
            models.Index(fields=["focus_area_source"], name="finding_focus_source"),
        ]

    def __str__(self) -> str:
        return self.code


# Material requests live in their own module (one concept per file); imported here so that
# Django finds their models in this app.
from tanhua.evidence.models_requests import (  # noqa: E402, F401
    MaterialRequest,
    MaterialRequestUnit,
    MaterialSubmission,
    RequestStatus,
)
