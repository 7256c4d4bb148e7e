"""Material requests (调取材料, DESIGN §1 "Gather"): the commission asks named source units for
a campaign's materials by a deadline; each unit's submitters answer with files and a note,
and see only what they sent themselves. Imported by tanhua/evidence/models.py."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.core.scoped import ScopedModel, ScopedQuerySet


class RequestStatus(models.TextChoices):
    OPEN = "open", _("征集中")
    CLOSED = "closed", _("已结束")


class MaterialRequestQuerySet(ScopedQuerySet):
    def _visible(self, user) -> MaterialRequestQuerySet:
        """Staff who prepare talks see the requests of campaigns run by their organization or
        below; a submitter sees the requests addressed to their own unit (and nothing of the
        other units' answers: see MaterialSubmission)."""
        roles = scoping.user_roles(user)
        path = scoping.scope_path(user)
        if not roles or path is None:
            return self.none()
        q = Q(pk__in=[])
        if roles & R.PLAN_TALKS:
            q |= Q(campaign__committee__path__startswith=path)
        if R.Role.SUBMITTER in roles:
            addressed = MaterialRequestUnit.objects.filter(organization_id=user.organization_id)
            q |= Q(pk__in=addressed.values("request_id"))
        return self.filter(q)


class MaterialRequest(ScopedModel):
    """One request for materials (调取材料通知): for a campaign, what is wanted
    (`description`), from which source units (`units`), by when (`deadline`). A unit that
    has sent nothing by the deadline is late and is reminded once a day; three days before the
    deadline a unit that has sent nothing is reminded once. Staff close a request when they have
    what they need: a closed request takes no more submissions and reminds no one."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("谈话工作"), on_delete=models.PROTECT,
        related_name="material_requests",
    )  # fmt: skip
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("材料要求"))
    deadline = models.DateField(_("报送截止日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    units = models.ManyToManyField(
        "org.Organization", through="MaterialRequestUnit", verbose_name=_("报送单位"),
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("结束人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    objects = MaterialRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("调取材料")
        verbose_name_plural = _("调取材料")

    def __str__(self) -> str:
        return self.title

    def is_past_deadline(self, today: dt.date) -> bool:
        return today > self.deadline


class MaterialRequestUnit(models.Model):
    """A source unit a request is addressed to."""

    request = models.ForeignKey(MaterialRequest, on_delete=models.CASCADE, related_name="unit_rows")
    organization = models.ForeignKey(
        "org.Organization", verbose_name=_("报送单位"), on_delete=models.PROTECT,
        related_name="material_requests",
    )  # fmt: skip

    class Meta:
        ordering = ["organization__path"]
        verbose_name = _("报送单位")
        verbose_name_plural = _("报送单位")
        constraints = [
            models.UniqueConstraint(fields=["request", "organization"], name="request_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.organization_id}"


class MaterialSubmissionQuerySet(ScopedQuerySet):
    def _visible(self, user) -> MaterialSubmissionQuerySet:
        """A submitter sees only what they sent themselves (DESIGN §2), not a colleague's of
        the same unit; staff see every answer to the requests their scope reaches."""
        roles = scoping.user_roles(user)
        if not roles:
            return self.none()
        q = Q(pk__in=[])
        if R.Role.SUBMITTER in roles:
            q |= Q(submitted_by=user)
        path = scoping.scope_path(user)
        if roles & R.PLAN_TALKS and path is not None:
            q |= Q(request__campaign__committee__path__startswith=path)
        return self.filter(q)


class MaterialSubmission(ScopedModel):
    """One answer to a request from one unit: a note and its files (Attachments of kind
    `material_submission`), sent by a submitter of that unit. A unit may answer more than
    once (a correction, a late addition); each answer is kept."""

    request = models.ForeignKey(
        MaterialRequest, on_delete=models.PROTECT, related_name="submissions"
    )
    unit = models.ForeignKey(
        "org.Organization", verbose_name=_("报送单位"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT,
        related_name="material_submissions",
    )  # fmt: skip
    note = models.TextField(_("说明"), blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)

    objects = MaterialSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("报送材料")
        verbose_name_plural = _("报送材料")
        indexes = [
            models.Index(fields=["request", "unit"], name="submission_request_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.unit_id}:{self.pk}"
