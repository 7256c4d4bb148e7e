"""Closing (销号): a request with evidence, accepted or returned by a second person who is
never the owner's user and never the requester; the talk closes once every measure that is
not long-term is closed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tanhua.core.scoping import OutOfScope
from tanhua.notices.models import Notice
from tanhua.rectification.models import Decision, Measure, MeasureKind, MeasureStatus
from tanhua.rectification.services import closing
from tanhua.rectification.testing_lists import file_plan
from tanhua.rectification.tests import lists_fixtures
from tanhua.talks.models import Talk, TalkStatus

year, sealed, users = lists_fixtures.year, lists_fixtures.sealed, lists_fixtures.users


@pytest.fixture
def measures(sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"])
    return list(Measure.objects.unscoped("test").filter(talk=sealed))


def _fresh(m):
    return Measure.objects.unscoped("test").get(pk=m.pk)


def _status(talk):
    return Talk.objects.unscoped("test").get(pk=talk.pk).status


def test_a_close_request_waits_for_a_second_person_who_accepts_it(measures, users):
    m = measures[0]
    closing.request_close(actor=users["subject_k11"], measure=m, evidence="机制已建立并运行")
    assert _fresh(m).status == MeasureStatus.SUBMITTED
    assert Notice.objects.filter(kind="close_requested", recipient=users["talker_c1"]).exists()
    request = closing.decide_close(actor=users["commission_c1"], measure=m, accept=True)
    assert request.decision == Decision.ACCEPTED
    m = _fresh(m)
    assert m.status == MeasureStatus.CLOSED and m.closed_at is not None
    assert Notice.objects.filter(kind="close_decided", recipient=users["subject_k11"]).exists()


def test_a_returned_close_request_goes_back_in_progress_with_the_reason(measures, users):
    m = measures[0]
    closing.request_close(actor=users["subject_k11"], measure=m, evidence="已完成")
    with pytest.raises(ValidationError, match="退回理由"):
        closing.decide_close(actor=users["talker_c1"], measure=m, accept=False)
    request = closing.decide_close(
        actor=users["talker_c1"], measure=m, accept=False, reason="佐证材料不足"
    )
    assert request.reason == "佐证材料不足"
    assert _fresh(m).status == MeasureStatus.IN_PROGRESS


def test_the_owner_cannot_accept_the_close_of_their_own_measure(sealed, users):
    # The talker owns a measure of this plan: on the talker's side, but its owner.
    file_plan(sealed, users["commission_c1"], users["organization_c1"], owner_code="GC1")
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    closing.request_close(actor=users["talker_c1"], measure=m, evidence="已完成")
    with pytest.raises(ValidationError, match="责任人"):
        closing.decide_close(actor=users["talker_c1"], measure=m, accept=True)
    assert _fresh(m).status == MeasureStatus.SUBMITTED


def test_the_requester_cannot_accept_their_own_close_request(sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"], owner_code="K11")
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    closing.request_close(actor=users["commission_c1"], measure=m, evidence="已完成")
    with pytest.raises(ValidationError, match="申请人"):
        closing.decide_close(actor=users["commission_c1"], measure=m, accept=True)
    closing.decide_close(actor=users["organization_c1"], measure=m, accept=True)
    assert _fresh(m).status == MeasureStatus.CLOSED


def test_the_subject_and_outsiders_never_decide_a_close(measures, users):
    m = measures[0]
    closing.request_close(actor=users["subject_k11"], measure=m, evidence="已完成")
    for name in ("subject_k11", "recorder_c1", "commission_c2", "viewer_c1"):
        with pytest.raises(OutOfScope):
            closing.decide_close(actor=users[name], measure=m, accept=True)


def test_above_clearance_and_declared_staff_reach_no_measure(sealed, users, world):
    from tanhua.accounts.models import ConflictDeclaration

    file_plan(sealed, users["subject_k11"], users["talker_c1"])
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    closing.request_close(actor=users["subject_k11"], measure=m, evidence="已完成")
    ConflictDeclaration.objects.create(
        user=users["commission_c1"], cadre=world.cadres["GK11"], reason="kin", detail="亲属"
    )
    with pytest.raises(OutOfScope):
        closing.decide_close(actor=users["commission_c1"], measure=m, accept=True)
    Measure.objects.unscoped("test").filter(pk=m.pk).update(classification=3)
    Talk.objects.unscoped("test").filter(pk=sealed.pk).update(classification=3)
    with pytest.raises(OutOfScope):
        closing.decide_close(actor=users["organization_c1"], measure=m, accept=True)


def test_a_second_close_request_waits_for_the_first(measures, users):
    closing.request_close(actor=users["subject_k11"], measure=measures[0], evidence="一")
    with pytest.raises(ValidationError, match="待审批"):
        closing.request_close(actor=users["subject_k11"], measure=measures[0], evidence="二")


def test_the_talk_closes_when_every_measure_that_is_not_long_term_is_closed(measures, users):
    sealed = measures[0].talk
    Measure.objects.unscoped("test").filter(pk=measures[1].pk).update(kind=MeasureKind.LONG_TERM)
    assert _status(sealed) == TalkStatus.RECTIFYING
    closing.request_close(actor=users["subject_k11"], measure=measures[0], evidence="完成")
    closing.decide_close(actor=users["talker_c1"], measure=measures[0], accept=True)
    assert _status(sealed) == TalkStatus.CLOSED


def test_the_talk_stays_rectifying_while_an_immediate_measure_is_open(measures, users):
    closing.request_close(actor=users["subject_k11"], measure=measures[0], evidence="完成")
    closing.decide_close(actor=users["talker_c1"], measure=measures[0], accept=True)
    assert _status(measures[0].talk) == TalkStatus.RECTIFYING
