"""Campaigns: one committee's yearly round of talks, its plan rules and its teams' 民主生活会."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.core.scoped import ScopedModel, ScopedQuerySet
from tanhua.core.versioning import Versioned


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class CampaignQuerySet(ScopedQuerySet):
    def _visible(self, user) -> CampaignQuerySet:
        """Campaigns run by the user's organization or below it, for the staff who plan and
        follow talks and for leadership viewers (aggregates); a talker, recorder or subject
        sees the campaigns of the talks they take part in."""
        roles = scoping.user_roles(user)
        if not roles:
            return self.none()
        q = Q(pk__in=[])
        path = scoping.scope_path(user)
        if roles & R.SEE_CAMPAIGNS and path is not None:
            staff = Q(committee__path__startswith=path)
            # An office member: only the rounds that hold their localities' talks.
            covered = scoping.office_campaign_cover(user)
            q |= staff & covered if covered is not None else staff
        if roles & R.TAKE_PART_IN_TALKS:
            from tanhua.talks.models import Talk

            q |= Q(pk__in=Talk.objects.visible_to(user).order_by().values("campaign_id"))
        return self.filter(q)


class Campaign(ScopedModel, Versioned):
    """One committee's round of political supervision talks for a year (Anhui 2020: the
    province committee's round, mid-May to early July), with the window in which its talks
    are held. A lower committee's campaign of the same year rolls up into its parent's
    (`parent`), for statistics and progress.

    Where the committee's party secretary post is vacant, `substitute_talker` names who talks
    in their place, with `substitute_reason`."""

    year = models.PositiveSmallIntegerField(_("年度"))
    committee = models.ForeignKey(
        "org.Organization",
        verbose_name=_("组织谈话的党委"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级谈话工作"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    name = models.CharField(_("名称"), max_length=100)
    window_start = models.DateField(_("谈话开始日期"))
    window_end = models.DateField(_("谈话截止日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE
    )
    substitute_talker = models.ForeignKey(
        "org.Cadre",
        verbose_name=_("代为谈话人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("书记空缺时由谁代为谈话"),
    )
    substitute_reason = models.CharField(_("代为谈话事由"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "committee__path"]
        verbose_name = _("谈话工作")
        verbose_name_plural = _("谈话工作")
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="campaign_one_per_year"),
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")),
                name="campaign_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    """The plan rules a committee may apply (DESIGN §4). The first two are the default rule."""

    TEAM = "team", _("本级领导班子成员")
    SUBORDINATE_PRINCIPALS = "subordinate_principals", _("直属下级党委（党组）一把手")
    SUBORDINATE_TEAMS = "subordinate_teams", _("直属下级领导班子全体成员")


DEFAULT_RULES = (RuleKind.TEAM, RuleKind.SUBORDINATE_PRINCIPALS)


class PlanRule(models.Model):
    """A rule that makes talks 必谈 in a campaign; the default rule is the first two kinds.
    A committee may add rules or switch one off; the plan names the rule of each talk."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("规则"), max_length=32, choices=RuleKind.choices)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("谈话规则")
        verbose_name_plural = _("谈话规则")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="plan_rule_once"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class TeamMeetingQuerySet(models.QuerySet):
    def visible_to(self, user) -> TeamMeetingQuerySet:
        """Meeting dates of the organizations the user may browse (no person is named)."""
        from tanhua.org.models import Organization

        return self.filter(organization__in=Organization.objects.visible_to(user))


class TeamMeeting(models.Model):
    """The date of a leadership team's 民主生活会 in a year: every talk with a member of
    that team must be held before it."""

    organization = models.ForeignKey(
        "org.Organization",
        verbose_name=_("领导班子所在组织"),
        on_delete=models.PROTECT,
        related_name="team_meetings",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    date = models.DateField(_("民主生活会日期"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["year", "organization__path"]
        verbose_name = _("民主生活会")
        verbose_name_plural = _("民主生活会")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="team_meeting_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organization.name} {self.year} {self.date:%Y-%m-%d}"
