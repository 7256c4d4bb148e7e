"""The write paths of evidence that people take one at a time (imports write in bulk through
tanhua/evidence/imports.py, audited the same way): correcting a finding's focus area, and
retraining the classifier."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.evidence.models import Finding, FocusAreaSource
from tanhua.talks.models import FocusArea


class EvidenceError(ValueError):
    """A request the service refuses, with a message for the user."""


@transaction.atomic
def correct_focus_area(*, actor, finding: Finding, focus_area: str) -> Finding:
    """A staff member sets a finding's focus area. The correction is kept (the model's
    proposal stays beside it), audited, and trains the next model (`tanhua classify
    --retrain`). The finding is re-read through the actor's scope: out of scope is 404."""
    if focus_area not in FocusArea.values:
        raise EvidenceError(f"重点方面“{focus_area}”无效，可选：{'、'.join(FocusArea.values)}")
    scoping.require(actor is not None and scoping.has_any(actor, R.PLAN_TALKS))
    current = Finding.objects.visible_to(actor).select_for_update().filter(pk=finding.pk).first()
    scoping.require(current is not None)
    before = audit.snapshot(current, ["focus_area", "focus_area_source", "focus_area_set_by"])
    if current.focus_area == focus_area and current.focus_area_source == FocusAreaSource.CORRECTED:
        return current
    current.focus_area = focus_area
    current.focus_area_source = FocusAreaSource.CORRECTED
    current.focus_area_set_by = actor
    current.focus_area_set_at = timezone.now()
    fields = ["focus_area", "focus_area_source", "focus_area_set_by", "focus_area_set_at"]
    current.save(update_fields=[*fields, "updated_at", *current.bump_version()])
    audit.record(
        "finding.correct_focus_area",
        object_type="finding",
        object_id=current.code,
        object_repr=current.code,
        before=before,
        after=audit.snapshot(current, ["focus_area", "focus_area_source", "focus_area_set_by"]),
        detail={
            "proposed": current.proposed_focus_area,
            "confidence": current.confidence,
        },
        actor=actor,
    )
    return current


def retrain_classifier(*, actor=None):
    """Retrain the focus-area model from the shipped set and the corrections; audited (who
    retrained, on how many corrections, with what held-out accuracy)."""
    from tanhua.evidence import classifier

    result = classifier.retrain()
    audit.record(
        "classifier.retrain",
        object_type="classifier",
        object_id="focus_areas",
        object_repr="重点方面模型",
        after={"accuracy": round(result.accuracy, 4), "corrections": result.corrections},
        actor=actor,
    )
    return result
