"""The template, the error workbook and formula escaping."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tanhua.exchange import parsers
from tanhua.exchange.exports import error_workbook_for_files, escape_cell, template_workbook
from tanhua.exchange.services import import_files

from .conftest import ORG_HEADER


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+2", "'=1+2"),
        ("+86", "'+86"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("党委", "党委"),
        (12, 12),
        (None, None),
    ],
)
def test_escape_cell_defuses_text_a_spreadsheet_would_run(value, escaped):
    assert escape_cell(value) == escaped


def test_the_template_has_chinese_headers_english_notes_and_dropdowns():
    wb = load_workbook(io.BytesIO(template_workbook()))
    assert wb.sheetnames == [
        "组织", "干部", "职务", "谈话", "民主生活会", "指标", "指标值", "问题", "整改台账",
    ]  # fmt: skip
    orgs = wb["组织"]
    assert [c.value for c in orgs[1]] == ["编码", "名称", "层级", "上级编码", "类型"]
    assert orgs["A1"].comment.text.startswith("code")
    lists = {
        sheet: [dv.formula1 for dv in wb[sheet].data_validations.dataValidation]
        for sheet in wb.sheetnames
    }
    assert lists == {
        "组织": ['"省,市,县,乡"'],
        "干部": ['"中管,省管,市管,县管"', '"男,女"'],
        "职务": ['"是,否"'],
        "谈话": [
            '"政治监督谈话,工作性（沟通性）谈话,诫勉谈话,廉政谈话,谈话函询"',
            '"已列入计划,准备中,提纲已审定,已安排,已谈话,记录已封存,整改中,已办结"',
        ],
        "民主生活会": [],
        "指标": ['"越高越好,越低越好"', '"A1,A2,A3,A4"'],
        "指标值": [],
        "问题": [
            '"综合考核,选人用人,经济社会发展,日常监督检查,审查调查,巡视巡察,审计,信访举报"',
            '"1,2,3"',
            '"A1,A2,A3,A4"',
        ],
        "整改台账": ['"A1,A2,A3,A4"', '"open,in_progress,closed,long_term"'],
    }


def test_the_template_parses_back_with_every_column_and_no_problem(db):
    upload = parsers.Upload("template.xlsx", template_workbook())
    tables, problems, warnings = parsers.parse(upload)
    assert problems == [] and warnings == []
    assert {t.kind: sorted(t.columns) for t in tables} == {
        "organizations": ["code", "kind", "level", "name", "parent_code"],
        "cadres": ["code", "gender", "name", "tier"],
        "positions": ["cadre_code", "end", "org_code", "principal", "start", "title"],
        "talks": [
            "campaign",
            "committee_code",
            "held_on",
            "status",
            "subject_code",
            "talker_code",
            "type",
        ],
        "meetings": ["date", "org_code", "year"],
        "indicators": ["code", "direction", "focus_area", "name", "unit"],
        "indicator_values": ["indicator_code", "org_code", "period", "target", "value"],
        "findings": [
            "cadre_code",
            "code",
            "date",
            "focus_area",
            "org_code",
            "severity",
            "source",
            "text",
        ],
        "measures": [
            "campaign",
            "deadline",
            "focus_area",
            "measure",
            "owner_code",
            "problem",
            "status",
            "subject_code",
        ],
    }
    assert import_files([upload], actor=None).changed == 0


def test_the_error_workbook_holds_the_users_rows_and_each_rows_problems(db, write):
    path = write(
        "organizations.csv",
        [ORG_HEADER, ["A", "=cmd|' /C calc'!A0", "省", "", ""], ["B", "乙", "火星", "NOPE", ""]],
    )
    wb = load_workbook(io.BytesIO(error_workbook_for_files([path], actor=None)))
    assert wb.sheetnames[0] == "问题清单"
    listing = [[c.value for c in row] for row in wb["问题清单"].iter_rows(min_row=2)]
    assert listing == [
        [
            "organizations.csv",
            3,
            "level",
            "“火星”不是有效的取值，可选：province、city、county、township、省、市、县、乡",
        ],
        ["organizations.csv", 3, "parent_code", "上级编码“NOPE”不存在"],
    ]
    rows = [[c.value for c in row] for row in wb.worksheets[1].iter_rows()]
    assert rows[0] == [*ORG_HEADER, "错误"]
    # The user's formula-like text comes back as text, never as a formula.
    assert rows[1] == ["A", "'=cmd|' /C calc'!A0", "省", None, None, None]
    assert rows[2][:4] == ["B", "乙", "火星", "NOPE"]
    assert "level: “火星”不是有效的取值" in rows[2][5]
    assert "parent_code: 上级编码“NOPE”不存在" in rows[2][5]
