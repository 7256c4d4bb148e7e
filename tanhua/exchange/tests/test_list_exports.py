"""Every list page exports what it shows as xlsx: scoped, escaped, audited, signed."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from tanhua.audit.models import AuditEntry
from tanhua.org import services as org_services


def sheet_of(response) -> list[list]:
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def cells(rows) -> set:
    return {c for row in rows for c in row if c is not None}


def test_the_cadre_list_exports_every_row_of_its_filter_in_scope(client, owner):
    client.force_login(owner)
    rows = sheet_of(client.get(reverse("org:cadre_list"), {"q": "书记", "export": "xlsx"}))
    assert rows[0][0] == "干部名单"
    assert any("commission_c1" in str(c) or "导出人" in str(c) for c in rows[1])
    found = cells(rows)
    assert "GK11" in found and "甲县书记戊" in found
    assert "GC2" not in found and "机密干部庚" not in found


def test_the_export_is_audited_with_its_rows_and_the_people_are_named(client, owner):
    client.force_login(owner)
    client.get(reverse("org:cadre_list"), {"export": "xlsx"})
    export = AuditEntry.objects.get(action="export")
    assert export.object_type == "cadre" and export.detail["rows"] == 4
    read = AuditEntry.objects.get(action="cadre.list")
    assert set(read.detail["codes"]) == {"GC1", "GC1M", "GK11", "GT111"}


def test_a_formula_in_a_name_is_exported_as_text(client, owner, world):
    org_services.update_cadre(actor=None, cadre=world.cadres["GK11"], name="=HYPERLINK(1)")
    client.force_login(owner)
    rows = sheet_of(client.get(reverse("org:cadre_list"), {"export": "xlsx"}))
    assert "'=HYPERLINK(1)" in cells(rows)


def test_an_organization_exports_its_posts_and_its_children(client, owner):
    client.force_login(owner)
    url = reverse("org:organization_detail", kwargs={"code": "K11"})
    posts = cells(sheet_of(client.get(url, {"export": "xlsx", "list": "posts"})))
    assert "县委书记" in posts and "甲县书记戊" in posts
    children = cells(sheet_of(client.get(url, {"export": "xlsx", "list": "children"})))
    assert "T111" in children


def test_a_role_without_people_cannot_export_posts(client, world):
    client.force_login(world.users["viewer_c1"])
    url = reverse("org:organization_detail", kwargs={"code": "K11"})
    assert client.get(url, {"export": "xlsx", "list": "posts"}).status_code == 404


def test_the_users_list_exports_for_the_security_administrator(client, world):
    client.force_login(world.users["secadmin"])
    rows = sheet_of(client.get(reverse("accounts:user_list"), {"export": "xlsx"}))
    assert "commission_c1" in cells(rows)
    assert AuditEntry.objects.filter(action="export", object_type="user").exists()


def test_the_list_pages_offer_the_export(client, owner):
    client.force_login(owner)
    assert "export=xlsx" in client.get(reverse("org:cadre_list")).content.decode()


def test_an_export_past_the_row_limit_says_where_it_stops(client, owner, monkeypatch):
    from tanhua.exchange import listing

    monkeypatch.setattr(listing, "MAX_ROWS", 2)
    client.force_login(owner)
    rows = sheet_of(client.get(reverse("org:cadre_list"), {"export": "xlsx"}))
    assert any("仅导出前 2 行" in str(c) for c in cells(rows))
