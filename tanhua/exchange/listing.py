"""Every list page's 导出 button: what the list shows, as an xlsx workbook.

Built once for every list (cadres, an organization's posts and children, users, and the
ledgers to come). The caller passes the rows it would show — already scoped through
`visible_to`, already filtered as on the screen — and the columns; this module writes the
sheet (exporter and time on top, then the header, then the rows, every cell through
`escape_cell`), records the export in the audit trail, and answers with the file. A
people-bearing list is also named in its read entry, because its rows were fetched through
the scoping layer (tanhua.audit.reads).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tanhua.audit.services import record_export
from tanhua.exchange.exports import escape_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A list export is what a person can read; past this, the operator's command line exports.
MAX_ROWS = 100_000
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any]
    width: int = 16


def wants_export(request) -> bool:
    return request.GET.get("export") == "xlsx"


def _bold_row(ws, values) -> list:
    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=escape_cell(value))
        cell.font = _BOLD
        cells.append(cell)
    return cells


def write_list(
    fh,
    *,
    title: str,
    columns: list[Column],
    rows: Iterable,
    exporter: str,
    filters: dict[str, str],
    sheet: str | None = None,
) -> int:
    """Write the sheet to the open binary file `fh`; returns the number of data rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet((sheet or title)[:31])
    for index, column in enumerate(columns):
        ws.column_dimensions[get_column_letter(index + 1)].width = column.width
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    ws.append(_bold_row(ws, [title]))
    ws.append([escape_cell(f"导出人：{exporter}"), escape_cell(f"导出时间：{stamp}")])
    if filters:
        ws.append([escape_cell("筛选条件：" + "；".join(f"{k}={v}" for k, v in filters.items()))])
    ws.append([])
    ws.append(_bold_row(ws, [c.label for c in columns]))
    count = 0
    for row in rows:
        if count >= MAX_ROWS:
            # Never a silently short sheet: say where it stops and why.
            ws.append([escape_cell(f"（仅导出前 {MAX_ROWS} 行：请缩小筛选范围后分批导出）")])
            break
        ws.append([escape_cell(_plain(c.value(row))) for c in columns])
        count += 1
    wb.save(fh)
    return count


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, str)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def export_list(
    request,
    *,
    kind: str,
    title: str,
    columns: list[Column],
    rows: Iterable,
    filters: dict[str, str] | None = None,
    sheet: str | None = None,
) -> FileResponse:
    """The workbook as a download, and its `export` entry in the audit trail. `sheet` names
    the sheet when the list is in an import kind's columns (the kind's label): the file then
    imports back as it is, title rows and all."""
    user = request.user
    exporter = user.get_full_name() or user.get_username()
    filters = {k: v for k, v in (filters or {}).items() if v not in ("", None)}
    fh = tempfile.NamedTemporaryFile(suffix=".xlsx")  # closed by the FileResponse
    count = write_list(
        fh, title=title, columns=columns, rows=rows, exporter=exporter, filters=filters,
        sheet=sheet,
    )  # fmt: skip
    fh.seek(0)
    record_export(kind, count, actor=user, filters=filters)
    name = f"{title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = FileResponse(fh, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
