"""The write paths of campaigns: the campaign itself (window, status, who talks in place of a
vacant secretary), its plan rules and its teams' 民主生活会 dates. Pages, the API, the CLI and
imports call these; each validates, saves and writes its audit entry in one transaction.

`actor=None` is the operator at the command line (like the registry's services)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.campaigns.models import (
    DEFAULT_RULES,
    Campaign,
    CampaignStatus,
    PlanRule,
    RuleKind,
    TeamMeeting,
)
from tanhua.core import scoping
from tanhua.core.versioning import check_fresh
from tanhua.org.models import Cadre, Organization

CAMPAIGN_FIELDS = [
    "year",
    "committee",
    "parent",
    "name",
    "window_start",
    "window_end",
    "status",
    "substitute_talker",
    "substitute_reason",
]
MAX_REASON = 200
# How a refused stale edit names the fields that changed meanwhile.
CAMPAIGN_LABELS = {
    "name": _lazy("名称"),
    "window_start": _lazy("谈话开始日期"),
    "window_end": _lazy("谈话截止日期"),
    "status": _lazy("状态"),
    "substitute_talker": _lazy("代为谈话人"),
    "substitute_reason": _lazy("代为谈话事由"),
}


def default_window(year: int) -> tuple[dt.date, dt.date]:
    """Anhui's first round ran mid-May to early July: the window a new campaign starts with."""
    return dt.date(year, 5, 15), dt.date(year, 7, 10)


def default_name(committee: Organization, year: int) -> str:
    return _("%(org)s%(year)s年度政治监督谈话") % {"org": committee.name, "year": year}


def may_plan(actor, committee: Organization) -> bool:
    """Staff who plan talks, in their committee or below; None is the operator."""
    if actor is None:
        return True
    path = scoping.scope_path(actor)
    return bool(
        scoping.user_roles(actor) & R.PLAN_TALKS
        and path is not None
        and committee.path.startswith(path)
    )


def check_may_plan(actor, committee: Organization) -> None:
    if not may_plan(actor, committee):
        raise scoping.OutOfScope


def _check_window(start: dt.date, end: dt.date, year: int) -> None:
    if start is None or end is None:
        raise ValidationError(_("请填写谈话开始日期和截止日期"), code="window")
    if end < start:
        raise ValidationError(_("谈话截止日期不能早于开始日期"), code="window")
    if start.year != year and end.year != year:
        raise ValidationError(_("谈话时间段应在 %(year)s 年内") % {"year": year}, code="window")


def _check_substitute(talker: Cadre | None, reason: str) -> str:
    reason = (reason or "").strip()
    if talker is not None and not reason:
        raise ValidationError(_("指定代为谈话人时，请说明事由"), code="substitute_reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("代为谈话事由不能超过 %(n)s 个字") % {"n": MAX_REASON}, code="substitute_reason"
        )
    return reason if talker is not None else ""


def _parent_campaign(committee: Organization, year: int) -> Campaign | None:
    if committee.parent_id is None:
        return None
    return (
        Campaign.objects.unscoped("linking a campaign to its parent committee's round")
        .filter(committee_id=committee.parent_id, year=year)
        .first()
    )


@transaction.atomic
def create_campaign(
    *,
    actor,
    committee: Organization,
    year: int,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
    name: str = "",
    status: str = CampaignStatus.ACTIVE,
    substitute_talker: Cadre | None = None,
    substitute_reason: str = "",
) -> Campaign:
    """A committee's round for a year, with the default rule; linked under the parent
    committee's round of the same year, and the lower committees' rounds linked under it."""
    check_may_plan(actor, committee)
    if not 2000 <= int(year) <= 2100:
        raise ValidationError(_("年度“%(year)s”无效") % {"year": year}, code="year")
    default_start, default_end = default_window(year)
    window_start = window_start or default_start
    window_end = window_end or default_end
    _check_window(window_start, window_end, year)
    if status not in CampaignStatus.values:
        raise ValidationError(_("状态无效"), code="status")
    reason = _check_substitute(substitute_talker, substitute_reason)
    existing = Campaign.objects.unscoped("uniqueness of a committee's round in a year")
    if existing.filter(committee=committee, year=year).exists():
        raise ValidationError(
            _("%(org)s %(year)s 年度的谈话工作已存在") % {"org": committee.name, "year": year},
            code="unique",
        )
    campaign = Campaign.objects.create(
        year=year,
        committee=committee,
        parent=_parent_campaign(committee, year),
        name=(name or "").strip()[:100] or default_name(committee, year),
        window_start=window_start,
        window_end=window_end,
        status=status,
        substitute_talker=substitute_talker,
        substitute_reason=reason,
    )
    PlanRule.objects.bulk_create([PlanRule(campaign=campaign, kind=k) for k in DEFAULT_RULES])
    # Lower committees planned before this one now roll up into it.
    relinked = existing.filter(year=year, committee__parent=committee).update(parent=campaign)
    audit.record(
        "campaign.create",
        object_type="campaign",
        object_id=str(campaign.pk),
        object_repr=campaign.name,
        actor=actor,
        after=audit.snapshot(campaign, CAMPAIGN_FIELDS),
        detail={"children_linked": relinked} if relinked else None,
    )
    return campaign


