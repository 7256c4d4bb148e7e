"""Files on a progress report through the REST API: sent base64 in the report's JSON body,
checked by content like the page's uploads, listed back under the report; a bad file or an
oversized body refuses the report in Chinese and keeps nothing."""

from __future__ import annotations

import base64

import pytest

from tanhua.files.models import Attachment
from tanhua.files.testing import docx_bytes, pdf_bytes
from tanhua.rectification.models import ProgressReport
from tanhua.rectification.tests import lists_fixtures
from tanhua.rectification.tests.test_lists_api import BODY, _ok
from tanhua.talks.tests.test_api_journey import Api

year, sealed, users = lists_fixtures.year, lists_fixtures.sealed, lists_fixtures.users

PDF = pdf_bytes("meeting minutes 2026")
DOCX = docx_bytes("调研台账：共走访 12 个单位")


@pytest.fixture
def measure(sealed, users):
    subject, talker = Api(users["subject_k11"]), Api(users["talker_c1"])
    path = f"/talks/{sealed.pk}/plan"
    _ok(subject.send("PUT", path, BODY))
    _ok(subject.send("POST", f"{path}/submit"))
    _ok(talker.send("POST", f"{path}/approve"))
    return _ok(subject.get("/measures", mine="true"))["items"][0]


def _report(user, measure, files):
    body = {"text": "已建立台账", "files": files}
    return Api(user).send("POST", f"/measures/{measure['id']}/progress", body)


def test_a_progress_report_through_the_api_carries_its_files_and_lists_them(users, measure):
    files = [
        # Wrapped at 76 characters, as the `base64` tool writes it.
        {"name": "台账.docx", "content_base64": base64.encodebytes(DOCX).decode()},
        {"name": "会议纪要.pdf", "content_base64": base64.b64encode(PDF).decode()},
    ]
    out = _ok(_report(users["subject_k11"], measure, files))
    (report,) = out["reports"]
    assert sorted((f["name"], f["size"]) for f in report["files"]) == sorted(
        [("台账.docx", len(DOCX)), ("会议纪要.pdf", len(PDF))]
    )
    # Another reader of the measure sees the same files under the report.
    seen = _ok(Api(users["talker_c1"]).get(f"/measures/{measure['id']}"))
    assert [f["id"] for f in seen["reports"][0]["files"]] == [f["id"] for f in report["files"]]


def test_a_file_that_is_not_base64_is_refused_by_its_place_and_nothing_is_kept(users, measure):
    files = [{"name": "a.pdf", "content_base64": "这不是base64"}]
    response = _report(users["subject_k11"], measure, files)
    assert response.status_code == 422
    (detail,) = response.json()["detail"]
    assert detail["loc"][-3:] == ["files", 0, "content_base64"] and "base64" in detail["msg"]
    assert not ProgressReport.objects.unscoped("test").exists()


def test_a_file_refused_by_its_content_refuses_the_whole_report(users, measure):
    program = base64.b64encode(b"MZ\x90\x00" + b"\x00" * 200).decode()
    files = [
        {"name": "ok.docx", "content_base64": base64.b64encode(DOCX).decode()},
        {"name": "setup.exe", "content_base64": program},
    ]
    response = _report(users["subject_k11"], measure, files)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["msg"].startswith("setup.exe：")
    assert not ProgressReport.objects.unscoped("test").exists()
    assert not Attachment.objects.unscoped("test").exists()


def test_a_body_over_the_size_limit_is_refused_in_chinese_not_a_server_error(
    users, measure, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    files = [{"name": "big.pdf", "content_base64": base64.b64encode(PDF * 20).decode()}]
    response = _report(users["subject_k11"], measure, files)
    assert response.status_code == 413
    assert "10 MB" in response.json()["detail"] or "过大" in response.json()["detail"]
    assert not ProgressReport.objects.unscoped("test").exists()


def test_more_than_ten_files_are_refused_saying_how_many_may_go(users, measure):
    one = {"name": "a.pdf", "content_base64": base64.b64encode(PDF).decode()}
    response = _report(users["subject_k11"], measure, [one] * 11)
    assert response.status_code == 422
    assert "最多10项" in response.json()["detail"][0]["msg"]
