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


# --- held: attempts that the existing mechanisms refuse ----------------------------------------


def test_a_calendar_feed_stops_when_its_owner_loses_the_role_and_a_guess_finds_nothing(tworld):
    from tanhua.notices import feeds

    recorder = tworld.users["recorder_c1"]
    _row, secret = feeds.issue_feed(actor=None, user=recorder)
    client = Client()
    assert client.get(f"/talks/calendar/feed/{secret}.ics").status_code == 200
    assert client.get(f"/talks/calendar/feed/{secret[:-1]}x.ics").status_code == 404
    assert client.get("/talks/calendar/feed/cal_guess.ics").status_code == 404
    RoleGrant.objects.filter(user=recorder).delete()
    recorder.refresh_from_db()
    assert client.get(f"/talks/calendar/feed/{secret}.ics").status_code == 404


def test_another_persons_notice_cannot_be_read_marked_or_followed_by_its_id(tworld):
    from tanhua.notices.models import Notice
    from tanhua.notices.services import notify

    [notice] = notify(
        recipients=[tworld.users["talker_c1"]],
        event_key="attack",
        kind="test",
        title="与甲县书记戊的谈话已安排",
        url="/talks/1/",
    )
    other = _client(tworld.users["commission_c2"])
    assert other.get(f"/notices/{notice.pk}/open/").status_code == 404
    assert other.post(f"/notices/{notice.pk}/read/").status_code == 404
    assert "甲县书记戊" not in other.get("/notices/").content.decode()
    assert Notice.objects.get(pk=notice.pk).read_at is None


def test_a_notice_link_to_another_site_is_not_followed(tworld):
    from tanhua.notices.services import notify

    user = tworld.users["talker_c1"]
    [notice] = notify(
        recipients=[user], event_key="evil", kind="test", title="x", url="//evil.example/"
    )
    response = _client(user).get(f"/notices/{notice.pk}/open/")
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_the_record_of_a_talk_out_of_scope_or_above_clearance_is_not_printed(tworld):
    for name, talk in (("commission_c2", "k11"), ("commission_c1", "secret")):
        pk = tworld.talks[talk].pk
        assert _client(tworld.users[name]).get(f"/talks/{pk}/print/").status_code == 404


def test_the_recorder_cannot_confirm_as_a_party_and_the_talker_cannot_confirm_for_the_subject(
    tworld,
):
    from tanhua.core.testing import TEST_PASSWORD
    from tanhua.talks.tests.helpers import held_record

    talk = tworld.talks["k11"]
    rec = held_record(tworld, talk)
    with pytest.raises(OutOfScope):
        records.confirm(
            actor=tworld.users["recorder_c1"], talk=talk, password=TEST_PASSWORD,
            expected_version=rec.version,
        )  # fmt: skip
    records.confirm(
        actor=tworld.users["talker_c1"], talk=talk, password=TEST_PASSWORD,
        expected_version=rec.version,
    )  # fmt: skip
    rec = TalkRecord.objects.unscoped("test").get(talk=talk)
    assert rec.subject_confirmed_at is None and rec.sealed_at is None


def test_wrong_confirmation_passwords_lock_the_account(tworld):
    from django.core.exceptions import ValidationError

    from tanhua.talks.tests.helpers import held_record

    talk = tworld.talks["k11"]
    rec = held_record(tworld, talk)
    messages = []
    for _i in range(12):
        try:
            records.confirm(
                actor=tworld.users["talker_c1"], talk=talk, password="guess",
                expected_version=rec.version,
            )  # fmt: skip
        except ValidationError as refused:
            messages.append(refused.messages[0])
    assert messages[-1] != messages[0]  # the last ones say the account is locked


def test_a_sealed_record_refuses_a_save_of_its_problems_over_the_api(tworld):
    from tanhua.core.testing import TEST_PASSWORD
    from tanhua.talks.tests.helpers import held_record
    from tanhua.talks.tests.test_api import Api

    talk = tworld.talks["k11"]
    rec = held_record(tworld, talk)
    for name in ("talker_c1", "subject_k11"):
        rec = records.confirm(
            actor=tworld.users[name], talk=talk, password=TEST_PASSWORD,
            expected_version=rec.version,
        )  # fmt: skip
    api = Api(tworld.users["recorder_c1"])
    response = api.send(
        "PUT", f"/talks/{talk.pk}/record", {"problems": [{"focus_area": "A1", "text": "改"}]}
    )
    assert response.status_code == 422
    assert TalkRecord.objects.unscoped("test").get(talk=talk).content_hash == rec.content_hash


# --- the 陪谈 official and offices -------------------------------------------------------------


def test_an_office_member_whose_office_does_not_cover_the_subject_cannot_be_the_companion(
    tworld,
):
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from tanhua.org.models import Office
    from tanhua.talks.services import schedule

    talk = tworld.talks["k11"]
    t111 = tworld.orgs["T111"]
    office = Office.objects.create(organization=tworld.orgs["C1"], name="第三纪检监察室")
    office.localities.add(t111)
    other = make_user("office_t111", org=tworld.orgs["C1"], roles=[Role.COMMISSION])
    other.office = office
    other.save()
    assert not schedule.staff_choices(talk, Role.COMMISSION).filter(pk=other.pk).exists()
    with pytest.raises(ValidationError):
        schedule.schedule_talk(
            actor=tworld.users["commission_c1"],
            talk=talk,
            start=timezone.make_aware(dt.datetime(2026, 6, 11, 9, 0)),
            place="市委第三会议室",
            recorder=tworld.users["recorder_c1"],
            companion=other,
        )
