"""Campaign statistics (DESIGN §7): political supervision talks only, never mixed with the other
types; by the organising committee's level and by the subject's tier; planned / scheduled /
held / sealed. A campaign's figures roll up its lower committees' campaigns of the same year
(the committee subtree), each figure one grouped query whatever the number of talks.

Aggregates only: they name no talk and no person, so the scoping is the campaign's (who may
see the campaign sees its counts), and the CLI counts everything as the operator."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, DateField, Func, Q, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from tanhua.org.models import Level, Tier
from tanhua.talks.models import STATUS_ORDER, Talk, TalkStatus, TalkType

LEVELS = [lvl.value for lvl in Level]
TIERS = [t.value for t in Tier]
STAGES = ("planned", "scheduled", "held", "sealed")


@functools.cache
def stage_of(status: str) -> frozenset[str]:
    """The stages a talk in `status` counts in (a held talk was also planned and scheduled).
    Cached: the figures call it once per grouped row, hundreds of rows a page."""
    rank = STATUS_ORDER[status]
    out = {"planned"}
    if rank >= STATUS_ORDER[TalkStatus.SCHEDULED]:
        out.add("scheduled")
    if rank >= STATUS_ORDER[TalkStatus.HELD]:
        out.add("held")
    if rank >= STATUS_ORDER[TalkStatus.SEALED]:
        out.add("sealed")
    return frozenset(out)


@dataclass
class Figures:
    totals: Counter = field(default_factory=Counter)
    by_level: dict = field(default_factory=lambda: {lvl: Counter() for lvl in LEVELS})
    by_tier: dict = field(default_factory=lambda: {t: Counter() for t in TIERS})

    def as_json(self) -> dict:
        return {
            "total": self.totals["planned"],
            "held": self.totals["held"],
            **{stage: self.totals[stage] for stage in STAGES},
            "by_level": {lvl: self.by_level[lvl]["planned"] for lvl in LEVELS},
            "by_tier": {t: self.by_tier[t]["planned"] for t in TIERS},
            "detail": {
                "by_level": {lvl: _stages(self.by_level[lvl]) for lvl in LEVELS},
                "by_tier": {t: _stages(self.by_tier[t]) for t in TIERS},
            },
        }

    def table(self, kind: str) -> list[tuple[str, str, dict]]:
        """(code, label, {stage: n}) rows for a page."""
        if kind == "level":
            return [(lvl, Level(lvl).label, _stages(self.by_level[lvl])) for lvl in LEVELS]
        return [(t, Tier(t).label, _stages(self.by_tier[t])) for t in TIERS]


def _stages(counter: Counter) -> dict:
    return {stage: counter[stage] for stage in STAGES}


def counted(talks) -> object:
    """The talks a statistic counts: political supervision, and not those whose subject left
    before the talk (marked by the plan, kept for the record)."""
    held = [s for s in TalkStatus if STATUS_ORDER[s] >= STATUS_ORDER[TalkStatus.HELD]]
    return talks.filter(type=TalkType.POLITICAL_SUPERVISION).filter(
        Q(left_on__isnull=True) | Q(status__in=held)
    )


def narrowed(talks, viewer=None):
    """The talks a viewer's figures count: all of a campaign they may see (aggregates name
    no one), except that an office member (纪检监察室) counts only their localities' talks
    — the same narrowing as Talk.objects.visible_to. No viewer: the operator's figures."""
    from tanhua.core import scoping

    covered = scoping.office_cover(viewer, "subject_org__path") if viewer is not None else None
    return talks if covered is None else talks.filter(covered)


