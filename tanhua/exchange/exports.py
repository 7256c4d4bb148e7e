"""Workbooks this app writes: the empty import template (Chinese headers, dropdowns) and the
error workbook of a rejected import. Every cell goes through `escape_cell`."""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tanhua.exchange import parsers, schema
from tanhua.exchange.problems import ImportRejected, Problem
from tanhua.exchange.tables import Table, cell_text

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ERROR_HEADER = "错误"
TEMPLATE_ROWS = 5000
_HEADER_FONT = Font(bold=True)
_ERROR_FILL = PatternFill("solid", fgColor="FFEBE9")


def escape_cell(value: object) -> object:
    """A cell for export: text that a spreadsheet would run as a formula (= + - @) gets a
    leading apostrophe, and characters no workbook may hold are dropped. Every export of
    Tanhua writes its cells through this."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value.encode("utf-8", "replace").decode("utf-8"))
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """The inverse of `escape_cell` for a cell read back on import: an exported sheet edited
    and imported again gives the text that was exported, not one with an apostrophe."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    """One sheet per kind, Chinese headers (the English name in each header's comment), and
    dropdowns for the enumerations."""
    wb = Workbook()
    wb.remove(wb.active)
    for kind in schema.SHEET_KINDS:
        ws = wb.create_sheet(schema.KIND_LABELS[kind])
        for index, column in enumerate(schema.COLUMNS[kind], start=1):
            cell = ws.cell(row=1, column=index, value=escape_cell(column.label))
            cell.font = _HEADER_FONT
            need = "必填" if column.required else "选填"
            cell.comment = Comment(f"{column.name}（{need}）", "Tanhua")
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = 16
            choices = list(column.dropdown)
            if choices:
                dv = DataValidation(
                    type="list",
                    formula1='"' + ",".join(choices) + '"',
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    errorTitle="取值无效",
                    error="请从下拉列表中选择：" + "、".join(choices),
                )
                dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
                ws.add_data_validation(dv)
            if column.is_date:
                for row in range(2, TEMPLATE_ROWS + 1):
                    ws.cell(row=row, column=index).number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
    return _save(wb)


def _unique_title(title: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:28] or "表"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base[:25]}({n})"
    used.add(name)
    return name


def error_workbook(tables: list[Table], problems: list[Problem]) -> bytes:
    """The user's rows with an "错误" column listing each row's problems, one sheet per sheet
    or file, after a first sheet listing every problem."""
    by_row: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    for p in problems:
        by_row[(p.source, p.row)].append(f"{p.column}: {p.message}" if p.column else p.message)
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    used = {ws.title}
    ws.append([escape_cell(h) for h in ("文件/工作表", "行", "列", "问题")])
    for p in problems:
        ws.append([escape_cell(p.source), p.row, escape_cell(p.column), escape_cell(p.message)])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
    for table in tables:
        sheet = wb.create_sheet(
            _unique_title(schema.KIND_LABELS[table.kind] + "-" + table.source, used)
        )
        header = [*table.header, ERROR_HEADER]
        sheet.append([escape_cell(h) for h in header])
        header_errors = by_row.get((table.source, table.header_row)) or by_row.get(
            (table.source, None)
        )
        if header_errors:
            sheet.cell(row=1, column=len(header)).value = escape_cell("；".join(header_errors))
        for number, cells in zip(table.row_numbers, table.raw, strict=True):
            errors = by_row.get((table.source, number), [])
            values = [cell_text(c) for c in cells] + [""] * (len(table.header) - len(cells))
            sheet.append([escape_cell(v) for v in values] + [escape_cell("；".join(errors))])
            if errors:
                sheet.cell(row=sheet.max_row, column=len(header)).fill = _ERROR_FILL
        for cell in sheet[1]:
            cell.font = _HEADER_FONT
        sheet.freeze_panes = "A2"
    return _save(wb)


def error_workbook_for_files(paths, *, actor) -> bytes:
    """Re-read the files and check them again, so the workbook lists every problem."""
    from tanhua.exchange.services import import_files

    tables: list[Table] = []
    for path in paths:
        upload = parsers.load(path)
        if not isinstance(upload, Problem):
            tables += parsers.parse(upload)[0]
    try:
        import_files(paths, actor=actor, dry_run=True)
        problems: list[Problem] = []
    except ImportRejected as exc:
        problems = exc.problems
    return error_workbook(tables, problems)
