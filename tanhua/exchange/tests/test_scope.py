"""Imports resolve what they name as the importer sees it: past scope, clearance and 回避
nothing is written, and nothing stored is revealed (issue 6, items 2 and 3)."""

from __future__ import annotations

import pytest

from tanhua.accounts.models import ConflictDeclaration
from tanhua.audit.models import AuditEntry
from tanhua.core.classification import Classification
from tanhua.core.testing import CadreFactory
from tanhua.exchange.services import ImportRejected, import_tables
from tanhua.org.messages import CODE_UNAVAILABLE
from tanhua.org.models import Cadre, Position

UNKNOWN_CADRE = "干部编号“{}”不存在或不在您的管辖范围内"


def refused(tables, actor):
    with pytest.raises(ImportRejected) as exc:
        import_tables(tables, actor=actor, dry_run=True)
    return exc.value


def lines(exc):
    return [(p.row, p.column, p.message) for p in exc.problems]


def post(cadre_code, org_code="K11", title="顾问"):
    return {
        "cadre_code": cadre_code,
        "org_code": org_code,
        "title": title,
        "principal": "否",
        "start": "2021-01-01",
    }


def declare(user, cadre):
    ConflictDeclaration.objects.create(user=user, cadre=cadre, reason="kin", detail="配偶兄弟")


# -- cadres ----------------------------------------------------------------------------------
def test_a_city_user_cannot_change_a_province_cadre_by_importing_cadres(owner, world):
    with pytest.raises(ImportRejected) as exc:
        import_tables(
            {"cadres": [{"code": "GP1", "name": "省委书记甲", "tier": "县管"}]}, actor=owner
        )
    assert lines(exc.value) == [(2, "code", str(CODE_UNAVAILABLE))]
    assert Cadre.objects.unscoped("test").get(code="GP1").tier == "central"


def test_a_cadre_above_the_importers_clearance_cannot_be_renamed(owner, world):
    with pytest.raises(ImportRejected) as exc:
        import_tables(
            {"cadres": [{"code": "GSECRET", "name": "改名", "tier": "市管"}]}, actor=owner
        )
    assert lines(exc.value) == [(2, "code", str(CODE_UNAVAILABLE))]
    assert Cadre.objects.unscoped("test").get(code="GSECRET").name == "机密干部庚"


def test_a_cadre_row_reads_the_same_whatever_hides_the_cadre(owner, world):
    declare(owner, world.cadres["GK11"])
    hidden = {
        "GP1": "省委书记甲",  # out of scope, right name
        "GC2": "改个名字",  # out of scope, wrong name
        "GSECRET": "机密干部庚",  # above clearance, right name
        "GK11": "甲县书记戊",  # declared 回避, right name
    }
    rows = [{"code": code, "name": name, "tier": "市管"} for code, name in hidden.items()]
    exc = refused({"cadres": rows}, owner)
    assert lines(exc) == [(row, "code", str(CODE_UNAVAILABLE)) for row in range(2, 6)]


def test_a_visible_cadre_is_still_updated_by_import(owner, world):
    report = import_tables(
        {"cadres": [{"code": "GK11", "name": "甲县书记戊", "tier": "县管"}]}, actor=owner
    )
    assert report.counts["cadres"].updated == 1
    assert Cadre.objects.visible_to(owner).get(code="GK11").tier == "county"


# -- positions -------------------------------------------------------------------------------
def test_a_positions_row_cannot_claim_an_out_of_scope_cadre(owner, world):
    exc = refused({"positions": [post("GC2")]}, owner)
    assert lines(exc) == [(2, "cadre_code", UNKNOWN_CADRE.format("GC2"))]
    with pytest.raises(ImportRejected):
        import_tables({"positions": [post("GC2")]}, actor=owner)
    assert not Position.objects.unscoped("test").filter(title="顾问").exists()
    assert not Cadre.objects.visible_to(owner).filter(code="GC2").exists()


