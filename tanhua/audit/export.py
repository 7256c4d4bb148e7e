"""The audit trail as a spreadsheet, for the auditor: the page's export and the CLI's."""

from __future__ import annotations

import json
import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from tanhua.audit.models import AuditEntry, Result
from tanhua.exchange.exports import escape_cell

SHEET = "audit_log"
COLUMNS = [
    ("seq", "序号"),
    ("at", "时间"),
    ("username", "用户"),
    ("roles", "角色"),
    ("ip", "IP 地址"),
    ("request_id", "请求编号"),
    ("action", "操作"),
    ("object_type", "对象类型"),
    ("object_id", "对象编号"),
    ("object_repr", "对象名称"),
    ("result", "结果"),
    ("before", "修改前"),
    ("after", "修改后"),
    ("detail", "详情"),
    ("mac", "校验码"),
    # Last, so that the columns readers already rely on keep their places.
    ("client_request_id", "客户端提供的请求编号"),
]
_JSON = {"before", "after", "detail"}
# Excel's limit on the characters in one cell; a long before/after is cut, marked as cut.
MAX_CELL_CHARS = 32767
_CUT = "…［已截断］"
_RESULT_LABELS = dict(Result.choices)


def _cell(entry: AuditEntry, name: str):
    value = getattr(entry, name)
    if name == "at":
        # xlsx has no time zones: local wall-clock time, as the page shows it.
        return timezone.localtime(value).replace(tzinfo=None)
    if name == "result":
        return str(_RESULT_LABELS.get(value, value))
    if name in _JSON:
        value = "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS - 1:
        # One character is kept free for escape_cell's apostrophe.
        value = value[: MAX_CELL_CHARS - 1 - len(_CUT)] + _CUT
    return value


def write_xlsx(entries, fh) -> int:
    """Write `entries` (a QuerySet, streamed in chunks) to the open binary file `fh`;
    returns the number of rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append([_(label) for _name, label in COLUMNS])
    rows = 0
    for entry in entries.iterator(chunk_size=2000):
        ws.append([escape_cell(_cell(entry, name)) for name, _label in COLUMNS])
        rows += 1
    wb.save(fh)
    return rows


def export_to_tempfile(entries) -> tuple[tempfile._TemporaryFileWrapper, int]:
    """The workbook in a temporary file (deleted on close), rewound for streaming."""
    fh = tempfile.NamedTemporaryFile(suffix=".xlsx")  # closed by the FileResponse
    rows = write_xlsx(entries, fh)
    fh.seek(0)
    return fh, rows
