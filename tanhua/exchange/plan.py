"""Validation of a whole file set against the database, and the plan of what to write.

Everything is checked before anything is written, and all tables are validated together, so
rows of one kind may name rows of a kind it depends on created by the same import (positions
naming new organizations and cadres). The generic part lives here: records, the cleaning of
cells, duplicates, counts and samples; each kind (schema.ImportKind, in its own app) cleans
its rows and resolves them against what the actor may see.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter

from tanhua.core import scoping
from tanhua.exchange import schema
from tanhua.exchange.exports import unescape_cell
from tanhua.exchange.problems import Problem
from tanhua.exchange.tables import Table, cell_text

# Control characters no workbook or PostgreSQL text holds, and lone surrogates UTF-8 cannot.
_BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CHUNK = 500
SAMPLES = 10
# A table of at least this many rows is first compared with what is stored (see
# ImportKind.stored_cells): below it, cleaning every row costs less than reading the actor's rows.
COMPARE_FIRST_MIN_ROWS = 1000


@dataclass
class Rec:
    """One data row: where it came from, its header labels, and its cleaned values."""

    source: str
    row: int
    labels: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)
    ok: bool = True


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Plan:
    """What applying the import will do: per kind, the changes its `apply` writes (plain
    values), and the counts and sample rows the preview shows."""

    changes: dict[str, object] = field(default_factory=dict)
    counts: dict[str, KindCounts] = field(default_factory=dict)
    samples: dict[str, list[dict]] = field(default_factory=dict)

    def note(self, kind: str, action: str, rec: Rec | None, values: dict, changed=()) -> None:
        counts = self.counts.setdefault(kind, KindCounts())
        setattr(counts, action, getattr(counts, action) + 1)
        bucket = self.samples.setdefault(kind, [])
        if action != "unchanged" and len(bucket) < SAMPLES:
            kind_ = schema.get(kind)
            bucket.append(
                {
                    "action": action,
                    "source": rec.source if rec else "",
                    "row": rec.row if rec else None,
                    "values": {k: _display(kind_.find(k), v) for k, v in values.items()},
                    "changed": list(changed),
                }
            )


def chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Planner:
    """Builds a Plan from tables, collecting one Problem per thing wrong. `actor` None is the
    operator at the command line, who sees everything."""

    def __init__(self, tables: list[Table], actor) -> None:
        self.tables = tables
        self.actor = actor
        self.scope = scoping.scope_path(actor) if actor is not None else None
        self.problems: list[Problem] = []
        self.plan = Plan()
        # What a kind hands to the kinds depending on it (e.g. the organization tree).
        self.results: dict[str, object] = {}
        # Rows refused because their code is taken by something the actor may not see: each
        # is a probe of a code's existence, and the import's audit entry counts them.
        self.code_unavailable = 0
        self.present: dict[str, set[str]] = defaultdict(set)
        for table in tables:
            self.present[table.kind] |= set(table.columns)

    # -- helpers -------------------------------------------------------------------------
    def add(self, rec: Rec, column: str, message: str) -> None:
        self.problems.append(
            Problem(rec.source, rec.row, rec.labels.get(column, column), str(message))
        )
        rec.ok = False

    def _raw_text(self, rec: Rec, raw: dict, column: str) -> str | None:
        text = unescape_cell(cell_text(raw.get(column)))
        bad = _BAD_CHAR_RE.search(text)
        if bad is None:
            return text
        if "\ud800" <= bad.group() <= "\udfff":
            self.add(rec, column, "含有无法识别的字符")
        else:
            self.add(rec, column, "含有不可见的控制字符")
        return None

    def text(self, rec: Rec, raw: dict, col: schema.Column, *, required: bool) -> str | None:
        text = self._raw_text(rec, raw, col.name)
        if text is None:
            return None
        label = rec.labels.get(col.name, col.label)
        if required and not text:
            self.add(rec, col.name, f"“{label}”不能为空")
            return None
        if col.max_length and len(text) > col.max_length:
            self.add(rec, col.name, f"“{label}”超过{col.max_length}个字符（共{len(text)}个字符）")
            return None
        return text

    def code(self, rec: Rec, raw: dict, col: schema.Column, *, required: bool = True):
        text = self.text(rec, raw, col, required=required)
        if text and col.validator is not None and not col.validator.regex.match(text):
            reason = str(col.validator.message).removeprefix("编码")
            self.add(rec, col.name, f"编码“{text}”无效：{reason}")
            return None
        return text

    def enum(self, rec: Rec, raw: dict, col: schema.Column, words: dict, *, required: bool):
        value = raw.get(col.name)
        if isinstance(value, bool) and words is schema.BOOL_WORDS:
            return value
        text = self.text(rec, raw, col, required=required)
        if not text:
            return "" if text == "" else None
        found = words.get(text.lower())
        if found is None:
            allowed = "、".join(k for k in words if not k.isdigit())
            self.add(rec, col.name, f"“{text}”不是有效的取值，可选：{allowed}")
        return found

    def date(self, rec: Rec, raw: dict, col: schema.Column, *, required: bool):
        value = raw.get(col.name)
        if isinstance(value, dt.date):
            return value.date() if isinstance(value, dt.datetime) else value
        text = self.text(rec, raw, col, required=required)
        if not text:
            return None
        day = schema.parse_date(text)
        if day is None:
            self.add(
                rec,
                col.name,
                f"日期“{text}”无效，请写作 2020-05-14、2020/5/14 或 2020年5月14日",
            )
        return day

    def in_scope(self, path: str) -> bool:
        return self.actor is None or (self.scope is not None and path.startswith(self.scope))

    def unknown(self, what: str, code: str) -> str:
        """One line for a code naming nothing the actor may see: absent, out of scope, above
        clearance and declared 回避 all read the same."""
        if self.actor is None:
            return f"{what}“{code}”不存在"
        return f"{what}“{code}”不存在或不在您的管辖范围内"

    # -- the run -------------------------------------------------------------------------
    def run(self) -> Plan:
        # Per kind, in file order: a Rec per row to clean and plan, and for a row found
        # unchanged (stored_cells) only (its unique key, source, row number).
        records: dict[str, list] = {k.name: [] for k in schema.registered()}
        stored: dict[tuple, dict | None] = {}
        for table in self.tables:
            kind = schema.get(table.kind)
            columns = tuple(c.name for c in kind.columns if c.name in table.columns)
            same = None
            if len(table.rows) >= COMPARE_FIRST_MIN_ROWS:
                if (kind.name, columns) not in stored:
                    stored[kind.name, columns] = kind.stored_cells(self, columns)
                if stored[kind.name, columns]:
                    same = _same_row(stored[kind.name, columns], columns)
            out, source, labels = records[table.kind], table.source, table.columns
            for number, raw in zip(table.row_numbers, table.rows, strict=True):
                if same is not None:
                    key = same(raw)
                    if key is not None:
                        out.append((key, source, number))
                        continue
                rec = Rec(source, number, labels)
                out.append(rec)
                kind.clean(self, rec, raw)
        kinds = schema.needed(name for name, recs in records.items() if recs)
        for kind in kinds:
            if kind.unique:
                self.duplicates(records[kind.name], kind.unique, kind.unique_label)
        for kind in kinds:
            entries = records[kind.name]
            recs = [r for r in entries if type(r) is Rec]
            if len(recs) < len(entries):
                counts = self.plan.counts.setdefault(kind.name, KindCounts())
                counts.unchanged += len(entries) - len(recs)
            kind.plan(self, recs)
        return self.plan

    def duplicates(self, recs: list, key: tuple[str, ...], what: str) -> None:
        if all(type(r) is tuple for r in recs):
            # Every row found unchanged (a plain re-import): distinct stored rows have
            # distinct keys, so only a row given twice repeats one.
            keys = [r[0] for r in recs]
            if len(set(keys)) == len(keys):
                return
        seen: dict[tuple, object] = {}
        for rec in recs:
            if type(rec) is tuple:
                k = rec[0]
            else:
                values = rec.values
                k = tuple([values.get(f) for f in key])
                if any(part is None or part == "" for part in k):
                    continue
            first = seen.setdefault(k, rec)
            if first is not rec:
                first = self._as_rec(first)
                where = first.source if first.source != self._as_rec(rec).source else ""
                self.add(self._as_rec(rec), key[0], f"{what}“{k[0]}”与{where}第{first.row}行重复")

    def _as_rec(self, entry) -> Rec:
        if type(entry) is Rec:
            return entry
        _key, source, number = entry
        table = next(t for t in self.tables if t.source == source)
        return Rec(source, number, table.columns)


def _cells_of(columns: tuple[str, ...]):
    """raw row -> the cell texts of `columns`, as a tuple (once per row of a large file)."""
    if not columns:
        return lambda raw: ()
    get = itemgetter(*columns)
    if len(columns) == 1:
        return lambda raw: (cell_text(get(raw)),)
    return lambda raw: tuple([cell_text(v) for v in get(raw)])


def _same_row(stored: dict, columns: tuple[str, ...]):
    """raw row -> its entry in `stored` (Kind.stored_cells), or None."""
    cells = _cells_of(columns)
    if len(columns) < 2:
        return lambda raw: stored.get(cells(raw))
    get = itemgetter(*columns)

    def same(raw):
        # Cells already spelled as stored (text, nothing to strip) are looked up as they
        # are, without a Python call per cell; a number, date or padded text the long way.
        found = stored.get(get(raw))
        return found if found is not None else stored.get(cells(raw))

    return same


def _display(column: schema.Column | None, value: object) -> str:
    if column is not None and column.choices is not None and value:
        return str(column.choices(value).label)
    return cell_text(value)


def shown(values: dict) -> dict:
    """The values a sample row shows: no private keys, ids or depths."""
    return {k: v for k, v in values.items() if not k.startswith("_") and k not in ("id", "depth")}
