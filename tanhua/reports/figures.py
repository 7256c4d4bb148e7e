"""The figures a report is written from (and its annex carries): grouped queries over a
committee's subtree for a year, whatever the number of talks and measures.

Counts name no one, so they are taken over the whole subtree of a committee the reader's
scope reaches (`Report.objects.visible_to` decided that), as the campaign statistics do.
What quotes a record — the typical cases, the year-end rows about a cadre — reads through
`visible_to(viewer)`; with no viewer it is the operator's command line."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from tanhua.campaigns import stats
from tanhua.org.models import Level, Tier
from tanhua.rectification.models import (
    OPEN_STATUSES,
    CheckResult,
    LookBack,
    LookBackItem,
    Measure,
    MeasureKind,
    MeasureStatus,
)
from tanhua.talks.models import FocusArea, RecordProblem, Talk, TalkType

AGGREGATE = "aggregate figures of a committee whose report the reader may see"
CASES_PER_AREA = 2


def _num(value) -> int | float:
    """A Decimal sum as a plain JSON number (whole numbers as int)."""
    if value is None:
        return 0
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def committee_talks(committee, year: int):
    return Talk.objects.unscoped(AGGREGATE).filter(
        year=year, committee__path__startswith=committee.path
    )


def committee_measures(committee, year: int, viewer=None):
    qs = (
        Measure.objects.unscoped(AGGREGATE)
        if viewer is None
        else Measure.objects.visible_to(viewer)
    )
    return qs.filter(year=year, committee__path__startswith=committee.path)


def _problems(committee, year: int, viewer=None):
    """The problems pointed out in the year's sealed political supervision records, by the
    problem's own copies of its campaign's year and committee, its talk's type and its
    record's seal."""
    qs = (
        RecordProblem.objects.visible_to(viewer)
        if viewer is not None
        else RecordProblem.objects.unscoped(AGGREGATE)
    )
    return qs.filter(
        sealed=True,
        talk_type=TalkType.POLITICAL_SUPERVISION,
        year=year,
        committee__path__startswith=committee.path,
    )


def talk_figures(committee, year: int) -> dict:
    """Talks held and planned by the organising level, and the committee's own round by the
    subject's tier — `campaigns.stats.figures`, the same counts as `tanhua stats`."""
    talks = committee_talks(committee, year)
    every = stats.figures(talks).as_json()
    own = stats.figures(talks.filter(committee=committee)).as_json()
    detail = every["detail"]
    return {
        "total": every["total"],
        "held": every["held"],
        "held_by_level": {lvl: detail["by_level"][lvl]["held"] for lvl in stats.LEVELS},
        "planned_by_level": every["by_level"],
        "held_by_tier": {t: detail["by_tier"][t]["held"] for t in stats.TIERS},
        "own_held": own["held"],
        "own_held_by_tier": {t: own["detail"]["by_tier"][t]["held"] for t in stats.TIERS},
    }


def problem_figures(committee, year: int) -> dict:
    rows = (
        _problems(committee, year)
        .order_by()
        .values("focus_area")
        .annotate(n=Count("pk"))
        .values_list("focus_area", "n")
    )
    by_area = {a: 0 for a in FocusArea.values}
    by_area.update(dict(rows))
    return {"total": sum(by_area.values()), "by_area": by_area}


def _case(text: str) -> str:
    return text.strip().rstrip("。；;")


def _case_rows(committee, year: int, viewer, area: str) -> list[tuple[str, int]]:
    """The problems a focus area's typical cases are picked from: (quoted text, subject)."""
    rows = (
        _problems(committee, year, viewer)
        .filter(focus_area=area)
        .order_by("pk")
        .values_list("text", "record__talk__subject_id")[:20]
    )
    return [(_case(text), subject) for text, subject in rows if _case(text)]


def typical_cases(committee, year: int, viewer=None) -> dict[str, list[str]]:
    """A few problem texts per focus area (the shortest pointed ones first: a report quotes,
    it does not copy a record), only of records the reader may see; no names. Ties in
    length go by the text, so that the same records always give the same quotes (the
    report's quoted subjects are found again from them: `quoted_subjects`)."""
    out: dict[str, list[str]] = {}
    for area in FocusArea.values:
        picked = sorted({t for t, _s in _case_rows(committee, year, viewer, area)})
        out[area] = sorted(picked, key=len)[:CASES_PER_AREA]
    return out


