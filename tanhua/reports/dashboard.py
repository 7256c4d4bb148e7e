"""The leadership dashboard's data: one committee's year in grouped queries (campaign
progress by level, problems by focus area, the four colours, rectification by unit, the
trend over five years). Aggregates only: it names no one."""

from __future__ import annotations

from django.utils import timezone

from tanhua.org.models import Level
from tanhua.reports import figures, writing
from tanhua.talks.models import FocusArea

COLOUR_LABELS = {"green": "已完成", "yellow": "按期推进", "red": "逾期", "blue": "长期坚持"}


def board(committee, year: int, today=None) -> dict:
    today = today or timezone.localdate()
    talks = figures.talk_figures(committee, year)
    problems = figures.problem_figures(committee, year)
    rect = figures.rectification_figures(committee, year, today)
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
    trend = figures.trend(committee, list(range(year - 4, year + 1)))
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
        "talks": talks,
        "levels": levels,
        "problems": problems,
        "areas": areas,
        "rect": rect,
        "colours": colours,
        "units": figures.by_unit(committee, year, today),
        "trend": trend,
        "chart": chart,
        "completion": round(100 * rect["closed"] / rect["total"]) if rect["total"] else 0,
    }
