"""The talk's pages: role-aware detail (the subject sees time and place, then the problems,
never the outline), the htmx outline editor, the recorder's JSON saves with conflicts, the
confirmation by password, the printable record; every read of them audited."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document

from tanhua.audit.models import AuditEntry
from tanhua.core.testing import TEST_PASSWORD
from tanhua.talks import printing
from tanhua.talks.models import Outline, OutlineStatus, TalkRecord
from tanhua.talks.services import record as records
from tanhua.talks.tests.helpers import approve_outline, fresh, held_record, talk_world

pytestmark = pytest.mark.django_db
OUTLINE_TEXT = "调研不深入，存在文山会海现象"


@pytest.fixture
def tworld(db):
    return talk_world()


def client_for(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def _sealed(world, talk):
    rec = held_record(world, talk, explanation="被谈话人的说明文字")
    for name in ("talker_c1", "subject_k11"):
        rec = records.confirm(
            actor=world.users[name], talk=talk, password=TEST_PASSWORD, expected_version=rec.version
        )
    return TalkRecord.objects.unscoped("test").get(talk=talk)


def test_before_the_talk_the_subject_sees_only_its_time_and_place(tworld):
    talk = tworld.talks["k11"]
    page = client_for(tworld, "subject_k11").get(reverse("talks:detail", args=[talk.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "市委第三会议室" in html and "2026-06-10 09:00" in html
    assert OUTLINE_TEXT not in html
    assert "东城书记乙" not in html  # not even who talks: time and place only
    assert "谈话提纲" not in html


def test_after_the_talk_the_subject_sees_the_problems_and_never_the_outline(tworld):
    talk = tworld.talks["k11"]
    held_record(tworld, talk, explanation="被谈话人的说明文字")
    subject = client_for(tworld, "subject_k11")
    html = subject.get(reverse("talks:detail", args=[talk.pk])).content.decode()
    assert "文山会海问题突出" in html
    assert OUTLINE_TEXT not in html and "2025年县委发文数量" not in html
    assert subject.get(reverse("talks:outline", args=[talk.pk])).status_code == 404
    api = subject.get(f"/api/v1/talks/{talk.pk}/outline")
    assert api.status_code in {401, 404}


def test_the_subject_never_reaches_anyone_elses_talk(tworld):
    subject = client_for(tworld, "subject_k11")
    for name in ("c2", "secret", "p_gc1", "declared"):
        pk = tworld.talks[name].pk
        for url in ("talks:detail", "talks:outline", "talks:record", "talks:confirm"):
            assert subject.get(reverse(url, args=[pk])).status_code == 404, (name, url)


def test_staff_see_the_whole_talk_and_the_read_is_audited_with_its_rows(tworld):
    talk = tworld.talks["k11"]
    staff = client_for(tworld, "commission_c1")
    before = AuditEntry.objects.count()
    html = staff.get(reverse("talks:detail", args=[talk.pk])).content.decode()
    assert OUTLINE_TEXT in html and "东城书记乙" in html and "甲县书记戊" in html
    entry = AuditEntry.objects.filter(action__in=["cadre.read", "cadre.list"]).last()
    assert AuditEntry.objects.count() > before
    assert set(entry.detail["codes"]) == {"GC1", "GK11"}
    assert entry.detail["rows"]["talk"] == [talk.pk]
    assert "outline" in entry.detail["rows"]


def test_every_read_of_an_outline_or_a_record_is_audited(tworld):
    talk = tworld.talks["k11"]
    held_record(tworld, talk)
    for name, url, model in (
        ("commission_c1", reverse("talks:outline", args=[talk.pk]), "outlineproblem"),
        ("recorder_c1", reverse("talks:record", args=[talk.pk]), "talkrecord"),
        ("subject_k11", reverse("talks:confirm", args=[talk.pk]), "talkrecord"),
    ):
        seq = AuditEntry.objects.order_by("-seq").first().seq
        assert client_for(tworld, name).get(url).status_code == 200
        reads = AuditEntry.objects.filter(seq__gt=seq, action__in=["cadre.read", "cadre.list"])
        assert any(model in (e.detail.get("rows") or {}) for e in reads), (name, url)


def test_staff_edit_the_outline_through_htmx_and_the_talker_approves_it(tworld):
    talk = tworld.talks["k11"]
    url = reverse("talks:outline", args=[talk.pk])
    staff = client_for(tworld, "commission_c1")
    o = Outline.objects.unscoped("test").get(talk=talk)
    page = staff.post(
        url,
        {"action": "add", "version": o.version, "focus_area": "A4", "statement": "政商交往过密"},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200 and "政商交往过密" in page.content.decode()
    assert 'id="outline"' in page.content.decode() and "<html" not in page.content.decode()
    stale = staff.post(
        url,
        {"action": "add", "version": o.version, "focus_area": "A1", "statement": "旧版本上的修改"},
        headers={"HX-Request": "true"},
    )
    assert "已被他人修改" in stale.content.decode()
    o.refresh_from_db()
    staff.post(url, {"action": "submit", "version": o.version}, headers={"HX-Request": "true"})
    o.refresh_from_db()
    talker = client_for(tworld, "talker_c1")
    page = talker.post(
        url, {"action": "approve", "version": o.version}, headers={"HX-Request": "true"}
    )
    assert "提纲已审定" in page.content.decode()
    o.refresh_from_db()
    assert o.status == OutlineStatus.APPROVED
    # Frozen: the editor is gone for staff.
    assert 'name="statement"' not in staff.get(url).content.decode()


def test_a_bad_outline_action_is_a_clear_message_not_an_error(tworld):
    url = reverse("talks:outline", args=[tworld.talks["k11"].pk])
    staff = client_for(tworld, "commission_c1")
    page = staff.post(url, {"action": "add", "version": "x"}, headers={"HX-Request": "true"})
    assert page.status_code == 200 and "页面已过期" in page.content.decode()
    page = staff.post(url, {"action": "add", "version": "1", "focus_area": "A9", "statement": "x"})
    assert page.status_code == 302


def _save(client, talk, body):
    return client.post(
        reverse("talks:record", args=[talk.pk]), json.dumps(body), content_type="application/json"
    )


def test_the_recorders_saves_return_the_new_version_and_a_conflict_the_saved_text(tworld):
    talk = tworld.talks["k11"]
    approve_outline(tworld, talk)
    rec = records.start(actor=tworld.users["recorder_c1"], talk=talk)
    recorder = client_for(tworld, "recorder_c1")
    page = recorder.get(reverse("talks:record", args=[talk.pk])).content.decode()
    assert "tanhua/js/record.js" in page and 'id="record-data"' in page
    assert "<script>" not in page  # no inline script under the CSP
    ok = _save(recorder, talk, {"version": rec.version, "sections": {"explanation": "第一稿"}})
    assert ok.status_code == 200 and ok.json()["version"] == rec.version + 1
    clash = _save(recorder, talk, {"version": rec.version, "sections": {"explanation": "另一稿"}})
    assert clash.status_code == 409
    assert clash.json()["current"]["explanation"] == "第一稿"
    bad = _save(recorder, talk, {"version": rec.version + 1, "problems": [{"focus_area": "Z"}]})
    assert bad.status_code == 422 and "重点方面" in bad.json()["message"]
    assert _save(recorder, talk, "not an object").status_code == 400
    # The talker reads, never writes.
    talker = client_for(tworld, "talker_c1")
    assert _save(talker, talk, {"version": rec.version + 1}).status_code == 404


def test_the_record_page_says_why_it_cannot_start(tworld):
    talk = tworld.talks["k11"]
    page = client_for(tworld, "recorder_c1").get(reverse("talks:record", args=[talk.pk]))
    assert "提纲尚未经谈话人审定" in page.content.decode()


def test_confirming_asks_for_the_password_and_the_second_confirmation_seals(tworld):
    talk = tworld.talks["k11"]
    rec = held_record(tworld, talk)
    url = reverse("talks:confirm", args=[talk.pk])
    talker = client_for(tworld, "talker_c1")
    wrong = talker.post(url, {"password": "nope", "version": rec.version})
    assert wrong.status_code == 422 and "密码不正确" in wrong.content.decode()
    assert talker.post(url, {"password": TEST_PASSWORD, "version": rec.version}).status_code == 302
    rec.refresh_from_db()
    subject = client_for(tworld, "subject_k11")
    assert subject.post(url, {"password": TEST_PASSWORD, "version": rec.version}).status_code == 302
    rec.refresh_from_db()
    assert rec.is_sealed
    html = subject.get(reverse("talks:detail", args=[talk.pk])).content.decode()
    assert rec.content_hash in html
    staff_view = client_for(tworld, "commission_c1").get(reverse("talks:record", args=[talk.pk]))
    assert rec.content_hash in staff_view.content.decode()


def test_a_sealed_record_takes_addenda_on_its_page(tworld):
    talk = tworld.talks["k11"]
    _sealed(tworld, talk)
    recorder = client_for(tworld, "recorder_c1")
    url = reverse("talks:record", args=[talk.pk])
    assert (
        recorder.post(url, {"action": "addendum", "text": "补正：时间应为九时"}).status_code == 302
    )
    assert "补正：时间应为九时" in recorder.get(url).content.decode()
    assert fresh(talk).status == "sealed"


def test_the_printable_record_has_the_header_the_sections_and_signature_lines(tworld):
    talk = tworld.talks["k11"]
    _sealed(tworld, talk)
    response = client_for(tworld, "commission_c1").get(reverse("talks:print", args=[talk.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == printing.DOCX_TYPE
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    for expected in (
        "秘密", "政治监督谈话记录", "东城书记乙", "甲县书记戊（东城甲县委县委书记）",
        "市委第三会议室", "recorder_c1", "一、总体评价", "文山会海问题突出", "被谈话人的说明文字",
        "谈话人（签字）", "被谈话人（签字）", "记录人（签字）", "SHA-256",
    ):  # fmt: skip
        assert expected in text, expected
    export = AuditEntry.objects.filter(action="export", object_type="talk_record").get()
    assert export.detail["format"] == "docx" and export.object_id == str(talk.pk)


@pytest.mark.skipif(printing.soffice() is None, reason="LibreOffice not installed")
def test_the_printable_record_converts_to_pdf_where_libreoffice_is_installed(tworld):
    talk = tworld.talks["k11"]
    response = client_for(tworld, "recorder_c1").get(
        reverse("talks:print", args=[talk.pk]), {"format": "pdf"}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
