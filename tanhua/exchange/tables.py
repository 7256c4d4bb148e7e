"""A table as read from a file or handed in by code: rows keyed by the English column names,
with the user's own header and cells kept for the error workbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from tanhua.exchange import schema
from tanhua.exchange.problems import Problem


@dataclass
class Table:
    """One sheet or CSV file of one kind. `rows[i]` sits on spreadsheet row `row_numbers[i]`."""

    kind: str
    source: str
    header: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # English name -> header as written
    rows: list[dict[str, object]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    raw: list[list[object]] = field(default_factory=list)
    header_row: int = 1  # the header's spreadsheet row (title rows may sit above it)


def cell_text(value: object) -> str:
    """A cell as text: whole floats lose their ".0" (calamine reads 1001 as 1001.0)."""
    if type(value) is str:  # the common case first: this runs once per cell
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def is_blank(cells: Sequence[object]) -> bool:
    # Once per row of every file: a data row is told apart by its first non-empty cell.
    for c in cells:
        if c is None:
            continue
        if type(c) is str:
            if c.strip():
                return False
        elif cell_text(c) != "":
            return False
    return True


def build_table(
    kind: str,
    source: str,
    header: Sequence[object],
    body: Sequence[tuple[int, Sequence[object]]],
    *,
    header_row: int = 1,
) -> tuple[Table, list[Problem], list[Problem]]:
    """Map a header row onto the kind's columns; returns (table, problems, warnings).
    `body` holds (spreadsheet row number, cells) of the data rows."""
    header_text = [cell_text(h) for h in header]
    table = Table(kind=kind, source=source, header=header_text, header_row=header_row)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    positions: dict[str, int] = {}
    for index, text in enumerate(header_text):
        if not text:
            continue
        column = schema.column_for(kind, text)
        if column is None:
            warnings.append(Problem(source, header_row, text, f"未知的列“{text}”，已忽略"))
        elif column.name in positions:
            problems.append(Problem(source, header_row, text, f"列“{text}”重复出现"))
        else:
            positions[column.name] = index
            table.columns[column.name] = text
    for column in schema.get(kind).columns:
        if column.required and column.name not in positions:
            problems.append(
                Problem(source, header_row, "", f"缺少必填列“{column.label}”（{column.name}）")
            )
    names, indexes = list(positions), list(positions.values())
    width = max(indexes, default=-1) + 1
    # A full row is mapped by C code (itemgetter, zip): this runs once per data row.
    pick = itemgetter(*indexes) if len(indexes) > 1 else None
    for number, cells in body:
        table.row_numbers.append(number)
        table.raw.append(list(cells))
        if pick is not None and len(cells) >= width:
            table.rows.append(dict(zip(names, pick(cells), strict=True)))
        else:
            table.rows.append(
                {name: (cells[i] if i < len(cells) else None) for name, i in positions.items()}
            )
    return table, problems, warnings


def tables_from_mapping(
    tables: Mapping[str, Sequence[Mapping[str, object]]], source: str
) -> tuple[list[Table], list[Problem], list[Problem]]:
    """Tables handed in by code (the demo loader, tests): keys are kinds, rows are dicts keyed
    by English column names; a column is present when any row has its key."""
    out: list[Table] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for key, rows in tables.items():
        label = f"{source}[{key}]" if source else str(key)
        kind = schema.kind_of(str(key))
        if kind is None:
            problems.append(Problem(label, None, "", _unsupported(str(key))))
            continue
        if not rows:
            continue
        header: list[str] = []
        for row in rows:
            header += [str(k) for k in row if str(k) not in header]
        body = [(i + 2, [row.get(h) for h in header]) for i, row in enumerate(rows)]
        table, probs, warns = build_table(kind, label, header, body)
        out.append(table)
        problems += probs
        warnings += warns
    return out, problems, warnings


def _unsupported(name: str) -> str:
    if schema.later_kind_of(name):
        return f"暂不支持导入“{name}”"
    return f"暂不支持导入“{name}”：可导入的数据为 {schema.kind_names()}"


unsupported_message = _unsupported
