"""Carry-over (DESIGN §4): unfinished measures of last year's campaign follow the subject into
the next year — offered for the next plan (`carry_over`, which the lists' filing calls) and
shown in the next portrait with the look-backs that failed (`last_year_record`, read by
`tanhua.portrait.build` in bulk)."""

from __future__ import annotations

from dataclasses import dataclass

from tanhua.rectification.models import OPEN_STATUSES, CheckResult, LookBackItem, Measure


@dataclass(frozen=True)
class CarryOffer:
    """One unfinished measure of the subject's previous year, as the next plan may take it:
    file a Problem with `carried_from=problem_id` and a Measure with `carried_from=measure`."""

    measure: Measure
    problem_id: int
    problem_text: str
    focus_area: str
    reopened: int


def carry_over(*, actor, talk) -> list[CarryOffer]:
    """The unfinished measures (未开始, 整改中, 待销号 — a reopened one is 整改中) of the talk's
    subject from the campaigns of earlier years, as `actor` may see them, oldest first;
    measures already carried into a later plan are left out."""
    measures = (
        Measure.objects.visible_to(actor)
        .filter(subject_id=talk.subject_id, status__in=OPEN_STATUSES)
        .filter(campaign__year__lt=talk.campaign.year)
        .exclude(carried_to__isnull=False)
        .select_related("problem")
        .order_by("campaign__year", "problem__order", "order", "pk")
    )
    return [
        CarryOffer(
            measure=m, problem_id=m.problem_id, problem_text=m.problem.text,
            focus_area=m.focus_area, reopened=m.reopened,
        )
        for m in measures
    ]  # fmt: skip


def last_year_record(talk_ids: list[int]) -> dict[int, dict]:
    """By talk: its unfinished or reopened measures and its failed look-back checks, for the
    portraits of the next year (unscoped like the rest of the preparation: a portrait is shown
    only where its talk is). Two queries for any number of talks."""
    out: dict[int, dict] = {t: {"measures": [], "look_back_failed": 0} for t in talk_ids}
    if not talk_ids:
        return out
    failed: dict[int, list[str]] = {}
    for measure_id, note in (
        LookBackItem.objects.unscoped("tanhua prepare: last year's look-backs")
        .filter(measure__talk_id__in=talk_ids, result=CheckResult.FAILED)
        .order_by("verified_at", "pk")
        .values_list("measure_id", "note")
    ):
        failed.setdefault(measure_id, []).append(note)
    rows = (
        Measure.objects.unscoped("tanhua prepare: last year's measures")
        .filter(talk_id__in=talk_ids)
        .order_by("talk_id", "problem__order", "order", "pk")
        .values_list("pk", "talk_id", "text", "status", "deadline", "reopened", "focus_area")
    )
    for pk, talk_id, text, status, deadline, reopened, fa in rows:
        notes = failed.get(pk, [])
        if status not in OPEN_STATUSES and not reopened and not notes:
            continue
        out[talk_id]["measures"].append(
            {"id": pk, "text": text, "status": status, "deadline": deadline.isoformat(),
             "reopened": reopened, "focus_area": fa, "look_back_failed": notes}
        )  # fmt: skip
        out[talk_id]["look_back_failed"] += len(notes)
    return out
