"""Attacks on the lists through the pages: a sibling city, a talk above the reader's
clearance, a subject they declared 回避 on — all answer like absent (404), on reads and on
POSTs; the owner accepting the close of their own measure and the requester accepting their
own request are refused with the reason, and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanhua.accounts.models import ConflictDeclaration
from tanhua.rectification.models import Measure, MeasureStatus
from tanhua.rectification.services import closing
from tanhua.rectification.testing_lists import file_plan
from tanhua.rectification.tests import lists_fixtures
from tanhua.talks.models import Talk

year, sealed, users = lists_fixtures.year, lists_fixtures.sealed, lists_fixtures.users


@pytest.fixture
def pending(sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"])
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    closing.request_close(actor=users["subject_k11"], measure=m, evidence="已完成")
    return Measure.objects.unscoped("test").get(pk=m.pk)


def _post(client, user, m, action, **data):
    client.force_login(user)
    url = reverse("rectification:measure", kwargs={"pk": m.pk})
    return client.post(url, {"action": action, "version": m.version, **data}, follow=True)


def _status(m):
    return Measure.objects.unscoped("test").get(pk=m.pk).status


def test_a_sibling_city_gets_not_found_on_every_read_and_write(client, pending, users):
    outsider = users["commission_c2"]
    client.force_login(outsider)
    assert (
        client.get(reverse("rectification:plan", kwargs={"pk": pending.talk_id})).status_code == 404
    )
    assert _post(client, outsider, pending, "close_accept").status_code == 404
    assert _status(pending) == MeasureStatus.SUBMITTED


def test_a_talk_above_the_readers_clearance_answers_like_absent(client, pending, users):
    Talk.objects.unscoped("test").filter(pk=pending.talk_id).update(classification=3)
    Measure.objects.unscoped("test").filter(pk=pending.pk).update(classification=3)
    staff = users["commission_c1"]  # 秘密 clearance: a 机密 talk is beyond it
    client.force_login(staff)
    assert (
        client.get(reverse("rectification:plan", kwargs={"pk": pending.talk_id})).status_code == 404
    )
    assert _post(client, staff, pending, "close_accept").status_code == 404
    assert _status(pending) == MeasureStatus.SUBMITTED


def test_a_declared_conflict_hides_the_subjects_lists(client, pending, users, world):
    staff = users["commission_c1"]
    ConflictDeclaration.objects.create(
        user=staff, cadre=world.cadres["GK11"], reason="kin", detail="亲属"
    )
    client.force_login(staff)
    assert (
        client.get(reverse("rectification:plan", kwargs={"pk": pending.talk_id})).status_code == 404
    )
    assert _post(client, staff, pending, "close_accept").status_code == 404
    assert _status(pending) == MeasureStatus.SUBMITTED


def test_the_owner_trying_to_accept_their_own_close_is_not_found(client, pending, users):
    # The owner is the subject: never on the talker's side of their own talk.
    assert _post(client, users["subject_k11"], pending, "close_accept").status_code == 404
    assert _status(pending) == MeasureStatus.SUBMITTED


def test_the_owner_on_the_talkers_side_is_refused_with_the_reason(client, sealed, users):
    file_plan(sealed, users["commission_c1"], users["organization_c1"], owner_code="GC1")
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    closing.request_close(actor=users["talker_c1"], measure=m, evidence="已完成")
    m = Measure.objects.unscoped("test").get(pk=m.pk)
    html = _post(client, users["talker_c1"], m, "close_accept").content.decode()
    assert "不能为自己的举措销号" in html
    assert _status(m) == MeasureStatus.SUBMITTED


def test_the_requester_trying_to_accept_their_own_request_is_refused(client, sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"], owner_code="K11")
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    closing.request_close(actor=users["commission_c1"], measure=m, evidence="已完成")
    m = Measure.objects.unscoped("test").get(pk=m.pk)
    html = _post(client, users["commission_c1"], m, "close_accept").content.decode()
    assert "须由另一人审批" in html
    assert _status(m) == MeasureStatus.SUBMITTED