def ensure_campaign(
    *,
    actor,
    committee: Organization,
    year: int,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
) -> tuple[Campaign, bool]:
    """The committee's round of the year, created (default window unless given) if missing."""
    found = (
        Campaign.objects.unscoped("the CLI and imports find the round they plan in")
        .filter(committee=committee, year=year)
        .first()
    )
    if found is not None:
        check_may_plan(actor, committee)
        return found, False
    return (
        create_campaign(
            actor=actor,
            committee=committee,
            year=year,
            window_start=window_start,
            window_end=window_end,
        ),
        True,
    )


@transaction.atomic
def update_campaign(
    *,
    actor,
    campaign: Campaign,
    expected_version: int | None = None,
    name: str | None = None,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
    status: str | None = None,
    substitute_talker: Cadre | bool | None = False,
    substitute_reason: str | None = None,
) -> Campaign:
    """Change what is given (`substitute_talker=False`: unchanged; None: nobody)."""
    check_may_plan(actor, campaign.committee)
    current = (
        Campaign.objects.unscoped("re-read under lock for an edit")
        .select_for_update()
        .get(pk=campaign.pk)
    )
    check_fresh(
        current,
        expected_version,
        object_type="campaign",
        object_id=str(current.pk),
        labels=CAMPAIGN_LABELS,
    )
    before = audit.snapshot(current, CAMPAIGN_FIELDS)
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError(_("请填写名称"), code="name")
        current.name = name[:100]
    if window_start is not None:
        current.window_start = window_start
    if window_end is not None:
        current.window_end = window_end
    _check_window(current.window_start, current.window_end, current.year)
    if status is not None:
        if status not in CampaignStatus.values:
            raise ValidationError(_("状态无效"), code="status")
        current.status = status
    if substitute_talker is not False:
        current.substitute_talker = substitute_talker
    if substitute_reason is not None or substitute_talker is not False:
        current.substitute_reason = _check_substitute(
            current.substitute_talker,
            current.substitute_reason if substitute_reason is None else substitute_reason,
        )
    after = audit.snapshot(current, CAMPAIGN_FIELDS)
    if after == before:
        return current
    current.save(update_fields=[*CAMPAIGN_FIELDS, "updated_at", *current.bump_version()])
    audit.record(
        "campaign.update",
        object_type="campaign",
        object_id=str(current.pk),
        object_repr=current.name,
        actor=actor,
        before=before,
        after=after,
    )
    return current


@transaction.atomic
def set_rule(*, actor, campaign: Campaign, kind: str, active: bool) -> PlanRule:
    """Switch a plan rule on or off for the campaign (the plan names each talk's rule)."""
    check_may_plan(actor, campaign.committee)
    if kind not in RuleKind.values:
        raise ValidationError(_("谈话规则“%(kind)s”无效") % {"kind": kind}, code="kind")
    rule, created = PlanRule.objects.get_or_create(
        campaign=campaign, kind=kind, defaults={"active": active}
    )
    if not created and rule.active == active:
        return rule
    before = None if created else {"active": rule.active}
    rule.active = active
    rule.save(update_fields=["active"])
    audit.record(
        "campaign.rule",
        object_type="campaign",
        object_id=str(campaign.pk),
        object_repr=campaign.name,
        actor=actor,
        before=before,
        after={"kind": kind, "active": active},
    )
    return rule


@transaction.atomic
def set_team_meeting(
    *, actor, organization: Organization, year: int, date: dt.date | None
) -> TeamMeeting | None:
    """Enter or change a leadership team's 民主生活会 date (None removes it). The talks with
    the team's members must be held before it."""
    if actor is not None and not may_plan(actor, organization):
        raise scoping.OutOfScope
    found = TeamMeeting.objects.filter(organization=organization, year=year).first()
    before = {"date": found.date} if found else None
    if date is None:
        if found is None:
            return None
        found.delete()
        meeting = None
    else:
        if not dt.date(year, 1, 1) <= date <= dt.date(year, 12, 31):
            raise ValidationError(
                _("民主生活会日期应在 %(year)s 年内") % {"year": year}, code="date"
            )
        if found is not None and found.date == date:
            return found
        if found is None:
            meeting = TeamMeeting.objects.create(organization=organization, year=year, date=date)
        else:
            found.date = date
            found.save(update_fields=["date", "updated_at"])
            meeting = found
    audit.record(
        "team_meeting.set",
        object_type="organization",
        object_id=organization.code,
        object_repr=organization.name,
        actor=actor,
        before=before,
        after={"year": year, "date": date} if date else None,
    )
    return meeting
