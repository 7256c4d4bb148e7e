"""The plan page's single edits — add, change or remove one problem or one measure — each
the whole lists' one versioned write (`plan.save_plan`), made from the version the page
showed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tanhua.rectification.services.plan import (
    MeasureDraft,
    ProblemDraft,
    RectificationPlan,
    drafts_of,
    ensure_plan,
    save_plan,
)


def _edit(actor, talk, expected_version, change) -> RectificationPlan:
    plan = ensure_plan(actor=actor, talk=talk)
    drafts = change(drafts_of(plan))
    return save_plan(actor=actor, talk=talk, problems=drafts, expected_version=expected_version)


def add_problem(*, actor, talk, focus_area, text, expected_version) -> RectificationPlan:
    return _edit(actor, talk, expected_version, lambda ds: [*ds, ProblemDraft(focus_area, text)])


def edit_problem(*, actor, talk, problem_id, focus_area, text, expected_version):
    def change(ds):
        return [
            ProblemDraft(focus_area, text, d.measures, d.id) if d.id == problem_id else d
            for d in ds
        ]

    return _edit(actor, talk, expected_version, change)


def remove_problem(*, actor, talk, problem_id, expected_version):
    return _edit(actor, talk, expected_version, lambda ds: [d for d in ds if d.id != problem_id])


def put_measure(*, actor, talk, problem_id, measure: MeasureDraft, expected_version):
    """Add (measure.id None) or change one measure of one problem."""

    def change(ds):
        out = []
        for d in ds:
            if d.id == problem_id:
                ms = list(d.measures)
                if measure.id is None:
                    ms.append(measure)
                else:
                    ms = [measure if m.id == measure.id else m for m in ms]
                d = ProblemDraft(d.focus_area, d.text, tuple(ms), d.id)
            out.append(d)
        return out

    if not any(d.id == problem_id for d in drafts_of(ensure_plan(actor=actor, talk=talk))):
        raise ValidationError(_("此问题已不在清单中，请刷新后重试"), code="unknown")
    return _edit(actor, talk, expected_version, change)


def remove_measure(*, actor, talk, measure_id, expected_version):
    def change(ds):
        return [
            ProblemDraft(
                d.focus_area, d.text, tuple(m for m in d.measures if m.id != measure_id), d.id
            )
            for d in ds
        ]

    return _edit(actor, talk, expected_version, change)
