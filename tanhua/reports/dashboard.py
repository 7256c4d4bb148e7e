"""The leadership dashboard's data: one committee's year in grouped queries (campaign
progress by level, problems by focus area, the four colours, rectification by unit, the
trend over five years). Aggregates only: it names no one."""

from __future__ import annotations

from django.utils import timezone

from tanhua.org.models import Level
from tanhua.reports import figures, writing
from tanhua.talks.models import FocusArea

COLOUR_LABELS = {"green": "已完成", "yellow": "按期推进", "red": "逾期", "blue": "长期坚持"}


# Seconds a process reuses a committee's board: a year's aggregates move slowly, and at
# national scale each count scans the whole year (well under a second, docs/benchmarks.md,
# issue 12), which many leaders' views need not repeat. The page says when its figures
# were counted. Settings may override it (0: count every request).
CACHE_SECONDS = 120


def board(committee, year: int, today=None) -> dict:
    """The board of a committee's year, counted at most once per CACHE_SECONDS. The key is
    the committee (the caller checked that the viewer may see it): aggregates only."""
    from django.conf import settings
    from django.core.cache import cache

    seconds = getattr(settings, "REPORTS_DASHBOARD_CACHE_SECONDS", CACHE_SECONDS)
    today = today or timezone.localdate()
    key = f"tanhua:reports:board:{committee.pk}:{year}:{today.isoformat()}"
    if seconds:
        cached = cache.get(key)
        if cached is not None:
            return cached
    data = count_board(committee, year, today)
    if seconds:
        cache.set(key, data, seconds)
    return data


def count_board(committee, year: int, today) -> dict:
    # The five years of the trend and the year itself in one grouped query of talks and one
    # of problems, then one of measures by unit and one of counted outcomes: each reads the
    # rows' own copies of their campaign's year and committee (tanhua.campaigns.copies)
    # through an index, joined only to the committees for the subtree.
    years = list(range(year - 4, year + 1))
    talk_years = figures.year_talks(committee, years)
    problem_years = figures.year_problems(committee, years)
    talks = figures.board_talks(talk_years.get(year, {}))
    problems = figures.board_problems(problem_years.get(year, {}))
    rows = figures.unit_rows(committee, year, today)
    rect = figures.rectification_figures(committee, year, today, rows=rows)
    levels = [
        {"level": lvl, "label": str(Level(lvl).label),
         "planned": talks["planned_by_level"][lvl], "held": talks["held_by_level"][lvl]}
        for lvl in Level.values
    ]  # fmt: skip
    areas = [
        {"area": a, "label": str(FocusArea(a).label), "n": problems["by_area"][a]}
        for a in FocusArea.values
    ]
    colours = [
        {"colour": c, "label": COLOUR_LABELS[c], "n": rect["colours"][c]} for c in COLOUR_LABELS
    ]
    trend = [
        {"year": y, "held": talks["held"], "problems": problems["total"]}
        if y == year
        else {"year": y, **figures.past_year(talk_years.get(y, {}), problem_years.get(y, {}))}
        for y in years
    ]
    chart = {
        "levels": [x["label"] for x in levels],
        "planned": [x["planned"] for x in levels],
        "held": [x["held"] for x in levels],
        "areas": list(writing.SHORT_AREAS.values()),
        "problems": [x["n"] for x in areas],
        "colours": [{"name": x["label"], "value": x["n"]} for x in colours],
        "years": [str(t["year"]) for t in trend],
        "trend_held": [t["held"] for t in trend],
        "trend_problems": [t["problems"] for t in trend],
    }
    return {
        "counted_at": timezone.localtime(),
        "talks": talks,
        "levels": levels,
        "problems": problems,
        "areas": areas,
        "rect": rect,
        "colours": colours,
        "units": figures.by_unit(committee, year, today, rows=rows),
        "trend": trend,
        "chart": chart,
        "completion": round(100 * rect["closed"] / rect["total"]) if rect["total"] else 0,
    }
