"""The talks API: the same scoping, versioning and steps as the pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tanhua.api.services import issue_token
from tanhua.core.testing import TEST_PASSWORD
from tanhua.talks.models import TalkRecord
from tanhua.talks.tests.helpers import approve_outline, held_record, talk_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def tworld(db):
    return talk_world()


class Api:
    def __init__(self, user):
        _token, plain = issue_token(actor=None, user=user, name="test")
        self.headers = {"Authorization": f"Bearer {plain}"}
        self.client = Client()

    def get(self, path, **query):
        return self.client.get(f"/api/v1{path}", query, headers=self.headers)

    def send(self, method, path, body=None, if_match=None):
        headers = dict(self.headers)
        if if_match is not None:
            headers["If-Match"] = if_match
        return self.client.generic(
            method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json",
            headers=headers,
        )  # fmt: skip


def test_the_list_holds_only_the_talks_in_scope_and_filters_them(tworld):
    staff = Api(tworld.users["commission_c1"])
    items = staff.get("/talks").json()["items"]
    assert [t["id"] for t in items] == [tworld.talks["k11"].pk]
    assert staff.get("/talks", status="sealed").json()["count"] == 0
    assert staff.get("/talks", q="甲县").json()["count"] == 1
    assert staff.get("/talks", q="GC2V").json()["count"] == 0
    province = Api(tworld.users["commission_p"]).get("/talks", page_size=2, page=2).json()
    assert province["count"] == 5 and len(province["items"]) == 2
    assert Api(tworld.users["viewer_c1"]).get("/talks").status_code == 404


def test_the_subject_gets_time_and_place_then_the_problems_never_the_talker_or_outline(tworld):
    talk = tworld.talks["k11"]
    subject = Api(tworld.users["subject_k11"])
    body = subject.get(f"/talks/{talk.pk}").json()
    assert body["place"] == "市委第三会议室" and body["talker"] is None and body["problems"] == []
    assert subject.get(f"/talks/{talk.pk}/outline").status_code == 404
    assert subject.get(f"/talks/{talk.pk}/record").status_code == 404
    held_record(tworld, talk)
    body = subject.get(f"/talks/{talk.pk}").json()
    assert [p["text"] for p in body["problems"]] == ["文山会海问题突出"]
    assert body["outline_status"] is None
    assert subject.get(f"/talks/{talk.pk}/outline").status_code == 404


def test_the_outline_put_is_versioned_by_etag_and_if_match(tworld):
    talk = tworld.talks["k11"]
    staff = Api(tworld.users["commission_c1"])
    got = staff.get(f"/talks/{talk.pk}/outline")
    etag = got["ETag"]
    problems = [*got.json()["problems"], {"focus_area": "A1", "statement": "贯彻落实不到位"}]
    put = staff.send("PUT", f"/talks/{talk.pk}/outline", {"problems": problems}, if_match=etag)
    assert put.status_code == 200 and len(put.json()["problems"]) == 2
    stale = staff.send("PUT", f"/talks/{talk.pk}/outline", {"problems": []}, if_match=etag)
    assert stale.status_code == 412
    bad = staff.send("PUT", f"/talks/{talk.pk}/outline", {"problems": [{"focus_area": "A7"}]})
    assert bad.status_code == 422
    talker = Api(tworld.users["talker_c1"])
    refused = talker.send("POST", f"/talks/{talk.pk}/outline/approve")
    assert refused.status_code == 422 and "尚未提交" in refused.json()["detail"][0]["msg"]
    assert staff.send("POST", f"/talks/{talk.pk}/outline/submit").status_code == 200
    approved = talker.send("POST", f"/talks/{talk.pk}/outline/approve")
    assert approved.json()["status"] == "approved"


def test_the_record_journey_through_the_api_ends_sealed(tworld):
    talk = tworld.talks["k11"]
    approve_outline(tworld, talk)
    recorder = Api(tworld.users["recorder_c1"])
    started = recorder.send("POST", f"/talks/{talk.pk}/record/start")
    assert started.status_code == 200 and started.json()["started"] is True
    etag = started["ETag"]
    body = {
        "overall_evaluation": "总体较好",
        "problems": [{"focus_area": "A2", "text": "一岗双责不落实"}],
    }
    saved = recorder.send("PUT", f"/talks/{talk.pk}/record", body, if_match=etag)
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = recorder.send("PUT", f"/talks/{talk.pk}/record", {"explanation": "x"}, if_match=etag)
    assert stale.status_code == 412
    assert stale.json()["current"]["overall_evaluation"] == "总体较好"
    assert recorder.send("POST", f"/talks/{talk.pk}/record/held").status_code == 200
    for name in ("talker_c1", "subject_k11"):
        api = Api(tworld.users[name])
        version = f'"{TalkRecord.objects.unscoped("test").get(talk=talk).version}"'
        wrong = api.send(
            "POST", f"/talks/{talk.pk}/confirm", {"password": "wrong"}, if_match=version
        )
        assert wrong.status_code == 422
        ok = api.send(
            "POST", f"/talks/{talk.pk}/confirm", {"password": TEST_PASSWORD}, if_match=version
        )
        assert ok.status_code == 200, ok.content
    record = TalkRecord.objects.unscoped("test").get(talk=talk)
    assert record.is_sealed
    assert recorder.get(f"/talks/{talk.pk}/record").json()["content_hash"] == record.content_hash
    sealed = recorder.send("PUT", f"/talks/{talk.pk}/record", {"explanation": "改"})
    assert sealed.status_code == 422 and "已封存" in sealed.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    "persona", ["commission_c1", "organization_c1", "talker_c1", "recorder_c1", "subject_k11"]
)
def test_a_hidden_campaign_or_subject_filters_like_an_unknown_one(tworld, persona):
    from tanhua.talks.models import Talk

    user = tworld.users[persona]
    api = Api(user)
    seen = set(Talk.objects.visible_to(user).values_list("pk", flat=True))
    listed = {t["id"] for t in api.get("/talks", page_size=200).json()["items"]}
    assert listed == seen and tworld.talks["c2"].pk not in listed
    hidden = api.get("/talks", campaign=tworld.campaigns["C2"].pk).json()
    unknown = api.get("/talks", campaign=999_999).json()
    assert hidden == unknown == {"count": 0, "items": []}
    assert api.get("/talks", q="GC2V").json() == api.get("/talks", q="NOSUCH").json()
