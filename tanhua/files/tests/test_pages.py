"""The attachments pages of a finding and of a talk: staff in scope upload Word, Excel and PDF
files (refusals say which file and why, in Chinese, and keep nothing), everyone the owner's
scope reaches lists and downloads them through the trail, nobody else learns they exist."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tanhua.audit.models import AuditEntry
from tanhua.core.testing import TEST_PASSWORD, build_world
from tanhua.evidence.testing import make_finding
from tanhua.files.models import Attachment
from tanhua.files.testing import EXE_BYTES, docx_bytes, pdf_bytes, xlsx_bytes
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def world():
    w = add_talks(build_world())
    w.finding = make_finding(w.orgs["C1"], code="FPAGE1", text="巡察发现招投标管理不规范")
    return w


def _client(world, name):
    c = Client()
    assert c.login(username=world.users[name].username, password=TEST_PASSWORD)
    return c


def _files(kind, owner_id):
    return list(Attachment.objects.unscoped("test").filter(owner_kind=kind, owner_id=owner_id))


def test_staff_upload_files_to_a_finding_and_download_them_through_the_trail(world):
    c = _client(world, "commission_c1")
    url = f"/evidence/findings/{world.finding.code}/files/"
    sent = c.post(url, {"files": [
        SimpleUploadedFile("巡察反馈意见.docx", docx_bytes("招投标管理不规范"), DOCX),
        SimpleUploadedFile("审计报告.pdf", pdf_bytes(), "application/pdf"),
    ]})  # fmt: skip
    assert sent.status_code == 302
    files = _files("finding", world.finding.pk)
    assert sorted(a.filename for a in files) == ["审计报告.pdf", "巡察反馈意见.docx"]
    page = c.get(url).content.decode()
    assert "巡察反馈意见.docx" in page and "commission_c1" in page
    doc = next(a for a in files if a.kind == "docx")
    assert "招投标管理不规范" in doc.text
    got = c.get(f"/files/{doc.pk}/download/")
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.filter(action="attachment.upload").count() == 2
    assert AuditEntry.objects.filter(object_type="attachment", action__contains="export").exists()


def test_a_refused_file_says_which_and_why_in_chinese_and_keeps_nothing(world):
    c = _client(world, "commission_c1")
    url = f"/evidence/findings/{world.finding.code}/files/"
    renamed = c.post(url, {"files": [
        SimpleUploadedFile("佐证.docx", docx_bytes(), DOCX),
        SimpleUploadedFile("考核结果.pdf", xlsx_bytes(), "application/pdf"),
    ]})  # fmt: skip
    assert renamed.status_code == 400
    body = renamed.content.decode()
    assert "考核结果.pdf：文件扩展名为 .pdf，但内容是" in body
    program = c.post(url, {"files": [SimpleUploadedFile("说明.docx", EXE_BYTES)]})
    assert program.status_code == 400 and "不支持的文件类型" in program.content.decode()
    empty = c.post(url, {})
    assert empty.status_code == 400 and "请选择要上传的文件" in empty.content.decode()
    assert _files("finding", world.finding.pk) == []


def test_another_citys_staff_and_the_talker_never_reach_a_findings_files(world):
    other = make_finding(world.orgs["C2"], code="FPAGE2")
    c = _client(world, "commission_c1")
    assert c.get(f"/evidence/findings/{other.code}/files/").status_code == 404
    assert c.get("/evidence/findings/NOSUCH/files/").status_code == 404
    talker = _client(world, "talker_c1")
    assert talker.get(f"/evidence/findings/{world.finding.code}/files/").status_code == 404


def test_staff_upload_a_talks_papers_which_the_talker_reads_and_the_subject_never_sees(world):
    talk = world.talks["k11"]
    url = f"/talks/{talk.pk}/files/"
    staff = _client(world, "organization_c1")
    up = staff.post(url, {"files": [SimpleUploadedFile("考核.xlsx", xlsx_bytes())]})
    assert up.status_code == 302
    (paper,) = _files("talk", talk.pk)
    talker = _client(world, "talker_c1")
    page = talker.get(url).content.decode()
    assert "考核.xlsx" in page and 'id="upload-form"' not in page
    assert (
        talker.post(url, {"files": [SimpleUploadedFile("x.xlsx", xlsx_bytes())]}).status_code == 404
    )
    assert _client(world, "recorder_c1").get(f"/files/{paper.pk}/download/").status_code == 200
    subject = _client(world, "subject_k11")
    assert subject.get(url).status_code == 404
    assert subject.get(f"/files/{paper.pk}/download/").status_code == 404
    assert _client(world, "commission_c2").get(url).status_code == 404
    outline = staff.get(f"/talks/{talk.pk}/outline/").content.decode()
    assert url in outline


def test_the_files_page_costs_the_same_queries_however_many_files(world):
    c = _client(world, "commission_c1")
    url = f"/evidence/findings/{world.finding.code}/files/"
    c.post(url, {"files": [SimpleUploadedFile("一.xlsx", xlsx_bytes())]})
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for n in range(5):
        c.post(url, {"files": [SimpleUploadedFile(f"{n}.xlsx", xlsx_bytes([["单位", n]]))]})
    with CaptureQueriesContext(connection) as many:
        c.get(url)
    assert len(_files("finding", world.finding.pk)) == 6
    assert len(many) == len(few)