def quoted_subjects(kind: str, committee, year: int, data: dict, viewer=None) -> set[int]:
    """The cadres a report of `kind` written from `data` quotes: the subjects of the
    problems its typical cases are (every subject whose problem reads the same), every 中管
    cadre a year-end report has a row about; a look-back report quotes no one. The report
    keeps them: a reader who declared 回避 on one of them does not see it."""
    if kind == "special":
        quoted: set[int] = set()
        for area, texts in (data.get("cases") or {}).items():
            wanted = set(texts or [])
            if wanted:
                rows = _case_rows(committee, year, viewer, area)
                quoted.update(subject for text, subject in rows if text in wanted)
        return quoted
    if kind == "year_end":
        rows = (
            committee_measures(committee, year, viewer)
            .filter(subject__tier=Tier.CENTRAL)
            .order_by()
            .values_list("subject_id", flat=True)
            .distinct()
        )
        return set(rows)
    return set()


def quoted_classification(kind: str, committee, year: int, viewer=None) -> int:
    """The highest 密级 of the records a report of `kind` quotes for `viewer` (the problem
    texts of a 专报, the rows about 中管 cadres of a year-end report; a look-back report
    quotes none): the report is classified at least as high, so that a reader below that
    clearance never reads a 机密 talk's words through a colleague's report."""
    from django.db.models import Max

    if kind == "special":
        got = _problems(committee, year, viewer).aggregate(
            a=Max("record__talk__classification"), b=Max("record__talk__subject__classification")
        )
    elif kind == "year_end":
        got = (
            committee_measures(committee, year, viewer)
            .filter(subject__tier=Tier.CENTRAL)
            .aggregate(a=Max("classification"), b=Max("subject__classification"))
        )
    else:
        return 0
    return max(got["a"] or 0, got["b"] or 0)


def unit_rows(committee, year: int, today: dt.date) -> list[dict]:
    """One grouped scan of the year's measures: per subject's organization, how many in each
    status, the overdue (open, immediate, past the deadline) and the open long-term ones.
    The totals, the four colours and the table by unit all come from these rows."""
    late = Q(status__in=OPEN_STATUSES, kind=MeasureKind.IMMEDIATE, deadline__lt=today)
    long_term = Q(kind=MeasureKind.LONG_TERM) & ~Q(status=MeasureStatus.CLOSED)
    # count(status) (never null), not count(id): the measure_units index alone answers it
    # (Django allows no filter on count(*)).
    counts = {status: Count("status", filter=Q(status=status)) for status in MeasureStatus.values}
    return list(
        committee_measures(committee, year)
        .order_by()
        .values("subject_org_id")
        .annotate(
            total=Count("status"),
            overdue=Count("status", filter=late),
            long_term=Count("status", filter=long_term),
            **{f"n_{status}": c for status, c in counts.items()},
        )
    )


def rectification_figures(
    committee, year: int, today: dt.date | None = None, rows: list[dict] | None = None
) -> dict:
    today = today or timezone.localdate()
    rows = unit_rows(committee, year, today) if rows is None else rows
    by_status = {s: sum(r[f"n_{s}"] for r in rows) for s in MeasureStatus.values}
    overdue = sum(r["overdue"] for r in rows)
    long_term = sum(r["long_term"] for r in rows)
    outcomes = [
        {
            "unit": row["target_unit"],
            "target": _num(row["target"]),
            "achieved": _num(row["achieved"]),
            "measures": row["n"],
        }
        for row in committee_measures(committee, year)
        .filter(target_value__isnull=False)
        .exclude(target_unit="")
        .order_by()
        .values("target_unit")
        .annotate(target=Sum("target_value"), achieved=Sum("achieved_value"), n=Count("*"))
        .order_by("-n", "target_unit")
    ]
    total = sum(by_status.values())
    closed = by_status[MeasureStatus.CLOSED]
    return {
        "total": total,
        "by_status": by_status,
        "closed": closed,
        "open": sum(by_status[s] for s in OPEN_STATUSES),
        "overdue": overdue,
        "long_term": long_term,
        "colours": {
            "green": closed,
            "red": overdue,
            "blue": long_term,
            "yellow": max(0, total - closed - overdue - long_term),
        },
        "outcomes": outcomes,
        "as_of": today.isoformat(),
    }


