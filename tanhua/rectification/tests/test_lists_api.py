"""The 三清单 through the REST API with Bearer tokens: the subject files the lists (PUT with
If-Match), submits; the talker approves; the owner reports progress and asks to close; a
second person accepts; an extension is asked for and approved. A stale PUT answers 412, the
owner accepting their own close and the requester their own answer 422, and a sibling
city's staff get 404 on every step."""

from __future__ import annotations

import json

import pytest

from tanhua.rectification.tests import lists_fixtures
from tanhua.talks.models import Talk, TalkStatus
from tanhua.talks.tests.test_api_journey import Api

year, sealed, users = lists_fixtures.year, lists_fixtures.sealed, lists_fixtures.users


def _ok(response, status=200):
    assert response.status_code == status, response.content.decode()
    return response.json()


BODY = {
    "problems": [
        {"focus_area": "A3", "text": "调研不深入，存在文山会海现象", "measures": [
            {"text": "建立交流机制", "owner_code": "GK11", "deadline": "2026-10-31",
             "target_value": "190", "target_unit": "项"},
        ]},
        {"focus_area": "A2", "text": "一岗双责落实不够", "measures": [
            {"text": "制定责任清单", "owner_code": "K11", "deadline": "2026-09-30",
             "kind": "long_term"},
        ]},
    ]
}  # fmt: skip


def test_the_lists_through_the_api_from_filing_to_closing(sealed, users):
    subject, talker = Api(users["subject_k11"]), Api(users["talker_c1"])
    staff, outsider = Api(users["commission_c1"]), Api(users["commission_c2"])
    path = f"/talks/{sealed.pk}/plan"
    assert _ok(subject.get(path))["version"] == 0
    plan = _ok(subject.send("PUT", path, BODY))
    plan = _ok(subject.get(path))
    assert len(plan["problems"]) == 2
    plan = _ok(subject.send("POST", f"{path}/submit", if_match=f'"{plan["version"]}"'))
    assert plan["status"] == "submitted"
    assert outsider.send("POST", f"{path}/approve").status_code == 404
    assert subject.send("POST", f"{path}/approve").status_code == 404
    plan = _ok(talker.send("POST", f"{path}/approve", if_match=f'"{plan["version"]}"'))
    assert plan["status"] == "approved" and [v["action"] for v in plan["versions"]] == [
        "submitted", "approved",
    ]  # fmt: skip
    assert Talk.objects.unscoped("test").get(pk=sealed.pk).status == TalkStatus.RECTIFYING

    mine = _ok(subject.get("/measures", mine="true"))
    assert mine["count"] == 2
    counted = next(m for m in mine["items"] if m["target_value"] is not None)
    mpath = f"/measures/{counted['id']}"
    assert outsider.get(mpath).status_code == 404
    m = _ok(subject.send("POST", f"{mpath}/progress", {"text": "已建立120项", "value": "120"},
                         if_match=f'"{counted["version"]}"'))  # fmt: skip
    assert m["status"] == "in_progress" and m["achieved_value"] == "120.00"
    m = _ok(subject.send("POST", f"{mpath}/extension",
                         {"proposed_deadline": "2026-12-31", "reason": "跨部门协调"}))  # fmt: skip
    m = _ok(talker.send("POST", f"{mpath}/extension/decide", {"approve": True}))
    assert (m["deadline"], m["original_deadline"]) == ("2026-12-31", "2026-10-31")
    m = _ok(subject.send("POST", f"{mpath}/close-request", {"evidence": "190项机制已运行"}))
    assert m["status"] == "submitted"
    assert (
        subject.send("POST", f"{mpath}/close-request/decide", {"accept": True}).status_code == 404
    )
    m = _ok(staff.send("POST", f"{mpath}/close-request/decide", {"accept": True}))
    assert m["status"] == "closed" and m["close_requests"][0]["decision"] == "accepted"
    # The long-term measure keeps no talk open: the talk is closed now.
    assert Talk.objects.unscoped("test").get(pk=sealed.pk).status == TalkStatus.CLOSED


def test_a_stale_put_of_the_plan_answers_412(sealed, users):
    subject = Api(users["subject_k11"])
    path = f"/talks/{sealed.pk}/plan"
    plan = _ok(subject.send("PUT", path, BODY))
    etag = f'"{plan["version"]}"'
    changed = {"problems": BODY["problems"][:1]}
    _ok(subject.send("PUT", path, changed, if_match=etag))
    assert subject.send("PUT", path, BODY, if_match=etag).status_code == 412


def test_the_requester_accepting_their_own_close_answers_422(sealed, users):
    staff = Api(users["commission_c1"])
    path = f"/talks/{sealed.pk}/plan"
    body = {"problems": [dict(BODY["problems"][1])]}
    _ok(staff.send("PUT", path, body))
    _ok(staff.send("POST", f"{path}/submit"))
    _ok(Api(users["talker_c1"]).send("POST", f"{path}/approve"))
    item = _ok(staff.get("/measures"))["items"][0]
    _ok(staff.send("POST", f"/measures/{item['id']}/close-request", {"evidence": "完成"}))
    refused = staff.send("POST", f"/measures/{item['id']}/close-request/decide", {"accept": True})
    assert refused.status_code == 422 and "申请人" in refused.json()["detail"][0]["msg"]


def test_a_bad_deadline_names_the_problem_and_the_measure(sealed, users):
    body = json.loads(json.dumps(BODY))
    body["problems"][1]["measures"][0]["deadline"] = "2026-05-01"
    refused = Api(users["subject_k11"]).send("PUT", f"/talks/{sealed.pk}/plan", body)
    assert refused.status_code == 422
    assert "第2个问题的第1条举措：整改时限须晚于谈话日期" in refused.json()["detail"][0]["msg"]


@pytest.mark.parametrize("name", ["recorder_c1", "viewer_c1", "submitter_c1"])
def test_who_plays_no_part_in_a_talks_lists_lists_no_measure_of_it(sealed, users, name):
    from tanhua.rectification.testing_lists import file_plan

    file_plan(sealed, users["subject_k11"], users["talker_c1"])
    assert _ok(Api(users[name]).get("/measures"))["count"] == 0
