"""Attacks on the talk's new paths (issue 9): each test is one attempt to read or write past
scope, clearance or 回避, named as the sentence of the attack, and what must hold."""

from __future__ import annotations

import pytest
from django.test import Client

from tanhua.accounts.models import RoleGrant
from tanhua.accounts.roles import Role
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import make_user
from tanhua.talks.models import Outline, TalkRecord
from tanhua.talks.services import outline as outlines
from tanhua.talks.services import record as records
from tanhua.talks.tests.helpers import approve_outline, talk_world

pytestmark = pytest.mark.django_db
OUTLINE_TEXT = "调研不深入，存在文山会海现象"


@pytest.fixture
def tworld(db):
    return talk_world()


def _staff_subject(world, *, subject_role: bool = False):
    """A C1 commission staff member whose own cadre record is the subject of the k11 talk
    (the city's 纪委书记 sits on the standing committee the secretary talks with)."""
    roles = [Role.COMMISSION, *([Role.SUBJECT] if subject_role else [])]
    return make_user("jiwei_k11", org=world.orgs["C1"], roles=roles, cadre=world.cadres["GK11"])


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_staff_member_who_is_the_subject_cannot_rewrite_their_own_outline(tworld):
    user = _staff_subject(tworld)
    talk = tworld.talks["k11"]
    outline = Outline.objects.unscoped("test").get(talk=talk)
    with pytest.raises(OutOfScope):
        outlines.save_problems(
            actor=user,
            talk=talk,
            problems=[outlines.ProblemDraft(focus_area="A1", statement="无问题")],
            expected_version=outline.version,
        )


def test_a_staff_member_who_is_the_subject_cannot_read_their_own_record_before_the_talk(
    tworld,
):
    user = _staff_subject(tworld)
    talk = tworld.talks["k11"]
    approve_outline(tworld, talk)
    records.start(actor=tworld.users["recorder_c1"], talk=talk)
    assert not TalkRecord.objects.visible_to(user).exists()


def test_a_staff_member_who_is_the_subject_sees_their_own_talk_page_as_its_subject(tworld):
    user = _staff_subject(tworld)
    talk = tworld.talks["k11"]
    for path in (f"/talks/{talk.pk}/outline/", f"/talks/{talk.pk}/record/"):
        assert _client(user).get(path).status_code == 404, path
    page = _client(user).get(f"/talks/{talk.pk}/").content.decode()
    assert OUTLINE_TEXT not in page
    assert "recorder_c1" not in page


def test_a_staff_member_who_is_the_subject_gets_no_recorder_or_outline_state_over_the_api(
    tworld,
):
    from tanhua.talks.tests.test_api import Api

    user = _staff_subject(tworld)
    talk = tworld.talks["k11"]
    api = Api(user)
    body = api.get(f"/talks/{talk.pk}").json()
    assert body.get("recorder") is None and body.get("outline_status") is None
    assert api.get(f"/talks/{talk.pk}/outline").status_code == 404
    assert api.send("PUT", f"/talks/{talk.pk}/outline", {"problems": []}).status_code == 404


def test_a_staff_member_who_is_the_subject_cannot_schedule_their_own_talk(tworld):
    import datetime as dt

    from django.utils import timezone

    from tanhua.talks.services import schedule

    user = _staff_subject(tworld)
    talk = tworld.talks["k11"]
    with pytest.raises(OutOfScope):
        schedule.schedule_talk(
            actor=user,
            talk=talk,
            start=timezone.make_aware(dt.datetime(2026, 6, 11, 9, 0)),
            place="别处",
            recorder=tworld.users["recorder_c1"],
            expected_version=None,
        )


def test_the_subject_role_added_to_a_staff_member_changes_nothing_of_that(tworld):
    user = _staff_subject(tworld, subject_role=True)
    RoleGrant.objects.filter(user=user).exists()
    assert not Outline.objects.visible_to(user).exists()
    page = _client(user).get(f"/talks/{tworld.talks['k11'].pk}/").content.decode()
    assert OUTLINE_TEXT not in page
