"""The import contract of DESIGN §6, generic part: columns, the registry of import kinds (each
declared by its own app, e.g. tanhua/org/imports/), header matching and the spellings every
kind shares (yes/no, dates).

A kind is one `ImportKind` subclass in its app, registered from the app's `ready()` with
`register(...)`. The pipeline (parse, header mapping, problems by row, preview, batches, the
all-or-nothing transaction) never imports a domain app.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from tanhua.exchange.apply import Writer
    from tanhua.exchange.plan import Planner, Rec

# Kinds DESIGN §6 names that no app imports yet: refused by name, never silently skipped.
LATER_KINDS = {
    "talks": "talks",
    "谈话": "talks",
    "谈话台账": "talks",
}


@dataclass(frozen=True)
class Column:
    """One column of a kind. `validator` (a RegexValidator) makes it a code column;
    `choices` (a TextChoices) shows stored values by their label in the preview; `dropdown`
    lists the spellings the template offers; `is_date` formats the template's cells."""

    name: str
    label: str
    required: bool = True
    max_length: int | None = None
    validator: Any = None
    choices: Any = None
    dropdown: tuple[str, ...] = ()
    is_date: bool = False


class ImportKind:
    """One kind of rows (a sheet or a CSV file). Subclasses live in their domain app.

    clean(planner, rec, raw)  - turn one raw row into rec.values, reporting through planner.add
    plan(planner, recs)       - resolve the rows against the database *as the actor sees it*,
                                store what to write in planner.plan.changes[name] and what
                                dependent kinds need in planner.results[name]
    apply(changes, writer)    - write the changes (in the caller's transaction), auditing
                                through writer.event / writer.created
    """

    name: str = ""
    label: str = ""
    columns: tuple[Column, ...] = ()
    # Kinds whose rows this kind may name (planned and applied first).
    depends_on: tuple[str, ...] = ()
    # Rows repeating this key within the file set are refused; `unique_label` names it.
    unique: tuple[str, ...] = ()
    unique_label: str = ""
    # False: rows come from a file type of the kind's own (parsers.READERS), never from a
    # sheet: the kind has no sheet in the template workbook.
    spreadsheet: bool = True

    def clean(self, planner: Planner, rec: Rec, raw: dict) -> None:
        raise NotImplementedError

    def plan(self, planner: Planner, recs: list[Rec]) -> None:
        raise NotImplementedError

    def apply(self, changes: Any, writer: Writer) -> None:
        raise NotImplementedError

    def stored_cells(self, planner: Planner, columns: tuple[str, ...]) -> dict | None:
        """Optional, for re-imports: every stored row the actor may name *and would leave
        unchanged when named*, keyed by the cell texts (`tables.cell_text`) of `columns`
        (the file's columns, in the kind's order) that spell it exactly; each value is
        the row's cleaned `unique` fields as a tuple (for the duplicate check). A data row
        whose cells are such a key is counted unchanged without being cleaned or planned:
        cleaning every cell of a large unchanged file cost most of its re-import. None: no
        such shortcut, every row is cleaned."""
        return None

    def column(self, name: str) -> Column:
        # Called for every cell of every row: a dict built once per kind.
        by_name = self.__dict__.get("_by_name")
        if by_name is None:
            by_name = self.__dict__["_by_name"] = {c.name: c for c in self.columns}
        return by_name[name]

    def find(self, name: str) -> Column | None:
        try:
            return self.column(name)
        except KeyError:
            return None


_REGISTRY: dict[str, ImportKind] = {}


def register(*kinds: ImportKind) -> None:
    """Add kinds to the pipeline (from an AppConfig.ready()); registering again replaces."""
    for kind in kinds:
        _REGISTRY[kind.name] = kind


def get(name: str) -> ImportKind:
    return _REGISTRY[name]


def registered() -> list[ImportKind]:
    """Every kind, dependencies first, otherwise in registration order."""
    ordered: list[ImportKind] = []
    seen: set[str] = set()

    def visit(kind: ImportKind, trail: tuple[str, ...]) -> None:
        if kind.name in seen:
            return
        if kind.name in trail:
            raise ValueError(f"import kinds depend on each other: {trail}")
        for dep in kind.depends_on:
            visit(_REGISTRY[dep], (*trail, kind.name))
        seen.add(kind.name)
        ordered.append(kind)

    for kind in list(_REGISTRY.values()):
        visit(kind, ())
    return ordered


def needed(names: Iterable[str]) -> list[ImportKind]:
    """The kinds to plan for rows of `names`: those and what they depend on, in order."""
    wanted: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack += list(_REGISTRY[name].depends_on)
    return [k for k in registered() if k.name in wanted]


def kind_names() -> str:
    """ "organizations（组织）、cadres（干部）…" for messages listing what can be imported."""
    return "、".join(f"{k.name}（{k.label}）" for k in registered())


def __getattr__(name: str):
    # Read-only views of the registry under the names this module always had.
    if name == "KINDS":
        return tuple(k.name for k in registered())
    if name == "KIND_LABELS":
        return {k.name: k.label for k in registered()}
    if name == "SHEET_KINDS":
        return tuple(k.name for k in registered() if k.spreadsheet)
    if name == "COLUMNS":
        return {k.name: k.columns for k in registered()}
    if name == "DROPDOWNS":
        return {c.name: list(c.dropdown) for k in registered() for c in k.columns if c.dropdown}
    raise AttributeError(name)


BOOL_WORDS = {
    "yes": True,
    "no": False,
    "是": True,
    "否": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
}


def kind_of(name: str) -> str | None:
    """The kind a sheet or file stem names ("organizations", "组织"), if any."""
    key = name.strip().lower()
    for kind in registered():
        if kind.spreadsheet and key in (kind.name, kind.label):
            return kind.name
    return None


def later_kind_of(name: str) -> str | None:
    key = name.strip().lower()
    return None if kind_of(key) else LATER_KINDS.get(key)


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", text).strip("*＊").lower()


def column_for(kind: str, header: str) -> Column | None:
    """The column a header names: its English name or its Chinese label, also written as
    "编码(code)" or "code（编码）" as some templates do."""
    key = _header_key(header)
    candidates = [key, *[p for p in re.split(r"[()（）]", key) if p]]
    for column in get(kind).columns:
        if column.name in candidates or _header_key(column.label) in candidates:
            return column
    return None


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


def parse_date(value: object) -> dt.date | None:
    """2020-05-14, 2020/5/14, 2020年5月14日 or a date cell; None when not a real date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_RE.match(str(value).strip())
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
