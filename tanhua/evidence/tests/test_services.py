"""Correcting a finding's focus area: kept, audited, within the actor's scope only."""

from __future__ import annotations

import pytest

from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.evidence.models import FocusAreaSource
from tanhua.evidence.services import EvidenceError, correct_focus_area
from tanhua.evidence.testing import make_finding


@pytest.fixture
def proposed(world):
    return make_finding(
        world.orgs["K11"], code="FP1", focus_area="A1", proposed_focus_area="A1",
        confidence=0.55, focus_area_source=FocusAreaSource.PROPOSED,
    )  # fmt: skip


def test_a_correction_keeps_the_proposal_and_names_who_corrected(owner, proposed):
    f = correct_focus_area(actor=owner, finding=proposed, focus_area="A2")
    assert (f.focus_area, f.proposed_focus_area, f.confidence) == ("A2", "A1", 0.55)
    assert f.focus_area_source == FocusAreaSource.CORRECTED
    assert f.focus_area_set_by == owner and f.focus_area_set_at is not None
    entry = AuditEntry.objects.get(action="finding.correct_focus_area")
    assert entry.object_id == "FP1"
    assert entry.before["focus_area"] == "A1" and entry.after["focus_area"] == "A2"
    assert entry.detail == {"proposed": "A1", "confidence": 0.55}


def test_correcting_twice_to_the_same_area_records_once(owner, proposed):
    correct_focus_area(actor=owner, finding=proposed, focus_area="A2")
    correct_focus_area(actor=owner, finding=proposed, focus_area="A2")
    assert AuditEntry.objects.filter(action="finding.correct_focus_area").count() == 1


@pytest.mark.parametrize("persona", ["commission_c2", "viewer_c1", "talker_c1", "auditor"])
def test_someone_who_cannot_see_the_finding_gets_not_found(world, proposed, persona):
    with pytest.raises(OutOfScope):
        correct_focus_area(actor=world.users[persona], finding=proposed, focus_area="A2")
    proposed.refresh_from_db()
    assert proposed.focus_area == "A1"


def test_an_unknown_focus_area_is_refused_in_chinese(owner, proposed):
    with pytest.raises(EvidenceError, match="重点方面“A9”无效"):
        correct_focus_area(actor=owner, finding=proposed, focus_area="A9")
