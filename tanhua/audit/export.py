"""The audit trail as a spreadsheet, for the auditor: the page's export and the CLI's."""

from __future__ import annotations

import json
import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from tanhua.audit import labels
from tanhua.audit.models import AuditEntry
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
    # The Chinese names of the codes above, after them: the code columns stay as they were
    # (in place and in content) for the scripts that read them.
    ("action_label", "操作名称"),
    ("roles_label", "角色名称"),
    ("object_type_label", "对象类型名称"),
    ("result_code", "结果代码"),
]
_LABELS = {
    "action_label": lambda e: e.labels.action,
    "roles_label": lambda e: e.labels.roles,
    "object_type_label": lambda e: e.labels.object_type,
    "result_code": lambda e: e.result,
}
CHUNK = 2000
_JSON = {"before", "after", "detail"}
# Excel's limit on the characters in one cell; a long before/after is cut, marked as cut.
MAX_CELL_CHARS = 32767
_CUT = "…［已截断］"


def _cell(entry: AuditEntry, name: str, *, masked: bool):
    if name in _LABELS:
        return _LABELS[name](entry)
    if name == "object_repr" and masked:
        return entry.labels.name
    value = getattr(entry, name)
    if name == "at":
        # xlsx has no time zones: local wall-clock time, as the page shows it.
        return timezone.localtime(value).replace(tzinfo=None)
    if name == "result":
        return entry.labels.result
    if name in _JSON:
        value = "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS - 1:
        # One character is kept free for escape_cell's apostrophe.
        value = value[: MAX_CELL_CHARS - 1 - len(_CUT)] + _CUT
    return value


def _chunks(entries):
    chunk = []
    for entry in entries.iterator(chunk_size=CHUNK):
        chunk.append(entry)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_xlsx(entries, fh, *, viewer=None) -> int:
    """Write `entries` (a QuerySet, streamed in chunks) to the open binary file `fh`;
    returns the number of rows written. For a `viewer` (the page's export) the object name
    column holds a name only where the page would show it (labels.revealed); without one
    (the operator's command line, who holds the database anyway) every stored name."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append([_(label) for _name, label in COLUMNS])
    rows = 0
    masked = viewer is not None
    for chunk in _chunks(entries):
        for entry in labels.labelled(chunk, viewer):
            ws.append([escape_cell(_cell(entry, name, masked=masked)) for name, _label in COLUMNS])
            rows += 1
    wb.save(fh)
    return rows


def export_to_tempfile(entries, *, viewer=None) -> tuple[tempfile._TemporaryFileWrapper, int]:
    """The workbook in a temporary file (deleted on close), rewound for streaming."""
    fh = tempfile.NamedTemporaryFile(suffix=".xlsx")  # closed by the FileResponse
    rows = write_xlsx(entries, fh, viewer=viewer)
    fh.seek(0)
    return fh, rows
