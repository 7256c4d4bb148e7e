"""Fixtures of the import tests: uploaded files live in a temporary MEDIA_ROOT, and small
helpers write CSV and .xlsx files the way users' spreadsheets arrive."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook as Excel would save it; strings that look like formulas stay strings."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def write(tmp_path):
    """write("organizations.csv", rows) / write("x.xlsx", {"组织": rows}) -> path."""

    def _write(name: str, content, encoding: str = "utf-8") -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, dict):
            path.write_bytes(xlsx_bytes(content))
        else:
            path.write_bytes(csv_bytes(content, encoding))
        return path

    return _write


ORG_HEADER = ["code", "name", "level", "parent_code", "kind"]
CADRE_HEADER = ["code", "name", "tier", "gender"]
POSITION_HEADER = ["cadre_code", "org_code", "title", "principal", "start", "end"]


@pytest.fixture
def small_set():
    """A province with two cities and a county, three cadres and their posts (as tables)."""
    return {
        "organizations": [
            {"code": "XP", "name": "样省", "level": "省", "parent_code": ""},
            {"code": "XC1", "name": "样一市", "level": "市", "parent_code": "XP"},
            {"code": "XC2", "name": "样二市", "level": "市", "parent_code": "XP"},
            {"code": "XK1", "name": "样一县", "level": "县", "parent_code": "XC1"},
        ],
        "cadres": [
            {"code": "XG1", "name": "甲某", "tier": "省管", "gender": "男"},
            {"code": "XG2", "name": "乙某", "tier": "市管", "gender": "女"},
            {"code": "XG3", "name": "丙某", "tier": "县管", "gender": ""},
        ],
        "positions": [
            {
                "cadre_code": "XG1",
                "org_code": "XC1",
                "title": "市委书记",
                "principal": "是",
                "start": "2020-05-14",
                "end": "",
            },
            {
                "cadre_code": "XG2",
                "org_code": "XK1",
                "title": "县委书记",
                "principal": "是",
                "start": "2019/3/1",
                "end": "",
            },
            {
                "cadre_code": "XG3",
                "org_code": "XK1",
                "title": "副书记",
                "principal": "否",
                "start": "2018年7月9日",
                "end": "2021-01-01",
            },
        ],
    }
