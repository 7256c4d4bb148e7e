"""The preparation journey through the REST API with Bearer tokens: a submitter answers a
material request with a multipart upload; staff prepare the portrait and the outline draft,
read the portrait and follow a figure to its source records; the commission's and the
organization department's staff edit the outline in turn by ETag (a stale edit answers 412),
the versions list both and the diff shows what each changed; the talker approves; the
recorder holds the talk on it, linking the problems pointed out to the outline's. The
subject and a sibling city get 404 on every step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tanhua.evidence.requests_testing import make_request
from tanhua.files.testing import docx_bytes
from tanhua.portrait.testing import preparation_world
from tanhua.talks.models import RecordProblem
from tanhua.talks.tests.test_api_journey import Api, _ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def tworld(db):
    return preparation_world()


def test_the_preparation_goes_from_a_material_request_to_the_held_talk_through_the_api(tworld):
    users, talk = tworld.users, tworld.talks["k11"]
    pk = talk.pk
    commission, organization = Api(users["commission_c1"]), Api(users["organization_c1"])
    talker, recorder = Api(users["talker_c1"]), Api(users["recorder_c1"])
    subject, outsider = Api(users["subject_k11"]), Api(users["commission_c2"])
    req = make_request(
        tworld.campaigns["C1"], [tworld.orgs["C1"], tworld.orgs["K11"]],
        title="请报送2025年度生态环境考核材料", deadline=dt.date.today() + dt.timedelta(days=7),
    )  # fmt: skip

    # A submitter answers the request with a Word file.
    submitter = Api(users["submitter_c1"])
    sent = submitter.client.post(
        f"/api/v1/material-requests/{req.pk}/submissions",
        {"note": "考核情况见附件", "files": [
            SimpleUploadedFile("生态环境考核情况.docx", docx_bytes("PM2.5年均浓度反弹"))
        ]},
        headers=submitter.headers,
    )  # fmt: skip
    assert _ok(sent, 201)["files"][0]["filename"] == "生态环境考核情况.docx"
    progress = _ok(commission.get(f"/material-requests/{req.pk}"))
    assert {u["code"]: u["sent"] for u in progress["units"]} == {"C1": True, "K11": False}

    # Staff prepare the portrait and the draft, read it and follow figures to their sources.
    prepared = _ok(commission.send("POST", f"/talks/{pk}/portrait/prepare"))
    assert prepared["outline_drafted"] and "画像新建 1" in prepared["summary"]
    portrait = _ok(commission.get(f"/talks/{pk}/portrait"))
    pm25 = next(r for r in portrait["indicators"] if r["code"] == "PM25")
    assert pm25["rebound"] and portrait["counts"]["repeated"] == 1
    figure = _ok(commission.get(f"/talks/{pk}/portrait/sources", key="indicator:PM25"))
    assert [r["code"] for r in figure["indicator_values"]] == ["PM25"]
    repeated = _ok(commission.get(f"/talks/{pk}/portrait/sources", key="repeated"))
    assert tworld.repeat.code in {f["code"] for f in repeated["findings"]}
    assert _ok(talker.get(f"/talks/{pk}/portrait"))["as_of"] == portrait["as_of"]

    # The commission rewrites the first problem; the organization department sees it and
    # adds to the second's evidence; the commission's stale edit is refused.
    seen = commission.get(f"/talks/{pk}/outline")
    drafted = _ok(seen)["problems"]
    assert 3 <= len(drafted) <= 4
    rewritten = [{**drafted[0], "statement": "生态环境保护责任落实不到位，PM2.5浓度反弹"},
                 *drafted[1:]]  # fmt: skip
    first = commission.send(
        "PUT", f"/talks/{pk}/outline", {"problems": rewritten}, if_match=seen["ETag"]
    )
    _ok(first)
    theirs = organization.get(f"/talks/{pk}/outline")
    problems = _ok(theirs)["problems"]
    assert problems[0]["statement"] == "生态环境保护责任落实不到位，PM2.5浓度反弹"
    problems[1] = {**problems[1], "evidence": problems[1]["evidence"] + "；组织部考核评价偏低"}
    second = organization.send(
        "PUT", f"/talks/{pk}/outline", {"problems": problems}, if_match=theirs["ETag"]
    )
    latest = _ok(second)["version"]
    stale = commission.send(
        "PUT", f"/talks/{pk}/outline", {"problems": rewritten}, if_match=first["ETag"]
    )
    assert stale.status_code == 412

    # The versions list both editors; the diffs show what each changed.
    versions = _ok(organization.get(f"/talks/{pk}/outline/versions"))
    assert versions["current_version"] == latest
    by = [v["by"] for v in versions["items"][:2]]
    assert by == ["organization_c1", "commission_c1"]
    theirs_diff = _ok(organization.get(f"/talks/{pk}/outline/diff"))
    changed = [p for p in theirs_diff["problems"] if p["kind"] == "changed"]
    assert [f["field"] for f in changed[0]["fields"]] == ["evidence"]
    assert {"op": "added", "text": "；组织部考核评价偏低"} in changed[0]["fields"][0]["segments"]
    mine = _ok(commission.get(f"/talks/{pk}/outline/diff", to=latest - 1))
    assert mine["summary"] == "修改1个"
    added = "".join(
        s["text"] for s in mine["problems"][0]["fields"][0]["segments"] if s["op"] == "added"
    )
    assert "生态环境保护责任" in added

    # Organization submits; the talker approves.
    submitted = _ok(organization.send("POST", f"/talks/{pk}/outline/submit",
                                      if_match=f'"{latest}"'))  # fmt: skip
    approved = _ok(talker.send("POST", f"/talks/{pk}/outline/approve",
                               if_match=f'"{submitted["version"]}"'))  # fmt: skip
    assert approved["status"] == "approved"

    # The recorder holds the talk on it: the problems pointed out link to the outline's.
    started = _ok(recorder.send("POST", f"/talks/{pk}/record/start"))
    outline_problems = approved["problems"]
    saved = _ok(recorder.send(
        "PUT", f"/talks/{pk}/record",
        {"overall_evaluation": "班子团结，工作有成效。", "problems": [
            {"outline_problem": p["id"], "focus_area": p["focus_area"], "text": p["statement"]}
            for p in outline_problems[:3]
        ]},
        if_match=f'"{started["version"]}"',
    ))  # fmt: skip
    assert [p["outline_problem"] for p in saved["problems"]] == [
        p["id"] for p in outline_problems[:3]
    ]
    _ok(recorder.send("POST", f"/talks/{pk}/record/held"))
    linked = RecordProblem.objects.unscoped("test").filter(record__talk=talk)
    assert {p.outline_problem_id for p in linked} == {p["id"] for p in outline_problems[:3]}

    # Neither the subject nor a sibling city ever reached any of it.
    for api in (subject, outsider):
        for path in ("/portrait", "/portrait/sources", "/outline", "/outline/versions",
                     "/outline/diff"):  # fmt: skip
            assert api.get(f"/talks/{pk}{path}").status_code == 404, (api.username, path)
        assert api.send("POST", f"/talks/{pk}/portrait/prepare").status_code == 404
