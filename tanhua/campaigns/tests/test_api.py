"""Campaigns over the REST API: the same scoping, services and figures as the pages."""

import datetime as dt

import pytest
from django.test import Client

from tanhua.api.services import issue_token
from tanhua.org.models import Position
from tanhua.talks.models import Talk, TalkStatus
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def talks(world):
    return add_talks(world)


def call(user, method, path, **params):
    _token, plain = issue_token(actor=None, user=user, name="测试")
    headers = {"Authorization": f"Bearer {plain}"}
    if method == "GET":
        return Client().get(path, params, headers=headers)
    return Client().post(path, headers=headers, content_type="application/json")


def test_the_list_shows_the_campaigns_in_scope(talks):
    data = call(talks.users["commission_c1"], "GET", "/api/v1/campaigns").json()
    assert [c["committee_code"] for c in data["items"]] == ["C1"]
    # The province's round lies above C1's staff: its id is not named.
    assert data["items"][0]["parent_id"] is None
    every = call(talks.users["commission_p"], "GET", "/api/v1/campaigns").json()
    assert {c["committee_code"] for c in every["items"]} == {"P", "C1", "C2"}


def test_a_sibling_campaign_answers_404_like_an_absent_one(talks):
    c2 = talks.campaigns["C2"]
    user = talks.users["commission_c1"]
    hidden = call(user, "GET", f"/api/v1/campaigns/{c2.pk}")
    absent = call(user, "GET", "/api/v1/campaigns/999999")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() == absent.json()


def test_plan_over_the_api_is_idempotent(talks):
    c1 = talks.campaigns["C1"]
    user = talks.users["organization_c1"]
    first = call(user, "POST", f"/api/v1/campaigns/{c1.pk}/plan").json()
    assert first["talker_code"] == "GC1" and first["created"] == 1  # GC1M; GK11 existed
    again = call(user, "POST", f"/api/v1/campaigns/{c1.pk}/plan").json()
    assert (again["created"], again["updated"]) == (0, 0)


def test_plan_with_a_vacant_secretary_is_a_422_naming_the_committee(talks):
    Position.objects.unscoped("test").filter(cadre__code="GC1").delete()
    c1 = talks.campaigns["C1"]
    response = call(talks.users["commission_c1"], "POST", f"/api/v1/campaigns/{c1.pk}/plan")
    assert response.status_code == 422
    assert "东城市委书记职务空缺" in response.content.decode()


def test_stats_roll_up_the_lower_campaigns(talks):
    t = talks.talks["c2"]
    t.status, t.held_on = TalkStatus.HELD, dt.date(2026, 6, 3)
    t.save()
    p = talks.campaigns["P"]
    data = call(talks.users["commission_p"], "GET", f"/api/v1/campaigns/{p.pk}/stats").json()
    assert data["total"] == Talk.objects.unscoped("test").count()
    assert data["held"] == 1 and data["by_level"]["city"] == data["total"] - 1
    assert data["by_level_detail"]["city"]["held"] == 1


def test_a_recorder_sees_the_campaigns_talks_they_record_but_not_its_figures(talks):
    c1 = talks.campaigns["C1"]
    user = talks.users["recorder_c1"]
    listed = call(user, "GET", f"/api/v1/campaigns/{c1.pk}/talks").json()
    assert [t["subject_code"] for t in listed["items"]] == ["GK11"]
    assert call(user, "GET", f"/api/v1/campaigns/{c1.pk}/stats").status_code == 404


def test_the_talk_list_filters_and_pages(talks):
    p = talks.campaigns["P"]
    user = talks.users["commission_p"]
    path = f"/api/v1/campaigns/{p.pk}/talks"
    assert call(user, "GET", path).json()["count"] == 4  # all within 机密 clearance
    assert call(user, "GET", path, own="true").json()["count"] == 1
    assert call(user, "GET", path, level="city", q="副市长").json()["count"] == 1
    page2 = call(user, "GET", path, page_size=3, page=2).json()
    assert page2["count"] == 4 and len(page2["items"]) == 1
    assert call(user, "GET", path, status="nonsense").status_code == 422
