"""Calendars (issue 9): each person's and a campaign's, week and list views, scoped, with
flat query counts; the .ics feed by secret address, revocable, read as its owner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tanhua.audit.models import AuditEntry
from tanhua.core.testing import CadreFactory, PositionFactory, build_world
from tanhua.notices import feeds
from tanhua.talks.models import Talk
from tanhua.talks.services.schedule import schedule_talk
from tanhua.talks.testing import TalkFactory, add_talks

pytestmark = pytest.mark.django_db
WEEK = {"week": "2026-06-01"}


def at(day, hour=9):
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


@pytest.fixture
def world():
    w = add_talks(build_world())
    schedule_talk(
        actor=None,
        talk=w.talks["k11"],
        start=at("2026-06-02"),
        place="市委第一会议室",
        recorder=w.users["recorder_c1"],
    )
    c2 = w.talks["c2"]
    Talk.objects.unscoped("test").filter(pk=c2.pk).update(
        scheduled_start=at("2026-06-03"), scheduled_end=at("2026-06-03", 10), place="西城会议室"
    )
    return w


def page(client, user, url, params=None):
    client.force_login(user)
    return client.get(url, params or {})


def test_the_talkers_week_shows_their_talk_and_never_a_sibling_citys(client, world):
    body = page(client, world.users["talker_c1"], reverse("talks:calendar"), WEEK).content.decode()
    assert "甲县书记戊" in body and "市委第一会议室" in body and "09:00–10:00" in body
    assert "西城会议室" not in body and "西城副市长癸" not in body
    assert body.count('class="talk') == 1


def test_prev_and_next_week_links_move_by_seven_days(client, world):
    body = page(client, world.users["talker_c1"], reverse("talks:calendar"), WEEK).content.decode()
    assert "week=2026-05-25" in body and "week=2026-06-08" in body
    later = page(
        client, world.users["talker_c1"], reverse("talks:calendar"), {"week": "2026-06-08"}
    )
    assert "甲县书记戊" not in later.content.decode()


def test_the_subject_sees_only_time_and_place_of_their_own_talk(client, world):
    body = page(
        client, world.users["subject_k11"], reverse("talks:calendar"), {"view": "list"}
    ).content.decode()
    assert "市委第一会议室" in body and "政治监督谈话" in body
    assert "recorder_c1" not in body and "记录人" not in body and "文山会海" not in body


def test_staff_choose_a_talker_in_scope_but_not_outside_it(client, world):
    staff = world.users["commission_c1"]
    body = page(client, staff, reverse("talks:calendar"), {**WEEK, "talker": "GC1"}).content
    assert "甲县书记戊" in body.decode()
    outside = page(client, staff, reverse("talks:calendar"), {**WEEK, "talker": "GC2"}).content
    assert "西城" not in outside.decode().replace("西城市委", "")


def test_a_campaign_calendar_lists_its_talks_and_a_sibling_campaign_is_not_found(client, world):
    staff = world.users["commission_c1"]
    url = reverse("campaigns:calendar", args=[world.campaigns["C1"].pk])
    body = page(client, staff, url, {"view": "list"}).content.decode()
    assert "甲县书记戊" in body
    other = reverse("campaigns:calendar", args=[world.campaigns["C2"].pk])
    assert page(client, staff, other).status_code == 404


@pytest.mark.parametrize("view", ["week", "list"])
def test_calendar_query_counts_stay_flat_as_talks_grow(
    client, world, django_assert_max_num_queries, view
):
    staff = world.users["commission_c1"]
    url = reverse("campaigns:calendar", args=[world.campaigns["C1"].pk])
    client.force_login(staff)
    client.get(url, {**WEEK, "view": view})  # warm the session
    with django_assert_max_num_queries(40) as few:
        client.get(url, {**WEEK, "view": view})
    for i in range(15):
        cadre = CadreFactory()
        PositionFactory(cadre=cadre, organization=world.orgs["T111"], title="委员")
        t = TalkFactory(
            campaign=world.campaigns["C1"],
            talker=world.cadres["GC1M"],
            subject=cadre,
            subject_org=world.orgs["T111"],
            recorder=world.users["recorder_c1"],
        )
        Talk.objects.unscoped("test").filter(pk=t.pk).update(
            scheduled_start=at("2026-06-04", 8 + i % 10), scheduled_end=at("2026-06-04", 9 + i % 10)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url, {**WEEK, "view": view}).content.decode()
    assert body.count("干部") >= 15


def test_the_ics_feed_has_time_place_and_summary_but_no_outline(client, world):
    _row, secret = feeds.issue_feed(actor=None, user=world.users["talker_c1"])
    response = client.get(reverse("talks:calendar_feed", args=[secret]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    ev = events[0]
    assert ev.decoded("dtstart") == at("2026-06-02")
    assert ev.decoded("dtend") == at("2026-06-02", 10)
    assert str(ev["location"]) == "市委第一会议室" and "甲县书记戊" in str(ev["summary"])
    assert "文山会海" not in response.content.decode()
    read = AuditEntry.objects.filter(action="calendar_feed.read").last()
    assert read.username == "talker_c1" and read.detail["codes"] == ["GK11"]
    assert secret not in str(
        AuditEntry.objects.order_by("-seq").values_list("detail", flat=True)[:3]
    )


def test_a_revoked_or_replaced_feed_address_stops_working(client, world):
    user = world.users["talker_c1"]
    _row, first = feeds.issue_feed(actor=None, user=user)
    _row, second = feeds.issue_feed(actor=None, user=user)
    assert client.get(reverse("talks:calendar_feed", args=[first])).status_code == 404
    assert client.get(reverse("talks:calendar_feed", args=[second])).status_code == 200
    client.force_login(user)
    assert client.post(reverse("talks:calendar_feed_revoke")).status_code == 302
    client.logout()
    assert client.get(reverse("talks:calendar_feed", args=[second])).status_code == 404


def test_the_feed_follows_what_its_owner_may_see_now(client, world):
    from tanhua.accounts.models import ConflictDeclaration

    recorder = world.users["recorder_c1"]
    _row, secret = feeds.issue_feed(actor=None, user=recorder)
    url = reverse("talks:calendar_feed", args=[secret])
    assert len(list(Calendar.from_ical(client.get(url).content).walk("VEVENT"))) == 1
    ConflictDeclaration.objects.create(
        user=recorder, cadre=world.cadres["GK11"], reason="kin", detail="测试"
    )
    assert list(Calendar.from_ical(client.get(url).content).walk("VEVENT")) == []


def test_the_calendar_page_issues_a_feed_address_shown_once(client, world):
    user = world.users["talker_c1"]
    client.force_login(user)
    body = client.post(reverse("talks:calendar_feed_issue")).content.decode()
    assert "/talks/calendar/feed/cal_" in body
    again = client.get(reverse("talks:calendar")).content.decode()
    assert "/talks/calendar/feed/cal_" not in again and "停用订阅地址" in again


def test_weeks_and_ranges_at_the_ends_of_the_calendar_answer_without_error(client):
    from tanhua.core.testing import build_world
    from tanhua.talks.testing import add_talks

    world = add_talks(build_world())
    client.force_login(world.users["talker_c1"])
    for week in ("0001-01-01", "9999-12-31"):
        assert client.get("/talks/calendar/", {"week": week}).status_code == 200
    from tanhua.api.services import issue_token

    _token, plain = issue_token(actor=None, user=world.users["talker_c1"], name="t")
    auth = {"Authorization": f"Bearer {plain}"}
    for bounds in ({"start": "0001-01-01"}, {"end": "9999-12-31"}):
        assert client.get("/api/v1/calendar", bounds, headers=auth).status_code == 422


def test_a_talker_or_team_code_that_cannot_be_a_code_names_nothing_without_an_error(client):
    from tanhua.core.testing import build_world
    from tanhua.talks.testing import add_talks

    world = add_talks(build_world())
    client.force_login(world.users["commission_c1"])
    campaign = world.campaigns["C1"]
    response = client.get("/talks/calendar/", {"talker": "G\x00C1", "view": "list"})
    assert response.status_code == 200
    assert "甲县书记戊" not in response.content.decode()
    response = client.post(f"/campaigns/{campaign.pk}/meetings/K%0011/", {"date": "2026-07-02"})
    assert response.status_code == 404
