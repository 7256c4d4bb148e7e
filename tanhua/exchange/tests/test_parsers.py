"""Reading files: encodings, headers, calamine's cell types, and every refusal of a bad file."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from tanhua.exchange.services import ImportRejected, import_files
from tanhua.org.models import Cadre, Organization, Position

from .conftest import CADRE_HEADER, ORG_HEADER, POSITION_HEADER, xlsx_bytes

ORGS = [ORG_HEADER, ["P9", "样省", "省", "", ""], ["C9", "样市", "市", "P9", "党组"]]


def rejected(paths, **kwargs):
    with pytest.raises(ImportRejected) as exc:
        import_files(paths, actor=None, **kwargs)
    return exc.value.problems


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(db, write, encoding):
    path = write("organizations.csv", ORGS, encoding=encoding)
    import_files([path], actor=None)
    assert Organization.objects.get(code="C9").name == "样市"
    assert Organization.objects.get(code="C9").kind == "党组"


def test_csv_takes_chinese_headers_and_a_chinese_file_name(db, write):
    rows = [["编码", "名称", "层级", "上级编码"], ["P9", "样省", "省", ""]]
    import_files([write("组织.csv", rows, encoding="gb18030")], actor=None)
    assert Organization.objects.get(code="P9").level == "province"


def test_xlsx_reads_one_sheet_per_kind_and_normalises_numbers_and_dates(db, write):
    path = write(
        "registry.xlsx",
        {
            "组织": [["编码", "名称", "层级", "上级编码"], [1001, "样省", "省", None]],
            "cadres": [CADRE_HEADER, [20001, "甲某", "省管", "男"]],
            "职务": [
                ["干部编号", "组织编码", "职务", "是否一把手", "任职日期", "免职日期"],
                [20001, 1001, "书记", True, dt.date(2020, 5, 14), None],
            ],
        },
    )
    report = import_files([path], actor=None)
    assert report.changed == 3
    assert Organization.objects.filter(code="1001").exists()
    position = Position.objects.unscoped("test").get(cadre__code="20001")
    assert (position.start, position.principal) == (dt.date(2020, 5, 14), True)


def test_problems_in_a_workbook_name_the_sheet_and_the_spreadsheet_row(db, write):
    path = write(
        "r.xlsx", {"组织": [["编码", "名称", "层级", "上级编码"], [], ["A1", "甲", "省", "NO"]]}
    )
    problems = rejected([path])
    assert [(p.source, p.row, p.column) for p in problems] == [("r.xlsx[组织]", 3, "上级编码")]


def test_title_rows_above_the_header_are_skipped_and_rows_keep_their_numbers(db, write):
    path = write(
        "r.xlsx",
        {
            "干部": [
                ["干部名册"],
                ["导出人：张三", "导出时间：2026-12-01 10:00"],
                [],
                ["干部编号", "姓名", "管理层级", "性别"],
                [20001, "甲某", "省管", "男"],
                [20002, "乙某", "大官", "男"],
            ]
        },
    )
    problems = rejected([path])
    assert [(p.source, p.row, p.column) for p in problems] == [("r.xlsx[干部]", 6, "管理层级")]


def test_a_sheet_with_no_row_naming_the_required_columns_says_what_is_missing(db, write):
    path = write("r.xlsx", {"干部": [["干部名册"], ["干部编号", "姓名"], ["G1", "甲"]]})
    (p,) = rejected([path])
    assert "缺少必填列“管理层级”（tier）" in p.message and p.row == 2


def test_a_text_file_renamed_xlsx_is_refused(db, write):
    path = write("organizations.xlsx", "code,name\nA,甲\n".encode())
    (p,) = rejected([path])
    assert (p.source, p.row) == ("organizations.xlsx", None)
    assert "不是有效的 Excel 工作簿" in p.message


def test_a_workbook_renamed_csv_is_refused(db, write):
    path = write("organizations.csv", xlsx_bytes({"组织": ORGS}))
    (p,) = rejected([path])
    assert "不是文本格式的 CSV 文件" in p.message


def test_a_zip_bomb_is_refused_before_it_is_opened(db, write, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    buf = io.BytesIO(xlsx_bytes({"组织": ORGS}))
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * (8 * 1024 * 1024))
    path = write("bomb.xlsx", buf.getvalue())
    assert path.stat().st_size < 1024 * 1024
    (p,) = rejected([path])
    assert "压缩炸弹" in p.message
    assert not Organization.objects.exists()


def test_an_empty_file_is_refused(db, write):
    (p,) = rejected([write("cadres.csv", b"")])
    assert (p.source, p.message) == ("cadres.csv", "文件是空的")


def test_an_oversized_file_is_refused(db, write, settings):
    settings.IMPORT_MAX_FILE_BYTES = 50
    (p,) = rejected([write("organizations.csv", ORGS)])
    assert "文件过大" in p.message


def test_too_many_rows_are_refused(db, write, settings):
    settings.IMPORT_MAX_ROWS = 1
    (p,) = rejected([write("organizations.csv", ORGS)])
    assert "数据行过多" in p.message


def test_a_missing_required_column_in_a_file_is_refused(db, write):
    (p,) = rejected([write("cadres.csv", [["code", "name"], ["G1", "甲"]])])
    assert (p.row, p.column) == (1, "")
    assert "缺少必填列“管理层级”（tier）" in p.message


def test_an_unknown_column_is_a_warning_and_ignored(db, write):
    rows = [[*CADRE_HEADER, "备注"], ["G1", "甲", "县管", "", "随便"]]
    report = import_files([write("cadres.csv", rows)], actor=None)
    (w,) = report.warnings
    assert (w.source, w.row, w.column) == ("cadres.csv", 1, "备注")
    assert Cadre.objects.unscoped("test").filter(code="G1").exists()


def test_a_csv_named_after_no_kind_is_refused(db, write):
    (p,) = rejected([write("data.csv", ORGS)])
    assert "无法从文件名判断数据类型" in p.message


def test_a_csv_named_measures_is_read_as_the_ledger_kind(db, write):
    # `measures` (整改台账) is imported since issue 11: its missing columns are named.
    problems = rejected([write("measures.csv", [["problem"], ["问题"]])])
    assert any("缺少必填列“被谈话人编号”" in p.message for p in problems)


def test_a_ledger_sheet_is_read_as_its_kind_and_other_sheets_are_ignored(db, write):
    sheets = {"组织": ORGS, "说明": [["随便写"]], "整改台账": [["problem"], ["问题"]]}
    path = write("w.xlsx", sheets)
    problems = rejected([path])
    assert {p.source for p in problems} == {"w.xlsx[整改台账]"}
    assert any("缺少必填列“举措”" in p.message for p in problems)


def test_other_extensions_are_refused(db, write):
    (p,) = rejected([write("organizations.xls", b"\xd0\xcf\x11\xe0")])
    assert p.message == "只能导入 .xlsx 或 .csv 文件"


def test_files_of_one_import_are_validated_together(db, write):
    org_path = write("organizations.csv", ORGS)
    cadre_path = write("cadres.csv", [CADRE_HEADER, ["G9", "甲", "市管", "女"]])
    bad = write(
        "positions.csv",
        [
            POSITION_HEADER,
            ["G9", "C9", "书记", "是", "2020-01-01", ""],
            ["G9", "C9", "副书记", "是", "2020-02-30", ""],
        ],
    )
    (p,) = rejected([org_path, cadre_path, bad])
    assert (p.source, p.row, p.column) == ("positions.csv", 3, "start")
    assert not Organization.objects.exists() and not Cadre.objects.unscoped("test").exists()