def test_a_positions_row_reads_the_same_for_absent_hidden_secret_and_declared_cadres(owner, world):
    declare(owner, world.cadres["GK11"])
    codes = ["NOBODY", "GC2", "GSECRET", "GK11"]
    exc = refused({"positions": [post(code) for code in codes]}, owner)
    assert lines(exc) == [
        (row, "cadre_code", UNKNOWN_CADRE.format(code)) for row, code in enumerate(codes, 2)
    ]


def test_a_preview_never_reveals_a_declared_cadres_existing_post(owner, world):
    # GK11 holds 县委书记 at K11 since 2020-01-01: the same row would read 未变.
    declare(owner, world.cadres["GK11"])
    row = post("GK11", title="县委书记") | {"principal": "是", "start": "2020-01-01"}
    exc = refused({"positions": [row]}, owner)
    assert lines(exc) == [(2, "cadre_code", UNKNOWN_CADRE.format("GK11"))]


def test_a_cadre_without_a_post_may_be_given_a_first_post_as_through_the_api(owner, world):
    CadreFactory(code="GNEW", name="新任干部", tier="county")
    report = import_tables({"positions": [post("GNEW")]}, actor=owner)
    assert report.counts["positions"].created == 1
    assert Cadre.objects.visible_to(owner).filter(code="GNEW").exists()


def test_a_postless_cadre_above_clearance_cannot_be_claimed(owner, world):
    CadreFactory(code="GNEW", name="新任干部", classification=Classification.CONFIDENTIAL)
    exc = refused({"positions": [post("GNEW")]}, owner)
    assert lines(exc) == [(2, "cadre_code", UNKNOWN_CADRE.format("GNEW"))]


def test_the_operator_command_line_still_sees_every_cadre(world):
    report = import_tables(
        {"cadres": [{"code": "GSECRET", "name": "机密干部庚", "tier": "市管"}]}, actor=None
    )
    assert report.counts["cadres"].unchanged == 1


# -- organization codes ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["西城市委", "猜错的名字"])
def test_an_out_of_scope_organization_code_gets_one_line_whatever_the_row_says(owner, world, name):
    exc = refused(
        {"organizations": [{"code": "C2", "name": name, "level": "市", "parent_code": "P"}]},
        owner,
    )
    assert lines(exc) == [(2, "code", str(CODE_UNAVAILABLE))]


def test_an_unknown_and_an_out_of_scope_parent_read_the_same(owner, world):
    rows = [
        {"code": "K21", "name": "新县委", "level": "县", "parent_code": "C2"},
        {"code": "K22", "name": "新县委二", "level": "县", "parent_code": "NOPE"},
    ]
    exc = refused({"organizations": rows}, owner)
    assert lines(exc) == [
        (2, "parent_code", "上级编码“C2”不存在或不在您的管辖范围内"),
        (3, "parent_code", "上级编码“NOPE”不存在或不在您的管辖范围内"),
    ]


def test_refused_code_rows_are_counted_in_the_audit_trail(owner, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tanhua.exchange.services import create_batch

    settings.MEDIA_ROOT = tmp_path
    data = "code,name,tier\nGP1,x,县管\nGC2,y,县管\nGNEW9,z,县管\n".encode()
    batch = create_batch(user=owner, files=[SimpleUploadedFile("cadres.csv", data)])
    entry = AuditEntry.objects.get(action="import.upload", object_id=str(batch.pk))
    assert entry.result == "denied"
    assert entry.detail["code_unavailable"] == 2


def test_re_importing_ones_own_city_under_its_hidden_parent_changes_nothing(owner, world):
    row = {"code": "C1", "name": "东城市委", "level": "市", "parent_code": "P"}
    report = import_tables({"organizations": [row]}, actor=owner)
    assert report.counts["organizations"].unchanged == 1


def test_raising_ones_own_city_to_its_hidden_parents_level_quotes_nothing(owner, world):
    row = {"code": "C1", "name": "东城市委", "level": "省", "parent_code": "P"}
    exc = refused({"organizations": [row]}, owner)
    assert lines(exc) == [(2, "level", "层级必须低于上级组织的层级")]