def by_unit(
    committee, year: int, today: dt.date, limit: int = 30, rows: list[dict] | None = None
) -> list[dict]:
    """Measures per subject's organization, overdue first: total, closed, overdue (the
    dashboard's table; the names of the rows shown looked up afterwards)."""
    from tanhua.org.models import Organization

    rows = unit_rows(committee, year, today) if rows is None else rows
    top = sorted(rows, key=lambda r: (-r["overdue"], -r["total"], r["subject_org_id"]))[:limit]
    named = {
        pk: (code, name)
        for pk, code, name in Organization.objects.filter(
            pk__in=[r["subject_org_id"] for r in top]
        ).values_list("pk", "code", "name")
    }
    return [
        {
            "code": named.get(r["subject_org_id"], ("", ""))[0],
            "name": named.get(r["subject_org_id"], ("", ""))[1],
            "total": r["total"],
            "closed": r[f"n_{MeasureStatus.CLOSED}"],
            "overdue": r["overdue"],
        }
        for r in top
    ]


def past_year(talks: dict, problems: dict) -> dict:
    """A year of the trend from `year_talks` and `year_problems` rows, counted as the year
    itself is: political supervision talks held and the problems they pointed out (DESIGN
    §1: talk types are never mixed in one count)."""
    return {
        "held": board_talks(talks)["held"],
        "problems": board_problems(problems)["total"],
    }


def year_talks(committee, years: list[int]) -> dict[int, dict]:
    """Per year, the counted talks of the committee's subtree by the organising committee's
    level and stage, and those with a date held (`dated`, the trend's figure) — one grouped
    query for every year asked, without the subject join (the dashboard shows no tier)."""
    rows = (
        stats.counted(
            Talk.objects.unscoped(AGGREGATE).filter(
                year__in=years, committee__path__startswith=committee.path
            )
        )
        .order_by()
        .values("year", "committee__level", "status")
        # count(status) (never null), not count(id): read from the talk_year_figures
        # index, never the wide talk rows.
        .annotate(n=Count("status"), dated=Count("status", filter=Q(held_on__isnull=False)))
    )
    out: dict[int, dict] = {}
    for row in rows:
        year = out.setdefault(
            row["year"],
            {"dated": 0, "stages": Counter(), "by_level": {lvl: Counter() for lvl in stats.LEVELS}},
        )
        year["dated"] += row["dated"]
        level = row["committee__level"]
        for stage in stats.stage_of(row["status"]):
            year["stages"][stage] += row["n"]
            if level in year["by_level"]:
                year["by_level"][level][stage] += row["n"]
    return out