def figures(talks) -> Figures:
    """Figures over a Talk queryset (already limited to the campaigns counted)."""
    out = Figures()
    rows = (
        counted(talks)
        .order_by()
        .values("campaign__committee__level", "subject__tier", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        level, tier, n = row["campaign__committee__level"], row["subject__tier"], row["n"]
        for stage in stage_of(row["status"]):
            out.totals[stage] += n
            if level in out.by_level:
                out.by_level[level][stage] += n
            if tier in out.by_tier:
                out.by_tier[tier][stage] += n
    return out


def subtree_campaigns(campaign) -> list[dict]:
    """The campaign and every lower committee's campaign of its year (one query; plain
    values: a province has over a hundred)."""
    from tanhua.campaigns.models import Campaign

    return list(
        Campaign.objects.unscoped("the lower campaigns of one the viewer may see")
        .filter(year=campaign.year, committee__path__startswith=campaign.committee.path)
        .order_by("committee__path")
        .values("pk", "parent_id", "name", "committee__path", "committee__level")
    )


def grouped(campaign_ids: list[int], viewer=None) -> list[dict]:
    """(campaign, subject tier, status) → n over the counted talks of the campaigns."""
    talks = narrowed(
        Talk.objects.unscoped("aggregate figures of a campaign the viewer may see"), viewer
    )
    return list(
        counted(talks.filter(campaign_id__in=campaign_ids))
        .order_by()
        .values("campaign_id", "subject__tier", "status")
        .annotate(n=Count("pk"))
    )


def figures_of(rows: list[dict], level_of: dict[int, str]) -> Figures:
    """Figures from `grouped` rows, the organising level looked up by campaign."""
    out = Figures()
    for row in rows:
        level, tier, n = level_of.get(row["campaign_id"]), row["subject__tier"], row["n"]
        for stage in stage_of(row["status"]):
            out.totals[stage] += n
            if level in out.by_level:
                out.by_level[level][stage] += n
            if tier in out.by_tier:
                out.by_tier[tier][stage] += n
    return out


def subtree_talks(campaign):
    """The talks of the campaign and of every lower committee's campaign of its year."""
    return Talk.objects.unscoped("aggregate figures of a campaign the viewer may see").filter(
        campaign__year=campaign.year,
        campaign__committee__path__startswith=campaign.committee.path,
    )


def year_talks(year: int):
    return Talk.objects.unscoped("the operator's statistics of a year").filter(campaign__year=year)


class _ShiftedDate(Func):
    """SQLite's own date() of a UTC datetime moved by a fixed offset: the local day without
    Django's per-row Python function behind TruncDate there (most of the campaign page's
    time over thousands of scheduled talks)."""

    function = "date"
    output_field = DateField()


def local_day(field: str, first: dt.date, last: dt.date):
    """The local date of `field`, as TruncDate would give it. On SQLite, when the current
    time zone keeps one UTC offset from `first` to `last` (a day either side; China
    Standard Time always does), a builtin date() with that offset; TruncDate otherwise and
    on PostgreSQL, where it is native anyway."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return TruncDate(field)
    zone = timezone.get_current_timezone()
    offsets = set()
    day = first - dt.timedelta(days=1)
    while day <= last + dt.timedelta(days=1):
        # Two instants a day: a transition and its reversal never fall on the same day.
        for hour in (0, 12):
            offsets.add(dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone).utcoffset())
        day += dt.timedelta(days=1)
    if len(offsets) != 1:
        return TruncDate(field)
    minutes = int(offsets.pop().total_seconds() // 60)
    return _ShiftedDate(field, Value(f"{minutes:+d} minutes"))


def progress(campaign, *, campaign_ids: list[int] | None = None, planned=None, viewer=None) -> dict:
    """Day by day over the window: talks scheduled (by their time) and held (by their date),
    cumulative, against the number planned — the data of the campaign page's chart. One
    grouped query (and a count unless `planned` is given)."""
    talks = (
        subtree_talks(campaign)
        if campaign_ids is None
        else Talk.objects.unscoped("aggregate figures of a campaign the viewer may see").filter(
            campaign_id__in=campaign_ids
        )
    )
    talks = counted(narrowed(talks, viewer))
    if planned is None:
        planned = talks.count()
    held_by_day: Counter = Counter()
    scheduled_by_day: Counter = Counter()
    rows = (
        talks.filter(Q(held_on__isnull=False) | Q(scheduled_start__isnull=False))
        .annotate(day=local_day("scheduled_start", campaign.window_start, campaign.window_end))
        .order_by()
        .values_list("held_on", "day")
        .annotate(n=Count("pk"))
    )
    for held_on, day, n in rows:
        if held_on is not None:
            held_by_day[held_on] += n
        if day is not None:
            scheduled_by_day[day] += n
    days, held, scheduled = [], [], []
    h = sum(n for d, n in held_by_day.items() if d < campaign.window_start)
    s = sum(n for d, n in scheduled_by_day.items() if d < campaign.window_start)
    day = campaign.window_start
    while day <= campaign.window_end:
        h += held_by_day.get(day, 0)
        s += scheduled_by_day.get(day, 0)
        days.append(day.isoformat())
        held.append(h)
        scheduled.append(s)
        day += dt.timedelta(days=1)
    return {"planned": planned, "days": days, "held": held, "scheduled": scheduled}
