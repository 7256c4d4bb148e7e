"""Reading uploaded spreadsheets: .xlsx through python-calamine (one sheet per kind) and .csv
(one kind per file, named by kind; the encodings tanhua.exchange.encodings reads).

Every refusal is a Problem; nothing here raises anything else for a bad file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

import python_calamine
from django.conf import settings

from tanhua.exchange import encodings, schema
from tanhua.exchange.problems import Problem
from tanhua.exchange.tables import Table, build_table, cell_text, is_blank, unsupported_message

EXTENSIONS = (".xlsx", ".csv")
# Readers of other file types that an app's import kind brings (suffix -> parse function,
# registered from its AppConfig.ready(): the reports app's .json annexes).
READERS: dict = {}


@dataclass
class Upload:
    """A file to import: its name as the user gave it, and its bytes."""

    name: str
    data: bytes


def load(item) -> Upload | Problem:
    """A path or an uploaded file, read after its size is checked."""
    limit = settings.IMPORT_MAX_FILE_BYTES
    if isinstance(item, Upload):
        name, size = item.name, len(item.data)
    elif isinstance(item, str | PurePath):
        path = Path(item)
        name = path.name
        if not path.is_file():
            return Problem(str(item), None, "", "文件不存在或无法读取")
        size = path.stat().st_size
    else:  # a Django UploadedFile
        name, size = PurePath(item.name or "").name, item.size
    if size > limit:
        return Problem(name, None, "", f"文件过大（{size // 1024} KB），上限为 {limit // 1024} KB")
    if size == 0:
        return Problem(name, None, "", "文件是空的")
    if isinstance(item, Upload):
        return item
    if isinstance(item, str | PurePath):
        return Upload(name, Path(item).read_bytes())
    item.seek(0)
    return Upload(name, item.read())


def parse(upload: Upload) -> tuple[list[Table], list[Problem], list[Problem]]:
    """Tables, problems and warnings of one file."""
    suffix = PurePath(upload.name).suffix.lower()
    if suffix == ".xlsx":
        return parse_xlsx(upload)
    if suffix == ".csv":
        return parse_csv(upload)
    if suffix in READERS:
        return READERS[suffix](upload)
    return [], [Problem(upload.name, None, "", "只能导入 .xlsx 或 .csv 文件")], []


# -- xlsx -----------------------------------------------------------------------------------
def check_zip(upload: Upload) -> Problem | None:
    """An .xlsx is a zip: refuse what is not one, and a zip bomb, before calamine opens it."""
    not_xlsx = Problem(
        upload.name, None, "", "文件不是有效的 Excel 工作簿（.xlsx），请检查文件类型"
    )
    if not upload.data.startswith(b"PK"):
        return not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(upload.data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return not_xlsx
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        return not_xlsx
    unpacked = sum(i.file_size for i in infos)
    if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
        return Problem(
            upload.name,
            None,
            "",
            f"工作簿解压后过大（{unpacked // (1024 * 1024)} MB），疑似压缩炸弹，已拒绝",
        )
    return None


def parse_xlsx(upload: Upload) -> tuple[list[Table], list[Problem], list[Problem]]:
    bad = check_zip(upload)
    if bad:
        return [], [bad], []
    tables: list[Table] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(upload.data))
        sheet_names = list(workbook.sheet_names)
    except Exception:
        return [], [Problem(upload.name, None, "", "无法读取该工作簿，文件可能已损坏")], []
    for sheet_name in sheet_names:
        source = f"{upload.name}[{sheet_name}]"
        kind = schema.kind_of(sheet_name)
        if kind is None:
            if schema.later_kind_of(sheet_name):
                problems.append(Problem(source, None, "", unsupported_message(sheet_name)))
            else:
                warnings.append(
                    Problem(source, None, "", f"工作表“{sheet_name}”不是可导入的数据，已忽略")
                )
            continue
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
            if sheet.height > settings.IMPORT_MAX_ROWS + 1:
                problems.append(_too_many(source, sheet.height - 1))
                continue
            cells = sheet.to_python(skip_empty_area=False)
        except Exception:
            problems.append(Problem(source, None, "", "无法读取该工作表，文件可能已损坏"))
            continue
        table, probs, warns = _table_from_rows(kind, source, cells)
        tables += [table] if table else []
        problems += probs
        warnings += warns
    if not tables and not problems:
        problems.append(
            Problem(
                upload.name,
                None,
                "",
                "工作簿中没有可导入的工作表：工作表应命名为 "
                + "/".join(k.name for k in schema.registered() if k.spreadsheet)
                + "（或 "
                + "/".join(k.label for k in schema.registered() if k.spreadsheet)
                + "）",
            )
        )
    return tables, problems, warnings


def _too_many(source: str, count: int) -> Problem:
    limit = settings.IMPORT_MAX_ROWS
    return Problem(source, None, "", f"数据行过多（{count} 行），一次最多导入 {limit} 行")


# How far down a sheet its header is looked for (an exported list has its title, exporter,
# time and filters above the header: `exchange.listing`).
HEADER_SEARCH_ROWS = 8


def _header_index(kind: str, cells: list[list[object]]) -> int | None:
    """The header row: among the first few non-blank rows, the first that names every
    required column of the kind (a list exported from the app has its title, exporter and
    filters above the header, and imports as it is); failing that the one naming the most
    columns, or the first non-blank row, whose problems then say what is missing."""
    required = [c.name for c in schema.get(kind).columns if c.required]
    first, best, best_count = None, None, 0
    looked = 0
    for i, row in enumerate(cells):
        if is_blank(row):
            continue
        if first is None:
            first = i
        texts = (cell_text(c) for c in row)
        named = (schema.column_for(kind, t) for t in texts if t)
        names = {c.name for c in named if c is not None}
        if all(name in names for name in required):
            return i
        if len(names) > best_count:
            best, best_count = i, len(names)
        looked += 1
        if looked >= HEADER_SEARCH_ROWS:
            break
    return best if best is not None else first


def _table_from_rows(kind: str, source: str, cells: list[list[object]]):
    """The header is found by `_header_index`; row numbers are the spreadsheet's own."""
    start = _header_index(kind, cells)
    if start is None:
        return None, [], [Problem(source, None, "", "工作表是空的，已忽略")]
    body = [
        (i + 1, row)
        for i, row in enumerate(cells[start + 1 :], start=start + 1)
        if not is_blank(row)
    ]
    if len(body) > settings.IMPORT_MAX_ROWS:
        return None, [_too_many(source, len(body))], []
    return build_table(kind, source, cells[start], body, header_row=start + 1)


