"""The import pages: upload → preview → confirm, the error workbook, the template."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tanhua.audit.models import AuditEntry
from tanhua.exchange.models import BatchStatus, ImportBatch
from tanhua.org.models import Organization

from .conftest import CADRE_HEADER, ORG_HEADER, csv_bytes, xlsx_bytes

GOOD_ORGS = [
    ORG_HEADER,
    ["K12", "东城乙县委", "县", "C1", ""],
    ["T121", "乙县一乡", "乡", "K12", ""],
]


def upload(client, *files):
    return client.post(
        reverse("exchange:upload"),
        {"files": [SimpleUploadedFile(name, data) for name, data in files]},
    )


@pytest.fixture
def staff(client, owner):
    client.force_login(owner)
    return client


def test_upload_preview_and_confirm_imports_the_rows(staff, owner):
    response = upload(staff, ("organizations.csv", csv_bytes(GOOD_ORGS)))
    batch = ImportBatch.objects.get(user=owner)
    assert response.status_code == 302
    assert response.url == reverse("exchange:preview", args=[batch.pk])
    assert batch.status == BatchStatus.READY
    assert not Organization.objects.filter(code="K12").exists()

    page = staff.get(response.url)
    html = page.content.decode()
    assert "确认导入" in html and "东城乙县委" in html
    assert page.context["kinds"][0]["counts"] == {"created": 2, "updated": 0, "unchanged": 0}

    done = staff.post(reverse("exchange:confirm", args=[batch.pk]))
    assert done.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    assert Organization.objects.get(code="T121").path == "/P/C1/K12/T121/"
    # Confirming twice imports once.
    staff.post(reverse("exchange:confirm", args=[batch.pk]))
    assert AuditEntry.objects.filter(action="import.apply").count() == 1


def test_a_rejected_upload_lists_problems_by_row_and_offers_the_error_workbook(staff, owner):
    bad = [CADRE_HEADER, ["G1", "甲", "省管", ""], ["G2", "乙", "部管", "男"]]
    upload(staff, ("cadres.csv", csv_bytes(bad)))
    batch = ImportBatch.objects.get(user=owner)
    assert batch.status == BatchStatus.REJECTED
    page = staff.get(reverse("exchange:preview", args=[batch.pk])).content.decode()
    assert "“部管”不是有效的取值" in page and "确认导入" not in page
    response = staff.get(reverse("exchange:errors", args=[batch.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    rows = [[c.value for c in r] for r in wb.worksheets[1].iter_rows()]
    assert rows[0][-1] == "错误" and rows[1][-1] is None
    assert "tier: “部管”不是有效的取值" in rows[2][-1]
    assert AuditEntry.objects.filter(action="export", object_type="import_errors").exists()


def test_confirming_a_rejected_batch_writes_nothing(staff, owner):
    upload(staff, ("cadres.csv", csv_bytes([CADRE_HEADER, ["G1", "甲", "部管", ""]])))
    batch = ImportBatch.objects.get(user=owner)
    staff.post(reverse("exchange:confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REJECTED


def test_a_workbook_upload_previews_each_sheet(staff, owner):
    data = xlsx_bytes({"组织": GOOD_ORGS, "干部": [CADRE_HEADER, ["GN", "新人", "县管", "女"]]})
    upload(staff, ("batch.xlsx", data))
    batch = ImportBatch.objects.get(user=owner)
    page = staff.get(reverse("exchange:preview", args=[batch.pk]))
    assert [k["kind"] for k in page.context["kinds"]] == ["organizations", "cadres"]


def test_the_form_requires_a_file(staff):
    response = staff.post(reverse("exchange:upload"), {})
    assert "请选择要导入的文件" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_form_refuses_other_extensions(staff):
    response = upload(staff, ("organizations.txt", b"code\n"))
    assert "只能上传 .xlsx 或 .csv 文件" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_another_users_batch_answers_not_found(client, owner, colleague):
    client.force_login(owner)
    upload(client, ("organizations.csv", csv_bytes(GOOD_ORGS)))
    batch = ImportBatch.objects.get(user=owner)
    client.force_login(colleague)
    assert client.get(reverse("exchange:preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("exchange:confirm", args=[batch.pk])).status_code == 404
    assert not Organization.objects.filter(code="K12").exists()


def test_the_template_downloads_as_a_workbook(staff):
    response = staff.get(reverse("exchange:template"))
    assert load_workbook(io.BytesIO(response.content)).sheetnames == [
        "组织",
        "干部",
        "职务",
        "谈话",
        "民主生活会",
        "指标",
        "指标值",
        "问题",
        "整改台账",
    ]


def test_the_upload_page_lists_only_the_users_own_batches(staff, owner, colleague):
    from tanhua.exchange.testing import make_rejected_batch

    mine, theirs = make_rejected_batch(owner), make_rejected_batch(colleague)
    page = staff.get(reverse("exchange:upload"))
    assert list(page.context["batches"]) == [mine]
    assert theirs not in page.context["batches"]


@pytest.mark.parametrize("rows", [2, 200])
def test_the_preview_costs_the_same_queries_however_many_rows(
    staff, owner, rows, django_assert_max_num_queries
):
    body = [ORG_HEADER] + [[f"K{i:03d}", f"县{i}", "县", "C1", ""] for i in range(rows)]
    upload(staff, ("organizations.csv", csv_bytes(body)))
    batch = ImportBatch.objects.get(user=owner)
    with django_assert_max_num_queries(8):
        response = staff.get(reverse("exchange:preview", args=[batch.pk]))
    assert response.context["kinds"][0]["counts"]["created"] == rows
