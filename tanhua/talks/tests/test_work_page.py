"""Each role's work page: what waits for them, their next talks, their campaigns' progress."""

import datetime as dt

import pytest
from django.utils import timezone

from tanhua.core.testing import TEST_PASSWORD, add_scope_probes, build_world
from tanhua.talks.models import Outline, OutlineStatus, TalkRecord, TalkStatus
from tanhua.talks.testing import TalkFactory, add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return add_talks(add_scope_probes(build_world()))


def home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def soon():
    return timezone.now() + dt.timedelta(days=3)


def test_staff_see_the_talks_to_prepare_in_their_scope_only(client, world):
    page = home(client, world.users["commission_c1"])
    assert "待准备的谈话" in page
    assert "甲县书记戊" in page
    assert "西城副市长癸" not in page  # C2's talk
    assert "机密干部庚" not in page  # above clearance
    assert "回避干部壬" not in page  # declared 回避


def test_the_talker_sees_the_outline_waiting_for_their_approval(client, world):
    outline = Outline.objects.unscoped("test").get(talk=world.talks["k11"])
    outline.status = OutlineStatus.SUBMITTED
    outline.save()
    page = home(client, world.users["talker_c1"])
    assert "待您审定的谈话提纲" in page
    assert "甲县书记戊" in page


def test_the_recorder_sees_the_talks_to_record(client, world):
    talk = world.talks["k11"]
    talk.status = TalkStatus.SCHEDULED
    talk.scheduled_start = soon()
    talk.save()
    page = home(client, world.users["recorder_c1"])
    assert "待您记录的谈话" in page
    assert "甲县书记戊" in page
    assert "近期谈话" in page


def test_talker_and_subject_each_see_a_held_record_until_they_confirm_it(client, world):
    talk = world.talks["k11"]
    talk.status = TalkStatus.HELD
    talk.held_on = dt.date(2026, 6, 1)
    talk.save()
    record = TalkRecord.objects.create(talk=talk)
    assert "待您确认的谈话记录" in home(client, world.users["subject_k11"])
    assert "待您确认的谈话记录" in home(client, world.users["talker_c1"])
    record.talker_confirmed_at = timezone.now()
    record.save()
    talker_page = home(client, world.users["talker_c1"])
    assert "待您确认的谈话记录" not in talker_page


def test_a_subject_sees_of_their_next_talk_only_its_time_and_place(client, world):
    talk = world.talks["k11"]
    talk.scheduled_start = soon()
    talk.place = "市委第三会议室"
    talk.save()
    page = home(client, world.users["subject_k11"])
    assert "市委第三会议室" in page
    assert "记录人" not in page
    assert "调研不深入" not in page  # never the outline
    assert "待准备的谈话" not in page


def test_a_viewer_sees_campaign_progress_but_no_talk(client, world):
    page = home(client, world.users["viewer_c1"])
    assert "谈话工作进度" in page
    assert "东城市委" in page
    assert "甲县书记戊" not in page
    assert "近期谈话" not in page


def test_administrators_see_no_talk_panels(client, world):
    for name in ("sysadmin", "secadmin", "auditor"):
        page = home(client, world.users[name])
        assert "待准备的谈话" not in page and "谈话工作进度" not in page, name
    assert "您当前没有待办事项" in home(client, world.users["auditor"])


def test_the_work_page_costs_the_same_queries_with_many_more_talks(
    client, world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = world.users["commission_c1"]
    client.force_login(user)
    client.get("/")  # the first request after a login stamps the session
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    from tanhua.core.testing import CadreFactory, PositionFactory

    for i in range(30):
        cadre = CadreFactory(name=f"新干部{i}")
        PositionFactory(cadre=cadre, organization=world.orgs["K11"], title="委员")
        TalkFactory(
            campaign=world.campaigns["C1"],
            talker=world.cadres["GC1"],
            subject=cadre,
            subject_org=world.orgs["K11"],
            scheduled_start=soon(),
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_a_real_login_lands_on_the_work_page(client, world):
    response = client.post(
        "/accounts/login/",
        {"username": "viewer_c1", "password": TEST_PASSWORD},
        follow=True,
    )
    assert "工作台" in response.content.decode()


def test_a_subject_finds_their_own_talk_on_the_work_page_without_its_stage(client, world):
    talk = world.talks["k11"]
    outline = Outline.objects.unscoped("test").get(talk=talk)
    outline.status = OutlineStatus.APPROVED
    outline.save()
    talk.status = TalkStatus.OUTLINE_APPROVED
    talk.save()
    page = home(client, world.users["subject_k11"])
    assert "我的谈话" in page
    assert f"/talks/{talk.pk}/" in page
    assert "待谈话" in page
    assert "提纲已审定" not in page
    assert "谈话工作</a>" not in page  # no campaigns in the subject's menu
