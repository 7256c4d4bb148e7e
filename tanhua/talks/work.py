"""The talk cycle's part of each role's work page (tanhua.core.work): what waits for the user
— talks to prepare, outlines to approve, records to write or confirm —, their next talks and
their campaigns' progress. Every list starts from `visible_to(user)`; each is one query."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from tanhua.accounts import roles as R
from tanhua.campaigns.models import Campaign, CampaignStatus
from tanhua.core import scoping
from tanhua.core.work import Panel, register
from tanhua.talks.models import (
    HELD_OR_LATER,
    OutlineStatus,
    Talk,
    TalkStatus,
    TalkType,
)

LIMIT = 8
PREPARING = (TalkStatus.PLANNED, TalkStatus.PREPARING)
BEFORE_HELD = tuple(s for s in TalkStatus if s not in HELD_OR_LATER)


def _talks(user):
    return Talk.objects.visible_to(user).select_related(
        "campaign", "talker", "subject", "subject_org"
    )


def _first(qs) -> tuple[list, int]:
    """The first LIMIT rows and whether there are more, in one query (LIMIT + 1)."""
    rows = list(qs[: LIMIT + 1])
    return rows[:LIMIT], len(rows) > LIMIT


def waiting_items(user) -> list[dict]:
    """What waits for the user, by kind: each {title, rows, more, action}."""
    roles = scoping.user_roles(user)
    cadre_id = getattr(user, "cadre_id", None)
    items = []
    if roles & R.PLAN_TALKS:
        rows, more = _first(
            Talk.objects.handled_by(user)
            .select_related("campaign", "talker", "subject", "subject_org")
            .filter(status__in=PREPARING, type=TalkType.POLITICAL_SUPERVISION)
            .filter(campaign__status=CampaignStatus.ACTIVE)
            .order_by("scheduled_start", "campaign_id", "subject_org__path", "pk")
        )
        items.append({"key": "prepare", "rows": rows, "more": more})
    if R.Role.TALKER in roles and cadre_id:
        rows, more = _first(
            _talks(user)
            .filter(talker_id=cadre_id, outline__status=OutlineStatus.SUBMITTED)
            .order_by("scheduled_start", "pk")
        )
        items.append({"key": "approve", "rows": rows, "more": more})
    if R.Role.RECORDER in roles:
        rows, more = _first(
            _talks(user)
            .filter(recorder=user)
            .filter(status__in=(TalkStatus.OUTLINE_APPROVED, TalkStatus.SCHEDULED, TalkStatus.HELD))
            .order_by("scheduled_start", "pk")
        )
        items.append({"key": "record", "rows": rows, "more": more})
    if cadre_id and roles & {R.Role.TALKER, R.Role.SUBJECT}:
        mine = Q()
        if R.Role.TALKER in roles:
            mine |= Q(talker_id=cadre_id, record__talker_confirmed_at__isnull=True)
        if R.Role.SUBJECT in roles:
            mine |= Q(subject_id=cadre_id, record__subject_confirmed_at__isnull=True)
        rows, more = _first(
            _talks(user)
            .filter(status=TalkStatus.HELD, record__sealed_at__isnull=True)
            .filter(mine)
            .order_by("held_on", "pk")
        )
        items.append({"key": "confirm", "rows": rows, "more": more})
    return items


def next_talks(user, *, now=None) -> tuple[list, bool]:
    """The user's next scheduled talks: those they hold, record, accompany or receive; for
    staff, every talk of their scope."""
    roles = scoping.user_roles(user)
    now = now or timezone.now()
    qs = _talks(user).filter(scheduled_start__gte=now, status__in=BEFORE_HELD)
    if not roles & R.PLAN_TALKS:
        cadre_id = getattr(user, "cadre_id", None) or 0
        qs = qs.filter(
            Q(talker_id=cadre_id) | Q(subject_id=cadre_id) | Q(recorder=user) | Q(companion=user)
        )
    rows, more = _first(qs.order_by("scheduled_start", "pk"))
    from tanhua.talks.services.record import is_subject

    for t in rows:
        # The user's own talk among them shows its time and place only.
        t.as_subject = is_subject(user, t)
    return rows, more


def campaign_progress(user, *, year=None) -> list[Campaign]:
    """The user's campaigns of the year (the latest year they have, by default), each with
    its political supervision talks counted by stage, in one query."""
    roles = scoping.user_roles(user)
    # A subject or a recorder follows their own talks, not a campaign's progress.
    if not roles & (R.SEE_CAMPAIGNS | {R.Role.TALKER}):
        return []
    campaigns = Campaign.objects.visible_to(user)
    if year is None:
        latest = campaigns.order_by("-year").values_list("year", flat=True).first()
        if latest is None:
            return []
        year = latest
    political = Q(talks__type=TalkType.POLITICAL_SUPERVISION)
    # An office member counts only their localities' talks (as Talk.objects.visible_to).
    covered = scoping.office_cover(user, "talks__subject_org__path")
    if covered is not None:
        political &= covered
    return list(
        campaigns.filter(year=year)
        .select_related("committee")
        .annotate(
            n_total=Count("talks", filter=political),
            # As the campaign's figures count it (campaigns.stats): a time and an approved
            # outline, or any later stage.
            n_scheduled=Count(
                "talks",
                filter=political & Q(talks__status__in=[TalkStatus.SCHEDULED, *HELD_OR_LATER]),
            ),
            n_held=Count("talks", filter=political & Q(talks__status__in=HELD_OR_LATER)),
            n_sealed=Count(
                "talks",
                filter=political
                & Q(talks__status__in=HELD_OR_LATER)
                & ~Q(talks__status=TalkStatus.HELD),
            ),
        )
        .order_by("committee__path")[:LIMIT]
    )


@register
def talk_panels(user) -> list[Panel]:
    roles = scoping.user_roles(user)
    if not roles & (R.PLAN_TALKS | R.TAKE_PART_IN_TALKS | R.SEE_CAMPAIGNS):
        return []
    panels = []
    # Only kinds with something waiting: an empty "to confirm" heading is noise.
    waiting = [w for w in waiting_items(user) if w["rows"]]
    if waiting:
        panels.append(Panel("talks/work_waiting.html", {"waiting": waiting}, order=10))
    if roles & (R.PLAN_TALKS | R.TAKE_PART_IN_TALKS):
        rows, more = next_talks(user)
        panels.append(
            Panel(
                "talks/work_next.html",
                {"next_talks": rows, "next_more": more, "as_subject": _only_subject(roles)},
                order=20,
            )
        )
    cadre_id = getattr(user, "cadre_id", None)
    if R.Role.SUBJECT in roles and cadre_id:
        mine = list(
            Talk.objects.visible_to(user)
            .filter(subject_id=cadre_id)
            .select_related("campaign")
            .order_by("-campaign__year", "pk")[:LIMIT]
        )
        panels.append(Panel("talks/work_mine.html", {"my_talks": mine}, order=5))
    campaigns = campaign_progress(user)
    if campaigns:
        panels.append(Panel("talks/work_campaigns.html", {"campaigns": campaigns}, order=30))
    return panels


def _only_subject(roles) -> bool:
    """A subject (and nothing more) sees of a coming talk only its time and place."""
    return R.Role.SUBJECT in roles and not roles & (R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER})
