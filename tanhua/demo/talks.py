"""A year of talks in the demo province: a campaign for the province, each city and each
county (its lower committees' campaigns rolling up into it), each planned by the plan
service (the default rule), 民主生活会 dates for every team of the plan, and the demo
recorder assigned to the province secretary's talks so that the talker, recorder and subject
logins each have talks to open."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

from django.utils import timezone

from tanhua.accounts.models import User
from tanhua.audit import services as audit
from tanhua.campaigns import services as campaigns
from tanhua.campaigns.models import Campaign, TeamMeeting
from tanhua.demo.province import PROVINCE_CODE
from tanhua.org.models import Level, Organization
from tanhua.talks.models import Talk
from tanhua.talks.services.plan import plan_campaigns

RECORDER = "demo_recorder"
# Committees that organise talks: every level above the township.
ORGANISING = (Level.PROVINCE, Level.CITY, Level.COUNTY)


@dataclass(frozen=True)
class DemoTalks:
    campaigns: int
    talks: int
    meetings: int


def demo_year() -> int:
    return timezone.localdate().year


def demo_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The demo's round runs around the day it is loaded (30 days back, 30 ahead), so that
    its talks are partly held and partly still to come whenever someone opens it."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=30), today + dt.timedelta(days=30)


def _meeting_day(code: str, window_end: dt.date) -> dt.date:
    """A stable date per team in the fortnight after the window."""
    return window_end + dt.timedelta(days=1 + zlib.crc32(code.encode()) % 14)


def load_talks(year: int | None = None) -> DemoTalks:
    year = year or demo_year()
    committees = list(
        Organization.objects.filter(level__in=ORGANISING, children__isnull=False)
        .distinct()
        .order_by("path")
    )
    start, end = demo_window()
    rounds = [
        campaigns.create_campaign(
            actor=None, committee=org, year=year, window_start=start, window_end=end
        )
        for org in committees
    ]
    plan_campaigns(actor=None, campaigns=rounds)
    talks = Talk.objects.unscoped("demo loader: the year's talks it planned")
    team_ids = set(
        talks.filter(campaign__year=year).values_list("subject_org_id", flat=True).distinct()
    )
    teams = Organization.objects.filter(pk__in=team_ids).only("pk", "code")
    TeamMeeting.objects.bulk_create(
        [TeamMeeting(organization=t, year=year, date=_meeting_day(t.code, end)) for t in teams]
    )
    _assign_recorder(year)
    from tanhua.demo.cycle import walk_the_cycle

    walk_the_cycle(year)
    from tanhua.demo.lists import file_the_lists

    file_the_lists(year)
    return DemoTalks(
        campaigns=len(rounds),
        talks=talks.filter(campaign__year=year).count(),
        meetings=len(team_ids),
    )


def _assign_recorder(year: int) -> None:
    recorder = User.objects.filter(username=RECORDER).first()
    province = (
        Campaign.objects.unscoped("demo loader: the province's round")
        .filter(year=year, committee__code=PROVINCE_CODE)
        .first()
    )
    if recorder is None or province is None:
        return
    ids = list(
        Talk.objects.unscoped("demo loader: the province's talks")
        .filter(campaign=province)
        .values_list("pk", flat=True)
    )
    Talk.objects.unscoped("demo loader: the province's talks").filter(pk__in=ids).update(
        recorder=recorder
    )
    audit.record(
        "demo.assign_recorder",
        object_type="campaign",
        object_id=str(province.pk),
        object_repr=province.name,
        after={"recorder": recorder.username, "talks": len(ids)},
    )
