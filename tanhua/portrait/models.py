"""The portrait (精准画像, DESIGN §5): a dated snapshot per talk of its subject's and locality's
indicators, findings, last year's talk and 政治生态 index, with the ids of every source record;
the commission's 政治生态 scheme (weights and thresholds are data, not code); and the mark
that tells a drafted outline from one a person has edited."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tanhua.core.scoped import ScopedModel, ScopedQuerySet
from tanhua.core.versioning import Versioned


class Sign(models.TextChoices):
    """A positive indicator earns its points, a negative one deducts them (盐城 "6+X")."""

    POSITIVE = "positive", _("正向")
    NEGATIVE = "negative", _("负向")


class Colour(models.TextChoices):
    GREEN = "green", _("绿色")
    YELLOW = "yellow", _("黄色")
    RED = "red", _("红色")


class EcologyScheme(Versioned):
    """One committee's 政治生态 index scheme: weighted indicators (adding to 100) and the
    green / yellow thresholds; below yellow is red. A locality uses the scheme of its nearest
    committee that has one. Not about a person."""

    committee = models.OneToOneField(
        "org.Organization", verbose_name=_("党委"), on_delete=models.CASCADE,
        related_name="ecology_scheme",
    )  # fmt: skip
    green_min = models.DecimalField(
        _("绿色下限"), max_digits=5, decimal_places=2, default=Decimal("80"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )  # fmt: skip
    yellow_min = models.DecimalField(
        _("黄色下限"), max_digits=5, decimal_places=2, default=Decimal("60"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )  # fmt: skip
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("政治生态指标方案")
        verbose_name_plural = _("政治生态指标方案")

    def __str__(self) -> str:
        return f"政治生态方案 {self.committee_id}"


class EcologyWeight(models.Model):
    """One indicator of a scheme with its weight (points out of 100) and sign."""

    scheme = models.ForeignKey(EcologyScheme, on_delete=models.CASCADE, related_name="weights")
    indicator = models.ForeignKey(
        "evidence.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)
    sign = models.CharField(_("正负"), max_length=8, choices=Sign.choices)

    class Meta:
        ordering = ["scheme", "sign", "indicator__code"]
        verbose_name = _("政治生态指标权重")
        verbose_name_plural = _("政治生态指标权重")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator"], name="ecology_weight_once")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.sign} {self.weight}"


class PortraitQuerySet(ScopedQuerySet):
    def _visible(self, user):
        """Where its talk is visible, never to the talk's subject (like the outline)."""
        from tanhua.talks.models import Talk

        qs = self.filter(talk__in=Talk.objects.visible_to(user).values("pk")).select_related("talk")
        cadre_id = getattr(user, "cadre_id", None)
        if cadre_id:
            qs = qs.exclude(talk__subject_id=cadre_id)
        return qs


class Portrait(ScopedModel):
    """A talk's portrait as it stood on `as_of`: `data` holds every figure shown and the ids
    of the records (indicator values, findings, talks, record problems) it came from, so the
    page shows the portrait of the talk's day however the evidence changed since. One
    snapshot per talk and day: computing again the same day replaces it."""

    AUDIT_PERSON = ("talk.subject_id", "talk.talker_id")

    talk = models.ForeignKey(
        "talks.Talk", verbose_name=_("谈话"), on_delete=models.CASCADE, related_name="portraits"
    )
    as_of = models.DateField(_("截至日期"))
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    objects = PortraitQuerySet.as_manager()

    class Meta:
        ordering = ["talk", "-as_of"]
        verbose_name = _("画像")
        verbose_name_plural = _("画像")
        constraints = [
            models.UniqueConstraint(fields=["talk", "as_of"], name="portrait_once_a_day")
        ]

    def __str__(self) -> str:
        return f"画像 {self.talk_id} {self.as_of}"


class OutlinePrefill(models.Model):
    """The outline as the candidates drafted it: its version right after the draft. A later
    version means a person changed it since, and the draft never overwrites it again."""

    talk = models.OneToOneField("talks.Talk", on_delete=models.CASCADE, related_name="+")
    outline_version = models.PositiveIntegerField()
    portrait = models.ForeignKey(Portrait, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("提纲草稿标记")
        verbose_name_plural = _("提纲草稿标记")

    def __str__(self) -> str:
        return f"草稿 {self.talk_id} v{self.outline_version}"
