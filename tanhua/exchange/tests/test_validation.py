"""Validation rules of the import, one test each, with the exact row and column reported."""

from __future__ import annotations

import datetime as dt

import pytest

from tanhua.audit.models import AuditEntry
from tanhua.core.testing import CadreFactory, OrganizationFactory
from tanhua.exchange.services import ImportRejected, import_tables
from tanhua.org.models import Cadre, Level, Organization, Position


def rejected(tables, **kwargs):
    with pytest.raises(ImportRejected) as exc:
        import_tables(tables, actor=None, **kwargs)
    return exc.value.problems


def only(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def org(code, name, level, parent=""):
    return {"code": code, "name": name, "level": level, "parent_code": parent}


def test_a_missing_required_value_names_row_and_column(db):
    p = only(rejected({"organizations": [org("A", "", "省")]}))
    assert (p.source, p.row, p.column) == ("organizations", 2, "name")
    assert "不能为空" in p.message


def test_a_code_outside_the_pattern_is_refused(db):
    p = only(rejected({"organizations": [org("A", "省", "省"), org("坏 码", "市", "市", "A")]}))
    assert (p.row, p.column) == (3, "code")
    assert "编码“坏 码”无效" in p.message


def test_a_duplicate_code_in_the_file_points_at_the_first_occurrence(db):
    p = only(rejected({"organizations": [org("A", "省", "省"), org("A", "又一省", "省")]}))
    assert (p.row, p.column) == (3, "code")
    assert "第2行重复" in p.message


def test_an_unknown_parent_code_is_refused(db):
    p = only(rejected({"organizations": [org("A", "市", "市", "NOPE")]}))
    assert (p.row, p.column) == (2, "parent_code")
    assert p.message == "上级编码“NOPE”不存在"


def test_an_unknown_cadre_code_in_a_position_is_refused(db):
    OrganizationFactory(code="A", level=Level.PROVINCE)
    row = {
        "cadre_code": "GX",
        "org_code": "A",
        "title": "书记",
        "principal": "是",
        "start": "2020-01-01",
    }
    p = only(rejected({"positions": [row]}))
    assert (p.row, p.column) == (2, "cadre_code")
    assert p.message == "干部编号“GX”不存在"


def test_an_unknown_organization_code_in_a_position_is_refused(db):
    CadreFactory(code="G1")
    row = {
        "cadre_code": "G1",
        "org_code": "NOPE",
        "title": "书记",
        "principal": "是",
        "start": "2020-01-01",
    }
    p = only(rejected({"positions": [row]}))
    assert (p.row, p.column) == (2, "org_code")
    assert p.message == "组织编码“NOPE”不存在"


def test_a_cycle_in_the_tree_is_refused_on_each_row_in_it(db):
    problems = rejected({"organizations": [org("A", "甲", "市", "B"), org("B", "乙", "县", "A")]})
    assert [(p.row, p.column) for p in problems] == [(2, "parent_code"), (3, "parent_code")]
    assert all("循环" in p.message for p in problems)


def test_a_cycle_through_the_database_is_refused(db):
    a = OrganizationFactory(code="A", level=Level.CITY)
    OrganizationFactory(code="B", level=Level.COUNTY, parent=a)
    p = only(rejected({"organizations": [org("A", "甲", "市", "B")]}))
    assert (p.row, p.column) == (2, "parent_code")
    assert "循环" in p.message


def test_a_child_level_not_below_its_parent_is_refused(db):
    p = only(rejected({"organizations": [org("A", "甲市", "市"), org("B", "乙市", "市", "A")]}))
    assert (p.row, p.column) == (3, "level")
    assert p.message == "层级“市”必须低于上级组织“甲市”的层级“市”"


def test_raising_a_parent_to_its_stored_childs_level_is_refused(db):
    a = OrganizationFactory(code="A", name="甲", level=Level.CITY)
    OrganizationFactory(code="B", name="乙县", level=Level.COUNTY, parent=a)
    p = only(rejected({"organizations": [org("A", "甲", "县")]}))
    assert (p.row, p.column) == (2, "level")
    assert "乙县" in p.message


@pytest.mark.parametrize(
    ("kind", "row", "column"),
    [
        ("organizations", org("A", "甲", "国家级"), "level"),
        ("cadres", {"code": "G1", "name": "甲", "tier": "部管"}, "tier"),
        ("cadres", {"code": "G1", "name": "甲", "tier": "省管", "gender": "未知"}, "gender"),
    ],
)
def test_a_value_outside_an_enumeration_is_refused(db, kind, row, column):
    p = only(rejected({kind: [row]}))
    assert (p.row, p.column) == (2, column)
    assert "不是有效的取值" in p.message


def _position(**changes):
    row = {
        "cadre_code": "G1",
        "org_code": "A",
        "title": "书记",
        "principal": "是",
        "start": "2020-05-14",
        "end": "",
    }
    return {**row, **changes}


@pytest.fixture
def holder(db):
    OrganizationFactory(code="A", level=Level.PROVINCE)
    CadreFactory(code="G1")


def test_a_principal_flag_that_is_not_yes_or_no_is_refused(holder):
    p = only(rejected({"positions": [_position(principal="也许")]}))
    assert (p.row, p.column) == (2, "principal")


def test_an_impossible_date_is_refused(holder):
    p = only(rejected({"positions": [_position(start="2020-02-30")]}))
    assert (p.row, p.column) == (2, "start")
    assert "日期“2020-02-30”无效" in p.message


def test_an_end_before_the_start_is_refused(holder):
    p = only(rejected({"positions": [_position(end="2019-01-01")]}))
    assert (p.row, p.column) == (2, "end")
    assert p.message == "免职日期不能早于任职日期"


@pytest.mark.parametrize(
    "written", ["2020-05-14", "2020/5/14", "2020年5月14日", dt.date(2020, 5, 14)]
)
def test_dates_are_read_in_the_usual_chinese_spellings(holder, written):
    import_tables({"positions": [_position(start=written)]}, actor=None)
    assert Position.objects.unscoped("test").get(cadre__code="G1").start == dt.date(2020, 5, 14)


@pytest.mark.parametrize(
    ("kind", "row", "column", "limit"),
    [
        ("organizations", org("A", "名" * 101, "省"), "name", 100),
        ("cadres", {"code": "G1", "name": "名" * 51, "tier": "省管"}, "name", 50),
    ],
)
def test_over_long_text_is_refused(db, kind, row, column, limit):
    p = only(rejected({kind: [row]}))
    assert (p.row, p.column) == (2, column)
    assert f"超过{limit}个字符" in p.message


def test_an_over_long_title_is_refused(holder):
    p = only(rejected({"positions": [_position(title="职" * 101)]}))
    assert (p.row, p.column) == (2, "title")
    assert "超过100个字符" in p.message


def test_control_characters_are_refused_rather_than_stored(db):
    p = only(rejected({"organizations": [org("A", "甲\x00省", "省")]}))
    assert (p.row, p.column) == (2, "name")


def test_the_ledger_kind_names_its_missing_columns(db):
    # `measures` was refused by name until issue 11 imported it.
    problems = rejected({"measures": [{"problem": "问题"}]})
    assert any("缺少必填列“被谈话人编号”" in p.message for p in problems)


def test_a_missing_required_column_is_refused(db):
    p = only(rejected({"cadres": [{"code": "G1", "name": "甲"}]}))
    assert p.row == 1
    assert "缺少必填列“管理层级”" in p.message


def test_unknown_columns_are_reported_as_warnings_and_ignored(db):
    report = import_tables({"organizations": [{**org("A", "甲", "省"), "remark": "x"}]}, actor=None)
    assert [w.column for w in report.warnings] == ["remark"]
    assert Organization.objects.filter(code="A").exists()


def test_problems_print_as_one_line_each(db):
    p = only(rejected({"organizations": [org("A", "甲", "市", "NOPE")]}, source="x.xlsx"))
    assert str(p) == "x.xlsx[organizations] 第2行 parent_code: 上级编码“NOPE”不存在"


def test_chinese_enumeration_words_are_stored_as_codes(small_set, db):
    import_tables(small_set, actor=None)
    assert Organization.objects.get(code="XK1").level == Level.COUNTY
    assert Cadre.objects.unscoped("test").get(code="XG1").tier == "provincial"
    assert Cadre.objects.unscoped("test").get(code="XG2").gender == "female"
    assert Position.objects.unscoped("test").get(cadre__code="XG1").principal is True


def test_nothing_is_written_when_any_row_is_bad(small_set, db):
    small_set["positions"][2]["start"] = "2020-13-01"
    before = AuditEntry.objects.count()
    problems = rejected(small_set)
    assert [(p.source, p.row, p.column) for p in problems] == [("positions", 4, "start")]
    assert not Organization.objects.filter(code__startswith="X").exists()
    assert not Cadre.objects.unscoped("test").filter(code__startswith="X").exists()
    assert AuditEntry.objects.count() == before
