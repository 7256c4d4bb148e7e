"""Scheduling a talk (issue 9): the window, the 民主生活会, no double booking, never after
held, versioned; each change kept in the history, audited and told to those concerned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tanhua.accounts.roles import Role
from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import build_world, make_user
from tanhua.core.versioning import StaleEdit
from tanhua.notices.models import Notice
from tanhua.talks.models import Talk, TalkStatus
from tanhua.talks.services.schedule import schedule_talk, unschedule_talk
from tanhua.talks.testing import TalkFactory, add_talks

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    d = dt.date.fromisoformat(day)
    return timezone.make_aware(dt.datetime.combine(d, dt.time(hour, minute)))


@pytest.fixture
def world():
    return add_talks(build_world())


def talk(world, name="k11") -> Talk:
    return Talk.objects.unscoped("test").get(pk=world.talks[name].pk)


def plan(world, name="k11", *, day="2026-06-02", hour=9, **kw):
    kw.setdefault("place", "市委第一会议室")
    kw.setdefault("recorder", world.users["recorder_c1"])
    return schedule_talk(
        actor=kw.pop("actor", world.users["commission_c1"]),
        talk=talk(world, name),
        start=at(day, hour),
        **kw,
    )


def refusal(excinfo) -> tuple[str, str]:
    err = excinfo.value.error_list[0]
    return err.code, str(err.message)


def test_a_talk_is_scheduled_with_its_place_recorder_and_a_one_hour_default(world):
    t = plan(world)
    assert t.scheduled_end - t.scheduled_start == dt.timedelta(hours=1)
    assert t.place == "市委第一会议室" and t.recorder == world.users["recorder_c1"]
    assert t.version == 2
    # The outline is still a draft: preparing, not yet "scheduled".
    assert t.status == TalkStatus.PREPARING


def test_a_talk_outside_the_campaign_window_is_refused_naming_the_time_field(world):
    with pytest.raises(ValidationError) as exc:
        plan(world, day="2026-05-14")
    code, message = refusal(exc)
    assert code == "scheduled_start"
    assert message.startswith("谈话时间：") and "2026-05-15 至 2026-07-10" in message


def test_a_talk_on_or_after_the_teams_meeting_is_refused_with_the_latest_day(world):
    # K11's 民主生活会 is 2026-07-01, inside the window.
    with pytest.raises(ValidationError) as exc:
        plan(world, day="2026-07-01")
    code, message = refusal(exc)
    assert code == "scheduled_start" and "民主生活会（2026-07-01）之前" in message
    assert "最晚 2026-06-30" in message
    assert plan(world, day="2026-06-30").scheduled_start == at("2026-06-30")


def test_without_a_meeting_date_the_talk_is_scheduled_and_the_gap_is_named(world):
    from tanhua.campaigns.models import TeamMeeting
    from tanhua.talks.services.schedule import meeting_warning

    TeamMeeting.objects.filter(organization=world.orgs["K11"]).delete()
    t = plan(world, day="2026-07-08")
    assert t.scheduled_start == at("2026-07-08")
    assert "民主生活会日期尚未录入" in meeting_warning(t)


def test_a_talker_is_never_in_two_talks_at_once_across_campaigns(world):
    plan(world)
    recorder_p = make_user("recorder_p", org=world.orgs["P"], roles=[Role.RECORDER])
    province = {"actor": world.users["commission_p"], "recorder": recorder_p}
    # The province's talk has GC1 as its subject: the same person, another campaign.
    with pytest.raises(ValidationError) as exc:
        plan(world, "p_gc1", hour=9, **province)
    code, message = refusal(exc)
    assert code == "scheduled_start" and "2026-06-02 09:00–10:00" in message
    # Half past ten is free.
    later = schedule_talk(
        talk=talk(world, "p_gc1"), start=at("2026-06-02", 10, 30), place="省委", **province
    )
    assert later.scheduled_start == at("2026-06-02", 10, 30)


def test_a_recorder_is_never_in_two_talks_at_once(world):
    plan(world)
    other = TalkFactory(
        campaign=world.campaigns["C1"],
        talker=world.cadres["GC1M"],
        subject=world.cadres["GT111"],
        subject_org=world.orgs["T111"],
    )
    with pytest.raises(ValidationError) as exc:
        schedule_talk(
            actor=world.users["commission_c1"],
            talk=other,
            start=at("2026-06-02", 9, 30),
            place="会议室",
            recorder=world.users["recorder_c1"],
        )
    code, message = refusal(exc)
    assert code == "recorder" and message.startswith("记录人：")


def test_a_recorder_outside_the_committee_or_without_the_role_is_refused(world):
    outsider = make_user("recorder_c2x", org=world.orgs["C2"], roles=[Role.RECORDER])
    for user in (outsider, world.users["viewer_c1"]):
        with pytest.raises(ValidationError) as exc:
            plan(world, recorder=user)
        assert refusal(exc)[0] == "recorder"


def test_a_held_talk_cannot_be_moved(world):
    Talk.objects.unscoped("test").filter(pk=world.talks["k11"].pk).update(status=TalkStatus.HELD)
    with pytest.raises(ValidationError) as exc:
        plan(world)
    assert refusal(exc) == ("status", "状态：谈话已举行，不能再更改安排")


def test_an_edit_from_an_older_version_is_refused_naming_what_changed(world):
    plan(world)
    with pytest.raises(StaleEdit) as exc:
        plan(world, day="2026-06-03", expected_version=1)
    assert exc.value.current_version == 2
    assert "谈话时间" in exc.value.message and "commission_c1" in exc.value.message
    assert plan(world, day="2026-06-03", expected_version=2).version == 3


def test_staff_out_of_scope_and_non_staff_cannot_schedule(world):
    for name in ("commission_c2", "talker_c1", "recorder_c1"):
        with pytest.raises(OutOfScope):
            plan(world, actor=world.users[name])


def test_each_move_is_kept_in_the_history_audited_and_told_once(world):
    plan(world)
    plan(world, day="2026-06-04", reason="书记临时出差")
    t = talk(world)
    kinds = list(t.changes.values_list("kind", flat=True))
    assert kinds == ["schedule", "move"]
    move = t.changes.last()
    assert move.reason == "书记临时出差" and move.by == world.users["commission_c1"]
    assert move.before["scheduled_start"].startswith("2026-06-02")
    assert move.after["scheduled_start"].startswith("2026-06-04T01:00")
    actions = AuditEntry.objects.filter(object_type="talk", object_id=str(t.pk))
    assert list(actions.order_by("seq").values_list("action", flat=True)) == [
        "talk.schedule",
        "talk.move",
    ]
    talker, recorder, subject = (
        world.users[n] for n in ("talker_c1", "recorder_c1", "subject_k11")
    )
    for user in (talker, recorder, subject):
        keys = sorted(Notice.objects.filter(recipient=user).values_list("event_key", flat=True))
        assert keys == [f"talk:{t.pk}:move:3", f"talk:{t.pk}:schedule:2"], user
    # The subject learns the time and place, never the recorder.
    told = Notice.objects.get(recipient=subject, event_key=f"talk:{t.pk}:move:3")
    assert "2026-06-04 09:00" in told.title and "市委第一会议室" in told.body
    assert "recorder_c1" not in told.body + told.title and "记录人" not in told.body
    staff_note = Notice.objects.get(recipient=recorder, event_key=f"talk:{t.pk}:move:3")
    assert "甲县书记戊" in staff_note.body


def test_a_change_of_recorder_alone_tells_the_old_and_new_recorder_but_not_the_subject(world):
    plan(world)
    new = make_user("recorder_c1b", org=world.orgs["C1"], roles=[Role.RECORDER])
    plan(world, recorder=new)
    t = talk(world)
    key = f"talk:{t.pk}:move:3"
    assert Notice.objects.filter(recipient=new, event_key=key).exists()
    old = Notice.objects.get(recipient=world.users["recorder_c1"], event_key=key)
    assert old.kind == "talk.released" and "甲县书记戊" not in old.title
    assert not Notice.objects.filter(recipient=world.users["subject_k11"], event_key=key).exists()


def test_unscheduling_clears_time_and_place_and_is_told(world):
    plan(world)
    t = unschedule_talk(actor=world.users["commission_c1"], talk=talk(world), reason="改期")
    assert t.scheduled_start is None and t.place == "" and t.recorder is not None
    assert Notice.objects.filter(event_key=f"talk:{t.pk}:unschedule:3").count() == 3


def test_saving_the_same_arrangement_again_changes_nothing(world):
    plan(world)
    again = plan(world)
    assert again.version == 2 and talk(world).changes.count() == 1