def year_problems(committee, years: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """Per year and talk type, the sealed problems of the subtree by focus area: one grouped
    scan of the problems' own columns (their index) for every year asked."""
    rows = (
        RecordProblem.objects.unscoped(AGGREGATE)
        .filter(
            sealed=True,
            year__in=years,
            committee__path__startswith=committee.path,
        )
        .order_by()
        .values_list("year", "talk_type", "focus_area")
        .annotate(n=Count("*"))  # count(*): the recordproblem_figures index alone
    )
    out: dict[int, dict[str, dict[str, int]]] = {}
    for year, talk_type, area, n in rows:
        by_area = out.setdefault(year, {}).setdefault(talk_type, {})
        by_area[area] = by_area.get(area, 0) + n
    return out


def board_talks(year_row: dict) -> dict:
    """The dashboard's talk figures from a `year_talks` row: the same totals and levels as
    `talk_figures` (the stages of `campaigns.stats`)."""
    stages = year_row.get("stages", Counter())
    by_level = year_row.get("by_level", {lvl: Counter() for lvl in stats.LEVELS})
    return {
        "total": stages["planned"],
        "held": stages["held"],
        "held_by_level": {lvl: by_level[lvl]["held"] for lvl in stats.LEVELS},
        "planned_by_level": {lvl: by_level[lvl]["planned"] for lvl in stats.LEVELS},
    }


def board_problems(year_row: dict) -> dict:
    """The dashboard's problems from a `year_problems` row: political supervision only, as
    `problem_figures`."""
    by_area = {a: 0 for a in FocusArea.values}
    by_area.update(year_row.get(TalkType.POLITICAL_SUPERVISION, {}))
    return {"total": sum(by_area.values()), "by_area": by_area}


def special(committee, year: int, *, viewer=None, today: dt.date | None = None) -> dict:
    """Everything the 专报 is written from."""
    return {
        "talks": talk_figures(committee, year),
        "problems": problem_figures(committee, year),
        "cases": typical_cases(committee, year, viewer),
        "rectification": rectification_figures(committee, year, today),
    }


# --- year-end: the 中管干部's rectification ----------------------------------------------------


def year_end(committee, year: int, *, viewer=None, today: dt.date | None = None) -> dict:
    """Per 中管 cadre who was a subject of the year's talks: problems, measures, closed, in
    progress and overdue (rows about people: through visible_to(viewer) on the web)."""
    today = today or timezone.localdate()
    measures = committee_measures(committee, year, viewer).filter(subject__tier=Tier.CENTRAL)
    rows: dict[str, dict] = {}
    for m in measures.order_by("subject__code", "problem_id", "order").values(
        "subject__code", "subject__name", "subject_org__name", "problem_id", "problem__text",
        "text", "status", "kind", "deadline",
    ):  # fmt: skip
        row = rows.setdefault(
            m["subject__code"],
            {
                "code": m["subject__code"],
                "name": m["subject__name"],
                "org": m["subject_org__name"],
                "problems": set(),
                "measures": 0,
                "closed": 0,
                "in_progress": 0,
                "overdue": 0,
                "items": [],
            },
        )
        row["problems"].add(m["problem_id"])
        row["measures"] += 1
        late = (
            m["status"] in OPEN_STATUSES
            and m["kind"] == MeasureKind.IMMEDIATE
            and m["deadline"] < today
        )
        if m["status"] == MeasureStatus.CLOSED:
            row["closed"] += 1
            state = "closed"
        elif late:
            row["overdue"] += 1
            state = "overdue"
        else:
            row["in_progress"] += 1
            state = "in_progress"
        row["items"].append(
            {
                "problem": m["problem__text"],
                "measure": m["text"],
                "deadline": m["deadline"].isoformat(),
                "state": state,
            }
        )
    cadres = []
    for row in rows.values():
        row["problems"] = len(row["problems"])
        cadres.append(row)
    totals = defaultdict(int)
    for row in cadres:
        for key in ("problems", "measures", "closed", "in_progress", "overdue"):
            totals[key] += row[key]
    return {"cadres": cadres, "totals": dict(totals), "as_of": today.isoformat()}


# --- look-back ------------------------------------------------------------------------------


def look_back(committee, year: int) -> dict:
    """The year's look-backs: sample, method, results and measures reopened."""
    looks = LookBack.objects.unscoped(AGGREGATE).filter(
        campaign__year=year, campaign__committee__path__startswith=committee.path
    )
    out = []
    for lb in looks.order_by("started_at").values("pk", "title", "sample_size", "seed"):
        items = (
            LookBackItem.objects.unscoped(AGGREGATE)
            .filter(look_back_id=lb["pk"])
            .order_by()
            .values("why", "result")
            .annotate(n=Count("pk"))
        )
        why: Counter = Counter()
        result: Counter = Counter()
        for row in items:
            why[row["why"]] += row["n"]
            result[row["result"]] += row["n"]
        out.append(
            {
                "title": lb["title"],
                "sample_size": lb["sample_size"],
                "seed": lb["seed"],
                "sampled": why["sample"],
                "whole_subjects": why["subject"],
                "passed": result[CheckResult.PASSED],
                "failed": result[CheckResult.FAILED],
                "pending": result[CheckResult.PENDING],
            }
        )
    reopened = committee_measures(committee, year).filter(reopened__gt=0).count()
    totals = {k: sum(x[k] for x in out) for k in ("sampled", "passed", "failed", "pending")}
    return {"look_backs": out, "totals": totals, "reopened": reopened}


LEVEL_WORDS = {
    Level.PROVINCE: "省委",
    Level.CITY: "省辖市党委",
    Level.COUNTY: "县（市、区）党委",
    Level.TOWNSHIP: "乡镇党委",
}
