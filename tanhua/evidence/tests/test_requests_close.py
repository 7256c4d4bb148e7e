"""Closing a material request (no more submissions, no more reminders) and the daily run:
units that have sent nothing are reminded three days before the deadline, once, and every
day after it; `tick(today)` runs both and says how many notices it sent."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from tanhua.accounts.roles import Role
from tanhua.api.services import issue_token
from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import build_world, make_user
from tanhua.evidence import requests as services
from tanhua.evidence.models import MaterialRequest
from tanhua.evidence.requests_testing import make_request, submit
from tanhua.notices.models import Notice
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db
DEADLINE = dt.date(2026, 5, 20)


@pytest.fixture
def world():
    w = add_talks(build_world())
    w.users["submitter_k11"] = make_user("submitter_k11", org=w.orgs["K11"], roles=[Role.SUBMITTER])
    return w


@pytest.fixture
def req(world):
    return make_request(
        world.campaigns["C1"], [world.orgs["C1"], world.orgs["K11"]], deadline=DEADLINE
    )


def _fresh(req):
    return MaterialRequest.objects.unscoped("test").get(pk=req.pk)


def test_staff_close_a_request_and_no_unit_can_submit_to_it_any_more(world, req):
    staff = world.users["commission_c1"]
    closed = services.close_request(actor=staff, request=req)
    assert closed.status == "closed" and closed.closed_by == staff and closed.closed_at
    assert AuditEntry.objects.filter(action="material_request.close", object_id=str(req.pk))
    with pytest.raises(services.RequestError, match="已结束"):
        submit(world.users["submitter_c1"], _fresh(req))
    with pytest.raises(services.RequestError, match="已结束"):
        services.close_request(actor=staff, request=req)


def test_another_citys_staff_and_a_submitter_cannot_close_it(world, req):
    for name in ("commission_c2", "submitter_c1"):
        with pytest.raises(OutOfScope):
            services.close_request(actor=world.users[name], request=req)
    assert _fresh(req).status == "open"


def test_the_close_button_ends_it_and_the_inbox_says_so(world, req):
    staff = Client()
    staff.force_login(world.users["commission_c1"])
    detail = staff.get(reverse("evidence:request_detail", args=[req.pk])).content.decode()
    assert 'id="close-request"' in detail
    response = staff.post(reverse("evidence:request_close", args=[req.pk]), follow=True)
    body = response.content.decode()
    assert "已结束调取材料" in body and 'id="close-request"' not in body and "已结束" in body
    submitter = Client()
    submitter.force_login(world.users["submitter_c1"])
    inbox = submitter.get(reverse("evidence:inbox_request", args=[req.pk])).content.decode()
    assert "该调取材料已结束，不再接收报送。" in inbox and "enctype" not in inbox


def test_the_api_closes_a_request_once(world, req):
    _t, plain = issue_token(actor=None, user=world.users["commission_c1"], name="test")
    headers = {"Authorization": f"Bearer {plain}"}
    url = f"/api/v1/material-requests/{req.pk}/close"
    first = Client().post(url, headers=headers)
    assert first.status_code == 200 and first.json()["status"] == "closed"
    again = Client().post(url, headers=headers)
    assert again.status_code == 422 and "已结束" in json.dumps(again.json(), ensure_ascii=False)


def test_units_that_sent_nothing_are_reminded_three_days_before_the_deadline_once(world, req):
    submit(world.users["submitter_c1"], req)
    assert services.remind_due_soon(today=DEADLINE - dt.timedelta(days=4)) == 0
    assert services.remind_due_soon(today=DEADLINE - dt.timedelta(days=3)) == 1
    assert services.remind_due_soon(today=DEADLINE - dt.timedelta(days=2)) == 0
    assert services.remind_due_soon(today=DEADLINE) == 0
    told = Notice.objects.filter(kind="material_request_due")
    assert [n.recipient.username for n in told] == ["submitter_k11"]
    assert "2026-05-20" in told[0].body and "即将截止" in told[0].title
    assert AuditEntry.objects.filter(action="material_request.remind_due").count() == 1


def test_tick_runs_both_reminders_and_counts_what_it_sent(world, req):
    assert services.tick(DEADLINE - dt.timedelta(days=1)) == {
        "material_due_soon": 2, "material_late": 0,
    }  # fmt: skip  # submitter_c1 (C1) and submitter_k11 (K11)
    assert services.tick(DEADLINE - dt.timedelta(days=1)) == {
        "material_due_soon": 0, "material_late": 0,
    }  # fmt: skip
    after = DEADLINE + dt.timedelta(days=1)
    assert services.tick(after) == {"material_due_soon": 0, "material_late": 2}
    assert services.tick(after) == {"material_due_soon": 0, "material_late": 0}


def test_a_closed_request_reminds_no_one(world, req):
    services.close_request(actor=world.users["commission_c1"], request=req)
    assert services.tick(DEADLINE - dt.timedelta(days=1)) == {
        "material_due_soon": 0, "material_late": 0,
    }  # fmt: skip
    assert services.tick(DEADLINE + dt.timedelta(days=1))["material_late"] == 0
