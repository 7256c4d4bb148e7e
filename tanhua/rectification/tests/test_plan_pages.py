"""The pages of the 三清单: the plan page for each part, the measure page, 我的整改, the
waiting list and the ledger export."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tanhua.audit.models import AuditEntry
from tanhua.rectification.models import Measure, PlanStatus, RectificationPlan
from tanhua.rectification.testing_lists import file_plan, seal_talk
from tanhua.rectification.tests import lists_fixtures

year, sealed, users = lists_fixtures.year, lists_fixtures.sealed, lists_fixtures.users


def _as(client, user):
    client.force_login(user)
    return client


def test_the_subject_starts_files_and_submits_the_lists_on_the_page(client, sealed, users):
    c = _as(client, users["subject_k11"])
    url = reverse("rectification:plan", kwargs={"pk": sealed.pk})
    assert "开始填报整改清单" in c.get(url).content.decode()
    c.post(url, {"action": "start"})
    plan = RectificationPlan.objects.unscoped("test").get(talk=sealed)
    html = c.get(url).content.decode()
    assert "调研不深入" in html and "新增整改举措" in html
    from tanhua.rectification.models import Problem

    for p in Problem.objects.unscoped("test").filter(plan=plan):
        plan.refresh_from_db()
        c.post(url, {
            "action": "add_measure", "version": plan.version, "problem": p.pk,
            "text": "建立常态化调研机制", "owner_code": "GK11", "deadline": "2026-10-31",
            "kind": "immediate", "target_value": "190", "target_unit": "项",
        })  # fmt: skip
    plan.refresh_from_db()
    assert Measure.objects.unscoped("test").filter(talk=sealed).count() == 2
    response = c.post(url, {"action": "submit", "version": plan.version}, follow=True)
    assert "已提交审核" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_a_bad_measure_says_which_field_and_why(client, sealed, users):
    c = _as(client, users["subject_k11"])
    url = reverse("rectification:plan", kwargs={"pk": sealed.pk})
    c.post(url, {"action": "start"})
    plan = RectificationPlan.objects.unscoped("test").get(talk=sealed)
    from tanhua.rectification.models import Problem

    p = Problem.objects.unscoped("test").filter(plan=plan).first()
    html = c.post(
        url,
        {"action": "add_measure", "version": plan.version, "problem": p.pk, "text": "举措",
         "owner_code": "GK11", "deadline": "2026-13-45", "kind": "immediate"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert "整改时限：" in html
    html = c.post(
        url,
        {"action": "add_measure", "version": plan.version, "problem": p.pk, "text": "举措",
         "owner_code": "GC2", "deadline": "2026-10-01", "kind": "immediate"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert "第1个问题的第1条举措：责任人或责任单位编码“GC2”不存在" in html


def test_the_talker_approves_on_the_page_and_the_versions_show(client, sealed, users):
    plan = file_plan(sealed, users["subject_k11"])
    c = _as(client, users["talker_c1"])
    url = reverse("rectification:plan", kwargs={"pk": sealed.pk})
    html = c.get(url).content.decode()
    assert "审核通过" in html and "退回修改" in html
    c.post(url, {"action": "approve", "version": plan.version})
    html = c.get(url).content.decode()
    assert "历史版本（2）" in html
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    assert reverse("rectification:measure", kwargs={"pk": m.pk}) in html


@pytest.mark.parametrize("name", ["recorder_c1", "commission_c2", "viewer_c1", "auditor"])
def test_who_plays_no_part_in_the_lists_gets_not_found(client, sealed, users, name):
    file_plan(sealed, users["subject_k11"], users["talker_c1"])
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    c = _as(client, users[name])
    assert c.get(reverse("rectification:plan", kwargs={"pk": sealed.pk})).status_code == 404
    assert c.get(reverse("rectification:measure", kwargs={"pk": m.pk})).status_code == 404


def test_the_owner_reports_progress_with_a_file_on_the_measure_page(client, sealed, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tanhua.files.testing import docx_bytes

    file_plan(sealed, users["subject_k11"], users["talker_c1"], target=190, unit="项")
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    c = _as(client, users["subject_k11"])
    url = reverse("rectification:measure", kwargs={"pk": m.pk})
    upload = SimpleUploadedFile("佐证.docx", docx_bytes("机制清单"))
    response = c.post(
        url, {"action": "progress", "version": m.version, "text": "已建立120项", "value": "120",
              "files": upload}, follow=True,
    )  # fmt: skip
    html = response.content.decode()
    assert "已报告整改进展" in html and "佐证.docx" in html and "120 / 190 项" in html


def test_my_measures_and_the_waiting_list_stay_flat_in_queries_as_rows_grow(
    client, year, users, world
):
    from tanhua.core.testing import CadreFactory, PositionFactory
    from tanhua.talks.testing import TalkFactory

    talker = users["talker_c1"]

    def add_talk(i):
        cadre = CadreFactory(code=f"GQ{i}")
        PositionFactory(cadre=cadre, organization=world.orgs["K11"], title="副县长")
        talk = TalkFactory(
            campaign=year.campaigns["C1"], talker=world.cadres["GC1"], subject=cadre,
            subject_org=world.orgs["K11"],
        )  # fmt: skip
        seal_talk(talk)
        file_plan(talk, users["commission_c1"])

    def count():
        c = _as(client, talker)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("rectification:waiting")).status_code == 200
        return len(ctx)

    add_talk(1)
    few = count()
    for i in range(2, 7):
        add_talk(i)
    assert count() == few


def test_the_ledger_exports_in_the_import_columns_escaped_and_audited(client, sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"])
    Measure.objects.unscoped("test").filter(talk=sealed).update(text='=HYPERLINK("x")')
    c = _as(client, users["commission_c1"])
    campaign = sealed.campaign
    response = c.get(reverse("rectification:ledger_export", kwargs={"pk": campaign.pk}))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[1][0].startswith("导出人：commission_c1")
    header = next(r for r in rows if r and str(r[0]).startswith("年度"))
    assert [h.split("（")[1].rstrip("）") for h in header[:8]] == [
        "campaign", "subject_code", "problem", "focus_area", "measure", "owner_code",
        "deadline", "status",
    ]  # fmt: skip
    data = [r for r in rows if r and r[1] == "GK11"]
    assert len(data) == 2 and data[0][4].startswith("'=")
    assert AuditEntry.objects.filter(action="export", object_type="measure").exists()


def test_the_exported_ledger_with_a_row_added_imports_back_as_it_is(
    client, sealed, users, tmp_path
):
    from tanhua.exchange.services import import_files

    file_plan(sealed, users["subject_k11"], users["talker_c1"])
    # A text a spreadsheet would run as a formula: exported with an apostrophe, read back without.
    first = Measure.objects.unscoped("test").filter(talk=sealed).order_by("pk").first()
    Measure.objects.unscoped("test").filter(pk=first.pk).update(text="-每季度通报一次")
    c = _as(client, users["commission_c1"])
    url = reverse("rectification:ledger_export", kwargs={"pk": sealed.campaign.pk})
    wb = load_workbook(io.BytesIO(b"".join(c.get(url).streaming_content)))
    sheet = wb.active
    row = next(r for r in sheet.iter_rows(values_only=True) if r and r[1] == "GK11")
    added = list(row[:8])
    added[4], added[7] = "新增：建立谈心谈话制度", "open"
    sheet.append(added)
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    report = import_files([path], actor=users["commission_c1"])
    counts = report.counts["measures"]
    assert (counts.created, counts.unchanged) == (1, 2)
    texts = set(Measure.objects.unscoped("test").filter(talk=sealed).values_list("text", flat=True))
    assert {"-每季度通报一次", "新增：建立谈心谈话制度"} <= texts


def test_the_ledger_export_answers_not_found_for_a_sibling_citys_campaign(client, year, users):
    c = _as(client, users["commission_c1"])
    url = reverse("rectification:ledger_export", kwargs={"pk": year.campaigns["C2"].pk})
    assert c.get(url).status_code == 404


def test_my_measures_lists_the_owners_open_measures(client, sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"])
    html = _as(client, users["subject_k11"]).get(reverse("rectification:mine")).content.decode()
    assert "整改：调研不深入" in html


def test_the_talk_page_links_to_its_lists_once_sealed(client, sealed, users):
    html = (
        _as(client, users["subject_k11"])
        .get(reverse("talks:detail", kwargs={"pk": sealed.pk}))
        .content.decode()
    )
    assert reverse("rectification:plan", kwargs={"pk": sealed.pk}) in html


def test_the_work_page_shows_the_talker_what_awaits_and_the_owner_their_measures(
    client, sealed, users
):
    plan = file_plan(sealed, users["subject_k11"])
    html = _as(client, users["talker_c1"]).get(reverse("core:home")).content.decode()
    assert "整改待您审批" in html
    assert reverse("rectification:plan", kwargs={"pk": sealed.pk}) in html
    from tanhua.rectification.services import plan as plans

    plans.approve(actor=users["talker_c1"], talk=sealed, expected_version=plan.version)
    html = _as(client, users["subject_k11"]).get(reverse("core:home")).content.decode()
    assert "我的整改举措" in html and "整改：调研不深入" in html