# -- csv ------------------------------------------------------------------------------------
def kind_from_filename(name: str) -> str | None:
    stem = PurePath(name).stem
    kind = schema.kind_of(stem)
    if kind:
        return kind
    found = {schema.kind_of(part) for part in re.split(r"[\s_\-.()（）]+", stem)} - {None}
    return found.pop() if len(found) == 1 else None


def parse_csv(upload: Upload) -> tuple[list[Table], list[Problem], list[Problem]]:
    name = upload.name
    kind = kind_from_filename(name)
    if kind is None:
        stem = PurePath(name).stem
        if schema.later_kind_of(stem):
            return [], [Problem(name, None, "", unsupported_message(stem))], []
        return (
            [],
            [
                Problem(
                    name,
                    None,
                    "",
                    "无法从文件名判断数据类型：CSV 文件应命名为 "
                    + "、".join(f"{k.name}.csv" for k in schema.registered() if k.spreadsheet)
                    + "（或 "
                    + "、".join(f"{k.label}.csv" for k in schema.registered() if k.spreadsheet)
                    + "）",
                )
            ],
            [],
        )
    not_text = Problem(name, None, "", "文件不是文本格式的 CSV 文件，请检查文件类型")
    if upload.data.startswith(b"PK\x03\x04"):
        return [], [not_text], []
    try:
        text = encodings.decode(upload.data)
    except encodings.Undecodable as exc:
        return [], [Problem(name, None, "", str(exc))], []
    if "\x00" in text[:8192]:
        return [], [not_text], []
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return [], [Problem(name, None, "", f"CSV 格式错误：{exc}")], []
    if len(rows) > settings.IMPORT_MAX_ROWS + 1:
        return [], [_too_many(name, len(rows) - 1)], []
    table, probs, warns = _table_from_rows(kind, name, rows)
    if table is None:
        return [], [Problem(name, None, "", "文件中没有数据")], []
    return [table], probs, warns
