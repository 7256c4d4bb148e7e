"""Material requests (调取材料): staff ask units, submitters answer and see only their own,
downloads go through the owner's scope and the trail, late units are reminded once a day."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from tanhua.accounts.roles import Role
from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import make_user
from tanhua.evidence import requests as services
from tanhua.evidence.requests_testing import make_request, submit
from tanhua.files.content import FileRefused
from tanhua.files.models import Attachment
from tanhua.files.services import searchable_attachments
from tanhua.files.testing import EXE_BYTES, docx_bytes, xlsx_bytes
from tanhua.notices.models import Notice
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    from tanhua.core.testing import build_world

    w = add_talks(build_world())
    w.users["submitter_c1b"] = make_user("submitter_c1b", org=w.orgs["C1"], roles=[Role.SUBMITTER])
    w.users["submitter_k11"] = make_user("submitter_k11", org=w.orgs["K11"], roles=[Role.SUBMITTER])
    w.users["submitter_c2"] = make_user("submitter_c2", org=w.orgs["C2"], roles=[Role.SUBMITTER])
    return w


@pytest.fixture
def req(world):
    """Addressed to C1 and K11; its deadline passed yesterday (the pages use today's date)."""
    yesterday = dt.date.today() - dt.timedelta(days=1)
    return make_request(
        world.campaigns["C1"], [world.orgs["C1"], world.orgs["K11"]], deadline=yesterday
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_create_a_request_and_the_units_submitters_are_told(world):
    staff = world.users["commission_c1"]
    made = services.create_request(
        actor=staff, campaign=world.campaigns["C1"], title="请报送选人用人检查材料",
        description="2025年度选人用人专项检查报告", deadline=dt.date(2026, 6, 1),
        units=[world.orgs["K11"]], today=dt.date(2026, 5, 1),
    )  # fmt: skip
    assert list(made.unit_rows.values_list("organization__code", flat=True)) == ["K11"]
    told = Notice.objects.filter(event_key=f"material_request:{made.pk}:asked")
    assert [n.recipient.username for n in told] == ["submitter_k11"]
    assert AuditEntry.objects.filter(action="material_request.create", object_id=str(made.pk))


def test_staff_cannot_ask_a_unit_outside_their_scope(world):
    with pytest.raises(OutOfScope):
        services.create_request(
            actor=world.users["commission_c1"], campaign=world.campaigns["C1"], title="越权",
            description="x", deadline=dt.date(2026, 6, 1), units=[world.orgs["C2"]],
            today=dt.date(2026, 5, 1),
        )  # fmt: skip


def test_a_submitter_uploads_and_the_text_is_stored_for_search(world, req):
    sub = submit(
        world.users["submitter_c1"], req,
        ("考核说明.docx", docx_bytes("东城市委综合考核说明")), ("得分.xlsx", xlsx_bytes()),
    )  # fmt: skip
    files = Attachment.objects.unscoped("test").filter(owner_id=sub.pk).order_by("pk")
    assert [(a.filename, a.kind) for a in files] == [
        ("考核说明.docx", "docx"),
        ("得分.xlsx", "xlsx"),
    ]
    assert "东城市委综合考核说明" in files[0].text
    staff_texts = [a.text for a in searchable_attachments(world.users["commission_c1"])]
    assert any("综合考核说明" in t for t in staff_texts)
    assert not searchable_attachments(world.users["commission_c2"]).exists()
    assert AuditEntry.objects.filter(action="attachment.upload").count() == 2
    assert AuditEntry.objects.filter(action="material_submission.create").count() == 1


def test_one_refused_file_refuses_the_whole_answer_naming_the_file(world, req):
    with pytest.raises(FileRefused, match=r"程序\.pdf：不支持的文件类型"):
        submit(
            world.users["submitter_c1"], req,
            ("好.docx", docx_bytes()), ("程序.pdf", EXE_BYTES),
        )  # fmt: skip
    assert not Attachment.objects.unscoped("test").exists()
    assert not req.submissions.unscoped("test").exists()


def test_a_submitter_of_a_unit_not_addressed_cannot_answer(world, req):
    with pytest.raises(OutOfScope):
        submit(world.users["submitter_c2"], req)


def test_a_submitter_sees_only_what_they_sent_not_a_colleagues(world, req):
    mine = submit(world.users["submitter_c1"], req, ("我的.docx", docx_bytes("我的材料")))
    theirs = submit(world.users["submitter_c1b"], req, ("同事的.docx", docx_bytes("同事材料")))
    page = _client(world.users["submitter_c1"]).get(
        reverse("evidence:inbox_request", args=[req.pk])
    )
    body = page.content.decode()
    assert "我的.docx" in body and "同事的.docx" not in body
    mine_file = Attachment.objects.unscoped("test").get(owner_id=mine.pk)
    theirs_file = Attachment.objects.unscoped("test").get(owner_id=theirs.pk)
    client = _client(world.users["submitter_c1"])
    assert client.get(reverse("files:download", args=[mine_file.pk])).status_code == 200
    assert client.get(reverse("files:download", args=[theirs_file.pk])).status_code == 404


def test_another_units_submission_and_c2_staff_answer_404(world, req):
    sub = submit(world.users["submitter_k11"], req, ("甲县.docx", docx_bytes("甲县材料")))
    attachment = Attachment.objects.unscoped("test").get(owner_id=sub.pk)
    url = reverse("files:download", args=[attachment.pk])
    for name in ("submitter_c1", "commission_c2", "subject_k11", "viewer_c1"):
        assert _client(world.users[name]).get(url).status_code == 404, name
    assert _client(world.users["commission_c1"]).get(url).status_code == 200
    missing = reverse("files:download", args=[attachment.pk + 1000])
    assert _client(world.users["commission_c1"]).get(missing).status_code == 404


def test_a_download_is_an_attachment_with_a_safe_name_nosniff_and_an_export_entry(world, req):
    data = docx_bytes()
    sub = submit(world.users["submitter_c1"], req, ('东城"考核"说明.docx', data))
    attachment = Attachment.objects.unscoped("test").get(owner_id=sub.pk)
    staff = world.users["commission_c1"]
    response = _client(staff).get(reverse("files:download", args=[attachment.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert unquote(disposition.split("filename*=utf-8''")[1]) == "东城_考核_说明.docx"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(response.streaming_content) == data
    entry = AuditEntry.objects.get(action="export", object_type="attachment")
    assert (entry.username, entry.object_id) == (staff.username, str(attachment.pk))
    assert entry.detail["filters"] == {"owner": f"material_submission:{sub.pk}"}


def test_staff_see_per_unit_who_sent_what_and_who_is_late(world, req):
    submit(world.users["submitter_c1"], req, ("东城.docx", docx_bytes()))
    page = _client(world.users["commission_c1"]).get(
        reverse("evidence:request_detail", args=[req.pk])
    )
    body = page.content.decode()
    c1_row = body.split('data-unit="C1"')[1].split("</tr>")[0]
    k11_row = body.split('data-unit="K11"')[1].split("</tr>")[0]
    assert "已报送" in c1_row and "东城.docx" in c1_row
    assert "逾期未报" in k11_row and "逾期未报" not in c1_row
    assert "已报送 1 / 2 个单位，逾期未报 1 个" in body


def test_late_units_are_reminded_once_a_day(world, req):
    submit(world.users["submitter_c1"], req)
    day = req.deadline + dt.timedelta(days=1)
    assert services.remind_late_units(today=req.deadline) == 0  # not late on the day itself
    assert services.remind_late_units(today=day) == 1
    assert services.remind_late_units(today=day) == 0
    told = Notice.objects.filter(kind="material_request_late")
    assert [n.recipient.username for n in told] == ["submitter_k11"]
    assert services.remind_late_units(today=day + dt.timedelta(days=1)) == 1
    assert AuditEntry.objects.filter(action="material_request.remind").count() == 2


def test_the_remind_button_reminds_the_late_units_of_that_request(world, req):
    client = _client(world.users["commission_c1"])
    response = client.post(
        reverse("evidence:request_remind", args=[req.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "3 条催报通知" in response.content.decode()  # two C1 submitters and one of K11
    again = client.post(
        reverse("evidence:request_remind", args=[req.pk]), headers={"HX-Request": "true"}
    )
    assert "今天已催报过" in again.content.decode()
    assert Notice.objects.filter(kind="material_request_late").count() == 3


def test_the_upload_page_explains_a_refused_file_in_chinese(world, req):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(world.users["submitter_c1"])
    url = reverse("evidence:inbox_submit", args=[req.pk])
    response = client.post(url, {"files": SimpleUploadedFile("报告.pdf", EXE_BYTES)})
    assert response.status_code == 400
    assert "不支持的文件类型" in response.content.decode()
    empty = client.post(url, {"files": SimpleUploadedFile("空.docx", b"")})
    assert "文件为空" in empty.content.decode()


def test_a_submitter_answers_through_the_api_with_a_multipart_upload(world, req):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tanhua.api.services import issue_token

    _t, token = issue_token(actor=None, user=world.users["submitter_c1"], name="t")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/material-requests/{req.pk}/submissions"
    ok = Client().post(
        url, {"note": "见附件", "files": [SimpleUploadedFile("说明.docx", docx_bytes())]},
        headers=headers,
    )  # fmt: skip
    assert ok.status_code == 201, ok.content
    assert ok.json()["files"][0]["filename"] == "说明.docx"
    bad = Client().post(url, {"files": [SimpleUploadedFile("x.pdf", EXE_BYTES)]}, headers=headers)
    assert bad.status_code == 422 and "不支持的文件类型" in bad.json()["detail"][0]["msg"]
    detail = Client().get(f"/api/v1/material-requests/{req.pk}", headers=headers).json()
    assert [u["code"] for u in detail["units"]] == ["C1"]
    assert len(detail["submissions"]) == 1


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_files_text_is_found_by_full_text_search_only_within_scope(world, req):
    from tanhua.search.query import search

    submit(world.users["submitter_c1"], req, ("说明.docx", docx_bytes("招商引资台账存在虚报")))
    found = search(world.users["commission_c1"], "虚报")
    assert [h.title for h in found.hits if "说明" in h.title] == ["说明.docx"]
    assert search(world.users["commission_c2"], "虚报").total == 0
