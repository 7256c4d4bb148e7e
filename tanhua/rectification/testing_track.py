"""Factories of the tracking half's tests and benchmark: a world with measures due, overdue
and closed on C1's talk with GK11 (and one in C2), on top of `make_plan`."""

from __future__ import annotations

import datetime as dt

from tanhua.rectification.models import Measure, MeasureKind, MeasureStatus
from tanhua.rectification.testing import MeasureSpec, ProblemSpec, make_plan

TODAY = dt.date(2026, 10, 1)


def measures_world(world, today: dt.date = TODAY) -> dict[str, Measure]:
    """On C1's k11 talk: "soon" (deadline in 15 days), "warn" (in 5), "late" (3 days past),
    "done" (closed), "long" (long-term), "waiting" (past, awaiting acceptance); on C2's talk:
    "c2late". Returns them by name."""
    d = lambda n: today + dt.timedelta(days=n)  # noqa: E731
    specs = {
        "soon": MeasureSpec(text="建立调研台账", deadline=d(15)),
        "warn": MeasureSpec(text="精简会议文件", deadline=d(5)),
        "late": MeasureSpec(text="整治文山会海", deadline=d(-3), status=MeasureStatus.IN_PROGRESS),
        "done": MeasureSpec(text="建立交流机制", deadline=d(-30), status=MeasureStatus.CLOSED),
        "long": MeasureSpec(text="坚持调研制度", deadline=d(200), kind=MeasureKind.LONG_TERM),
        "waiting": MeasureSpec(text="清理评比表彰", deadline=d(-2), status=MeasureStatus.SUBMITTED),
    }
    make_plan(world.talks["k11"], [ProblemSpec(measures=list(specs.values()))])
    make_plan(
        world.talks["c2"],
        [ProblemSpec(focus_area="A2", measures=[MeasureSpec(text="西城整改", deadline=d(-3))])],
    )
    by_text = {m.text: m for m in Measure.objects.unscoped("test world")}
    out = {name: by_text[spec.text] for name, spec in specs.items()}
    out["c2late"] = by_text["西城整改"]
    return out
