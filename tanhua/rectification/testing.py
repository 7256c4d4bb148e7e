"""Factories for rectification tests and benchmarks: an approved 三清单 on a talk, written
straight to the tables (the services' own tests go through the services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from tanhua.rectification.models import (
    Measure,
    MeasureKind,
    MeasureStatus,
    PlanStatus,
    Problem,
    RectificationPlan,
)
from tanhua.talks.models import Talk, TalkStatus


@dataclass
class MeasureSpec:
    text: str = "建立健全常态化调研机制"
    deadline: dt.date = dt.date(2026, 10, 31)
    kind: str = MeasureKind.IMMEDIATE
    status: str = MeasureStatus.OPEN
    owner_cadre: object | None = None  # the subject when neither owner is given
    owner_org: object | None = None
    target_value: object | None = None
    target_unit: str = ""


@dataclass
class ProblemSpec:
    text: str = "调研不深入，存在文山会海现象"
    focus_area: str = "A3"
    measures: list[MeasureSpec] = field(default_factory=lambda: [MeasureSpec()])


def make_plan(
    talk: Talk,
    problems: Iterable[ProblemSpec] | None = None,
    *,
    status: str = PlanStatus.APPROVED,
) -> RectificationPlan:
    """An approved plan on `talk` (marked rectifying), its problems and measures."""
    if talk.status not in (TalkStatus.RECTIFYING, TalkStatus.CLOSED):
        Talk.objects.unscoped("test factory").filter(pk=talk.pk).update(
            status=TalkStatus.RECTIFYING if status == PlanStatus.APPROVED else TalkStatus.SEALED
        )
        talk.refresh_from_db()
    plan = RectificationPlan.objects.create(
        talk=talk, status=status, classification=talk.classification
    )
    for i, spec in enumerate(problems if problems is not None else [ProblemSpec()], 1):
        problem = Problem.objects.create(
            plan=plan, order=i, focus_area=spec.focus_area, text=spec.text
        )
        for j, m in enumerate(spec.measures, 1):
            owner_cadre = m.owner_cadre
            if owner_cadre is None and m.owner_org is None:
                owner_cadre = talk.subject
            Measure.objects.create(
                problem=problem,
                order=j,
                text=m.text,
                kind=m.kind,
                status=m.status,
                owner_cadre=owner_cadre,
                owner_org=m.owner_org,
                deadline=m.deadline,
                original_deadline=m.deadline,
                target_value=m.target_value,
                target_unit=m.target_unit,
                campaign_id=talk.campaign_id,
                year=talk.year,
                committee_id=talk.committee_id,
                talk=talk,
                subject_id=talk.subject_id,
                subject_org_id=talk.subject_org_id,
                focus_area=spec.focus_area,
                classification=talk.classification,
            )
    return plan
