"""The whole talk through the REST API with Bearer tokens, as an integration would drive it:
staff plan the campaign, find the talk, schedule it and draft and submit its outline; the
talker approves; the recorder starts, saves (a stale save answers 412 with what is saved)
and marks the talk held; talker and subject confirm with their passwords; the record is
sealed. The subject never gets the outline; staff of a sibling city get 404 on every step;
the audit trail holds every step."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tanhua.api.services import issue_token
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import TEST_PASSWORD
from tanhua.talks.models import Talk, TalkRecord
from tanhua.talks.tests.helpers import talk_world

pytestmark = pytest.mark.django_db
WHERE = {"place": "市委第一会议室", "recorder": "recorder_c1"}


@pytest.fixture
def tworld(db):
    world = talk_world()
    # The journey schedules the talk itself.
    Talk.objects.unscoped("test").filter(pk=world.talks["k11"].pk).update(
        scheduled_start=None, scheduled_end=None, place="", recorder=None
    )
    return world


class Api:
    """One user's Bearer token and a client without a session."""

    def __init__(self, user):
        _token, plain = issue_token(actor=None, user=user, name="journey")
        self.username = user.username
        self.headers = {"Authorization": f"Bearer {plain}"}
        self.client = Client()

    def get(self, path, **query):
        return self.client.get(f"/api/v1{path}", query, headers=self.headers)

    def send(self, method, path, body=None, *, if_match=None):
        headers = dict(self.headers)
        if if_match is not None:
            headers["If-Match"] = if_match
        return self.client.generic(
            method,
            f"/api/v1{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers=headers,
        )


def _ok(response, status=200):
    assert response.status_code == status, response.content.decode()
    return response.json()


def test_a_talk_goes_from_plan_to_seal_through_the_api_in_scope_and_audited(tworld):
    users = tworld.users
    staff, talker = Api(users["commission_c1"]), Api(users["talker_c1"])
    recorder, subject = Api(users["recorder_c1"]), Api(users["subject_k11"])
    outsider = Api(users["commission_c2"])
    campaign = tworld.campaigns["C1"]
    steps: list[tuple[str, str, dict | None]] = []  # every URL the journey used

    def step(api, method, path, body=None, *, if_match=None, status=200):
        steps.append((method, path, body))
        if method == "GET":
            return _ok(api.get(path), status)
        return _ok(api.send(method, path, body, if_match=if_match), status)

    # Staff plan the campaign and find the talk in its list.
    planned = step(staff, "POST", f"/campaigns/{campaign.pk}/plan")
    assert planned["created"] >= 0 and planned["talker_code"] == "GC1"
    listing = step(staff, "GET", f"/campaigns/{campaign.pk}/talks")
    talk_row = next(t for t in listing["items"] if t["subject_code"] == "GK11")
    pk = talk_row["id"]
    assert talk_row["scheduled_start"] is None

    # Schedule it with the version read (If-Match); after the 民主生活会 is refused.
    seen = staff.get(f"/talks/{pk}")
    etag = seen["ETag"]
    late = staff.send(
        "POST",
        f"/talks/{pk}/schedule",
        {**WHERE, "start": "2026-07-02T09:00:00+08:00"},
        if_match=etag,
    )
    assert late.status_code == 422 and "民主生活会" in late.content.decode()
    scheduled = step(
        staff,
        "POST",
        f"/talks/{pk}/schedule",
        {**WHERE, "start": "2026-06-16T09:00:00+08:00"},
        if_match=etag,
    )
    assert scheduled["place"] == "市委第一会议室"

    # The outline: read, replace its problems (If-Match), submit.
    outline_resp = staff.get(f"/talks/{pk}/outline")
    outline = _ok(outline_resp)
    kept = outline["problems"][0]
    problems = [
        {"id": kept["id"], "focus_area": "A3", "statement": kept["statement"],
         "evidence": kept["evidence"]},
        {"focus_area": "A1", "statement": "落实上级重大决策部署打折扣",
         "evidence": "2025年巡视反馈问题整改完成率68%"},
    ]  # fmt: skip
    outline = step(
        staff,
        "PUT",
        f"/talks/{pk}/outline",
        {"problems": problems},
        if_match=outline_resp["ETag"],
    )
    assert len(outline["problems"]) == 2
    stale = staff.send(
        "PUT", f"/talks/{pk}/outline", {"problems": problems}, if_match=outline_resp["ETag"]
    )
    assert stale.status_code == 412, stale.status_code
    outline = step(staff, "POST", f"/talks/{pk}/outline/submit", if_match=f'"{outline["version"]}"')
    assert outline["status"] == "submitted"

    # The subject's view of the talk never includes the outline, before or after.
    seen_by_subject = step(subject, "GET", f"/talks/{pk}")
    assert "outline_status" not in seen_by_subject or seen_by_subject["outline_status"] is None
    assert "文山会海现象" not in json.dumps(seen_by_subject, ensure_ascii=False)
    assert subject.get(f"/talks/{pk}/outline").status_code == 404

    # The talker approves it.
    talker_view = step(talker, "GET", f"/talks/{pk}/outline")
    assert talker_view["status"] == "submitted"
    approved = step(
        talker, "POST", f"/talks/{pk}/outline/approve", if_match=f'"{talker_view["version"]}"'
    )
    assert approved["status"] == "approved"

    # The recorder starts the record and saves twice; the second save from a stale
    # version answers 412 with what is saved.
    started = step(recorder, "POST", f"/talks/{pk}/record/start")
    version = started["version"]
    saved = step(
        recorder,
        "PUT",
        f"/talks/{pk}/record",
        {
            "overall_evaluation": "班子团结，工作有成效。",
            "problems": [{"focus_area": "A3", "text": "文山会海问题突出"}],
        },
        if_match=f'"{version}"',
    )
    assert saved["version"] > version
    refused = recorder.send(
        "PUT", f"/talks/{pk}/record", {"explanation": "另一台设备"}, if_match=f'"{version}"'
    )
    assert refused.status_code == 412
    body = refused.json()
    assert body["current_version"] == saved["version"]
    assert body["current"]["overall_evaluation"] == "班子团结，工作有成效。"
    saved = step(
        recorder,
        "PUT",
        f"/talks/{pk}/record",
        {"explanation": "确有其事，正在整改。"},
        if_match=f'"{saved["version"]}"',
    )
    held = step(recorder, "POST", f"/talks/{pk}/record/held")
    assert held["talker_confirmed_at"] is None

    # Both confirm the version they read with their password in the body; the second
    # confirmation seals. A confirmation that does not say which version it read is refused.
    read = step(talker, "GET", f"/talks/{pk}/record")
    blind = talker.send("POST", f"/talks/{pk}/confirm", {"password": TEST_PASSWORD})
    assert blind.status_code == 422 and "If-Match" in blind.content.decode()
    wrong = talker.send(
        "POST",
        f"/talks/{pk}/confirm",
        {"password": "wrong-password-123"},
        if_match=f'"{read["version"]}"',
    )
    assert wrong.status_code == 422
    step(
        talker,
        "POST",
        f"/talks/{pk}/confirm",
        {"password": TEST_PASSWORD},
        if_match=f'"{read["version"]}"',
    )
    record = step(subject, "GET", f"/talks/{pk}/record")
    sealed = step(
        subject,
        "POST",
        f"/talks/{pk}/confirm",
        {"password": TEST_PASSWORD},
        if_match=f'"{record["version"]}"',
    )
    assert sealed["sealed_at"] and sealed["content_hash"]

    final = step(staff, "GET", f"/talks/{pk}")
    assert final["record_status"] == "sealed"
    assert final["content_hash"] == sealed["content_hash"]
    assert final["status"] == "sealed"
    seen_by_subject = step(subject, "GET", f"/talks/{pk}")
    assert seen_by_subject["content_hash"] == sealed["content_hash"]
    assert [p["text"] for p in seen_by_subject["problems"]] == ["文山会海问题突出"]
    assert seen_by_subject.get("outline_status") is None
    assert "文山会海现象" not in json.dumps(seen_by_subject, ensure_ascii=False)
    db_record = TalkRecord.objects.unscoped("test").get(talk_id=pk)
    assert db_record.is_sealed and db_record.content_hash == sealed["content_hash"]

    # Staff of the sibling city: 404 on every URL of the journey, reads and writes alike.
    for method, path, body in steps:
        answer = outsider.get(path) if method == "GET" else outsider.send(method, path, body)
        assert answer.status_code == 404, (method, path, answer.status_code)
    assert TalkRecord.objects.unscoped("test").get(talk_id=pk).version == db_record.version

    # The audit trail: each step by its actor, and the outsider's refusals.
    def done(action, username):
        return AuditEntry.objects.filter(action=action, username=username, result="ok").count()

    assert done("campaign.plan", "commission_c1") == 1
    assert done("talk.schedule", "commission_c1") == 1
    assert done("outline.submit", "commission_c1") == 1
    assert done("outline.approve", "talker_c1") == 1
    assert done("record.start", "recorder_c1") == 1
    assert done("record.update", "recorder_c1") == 2
    assert done("record.held", "recorder_c1") == 1
    assert done("record.confirm", "talker_c1") == 1
    assert done("record.confirm", "subject_k11") == 1
    assert AuditEntry.objects.filter(action="record.seal").count() == 1
    # Each read of the talk named its subject and its talker.
    reads = AuditEntry.objects.filter(
        action__in=("cadre.read", "cadre.list"), detail__path=f"/api/v1/talks/{pk}"
    )
    named = {e.username: set((e.detail or {}).get("codes", [])) for e in reads}
    assert {"GK11", "GC1"} <= named["commission_c1"]
    assert "GK11" in named["subject_k11"]
    refusals = AuditEntry.objects.filter(username="commission_c2", action="access.denied")
    assert refusals.count() >= len(steps)
