"""The four-colour board (DESIGN §4) and the 三查三问 counts: aggregation over the measures a
user may see, each a single grouped query whatever the number of rows (the denormalised
campaign, subject, subject_org and focus_area on `Measure` spare the joins).

Colours: green closed (已销号); blue long-term (长期坚持) not closed; red an immediate measure
past its deadline not yet submitted for closing; yellow the rest (on schedule, or awaiting
acceptance) — the same rule as `Measure.colour`, written once more as SQL for the counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.urls import reverse

from tanhua.rectification.models import (
    OPEN_STATUSES,
    Colour,
    MeasureKind,
    MeasureStatus,
)

COLOURS = [c.value for c in Colour]
GROUPS = ("campaign", "committee", "subject")


def measure_url_template() -> str:
    """`measure_url` with `{pk}` in place of the id: the tick builds thousands of links."""
    return measure_url(987654321).replace("987654321", "{pk}")


def measure_url(pk: int) -> str:
    """The measure's own page (progress, closing, extension)."""
    return reverse("rectification:measure", kwargs={"pk": pk})


def colour_q(colour: str, today: dt.date) -> Q:
    closed = Q(status=MeasureStatus.CLOSED)
    long_term = Q(kind=MeasureKind.LONG_TERM) & ~closed
    red = (
        Q(kind=MeasureKind.IMMEDIATE)
        & Q(status__in=[MeasureStatus.OPEN, MeasureStatus.IN_PROGRESS])
        & Q(deadline__lt=today)
    )
    if colour == Colour.GREEN:
        return closed
    if colour == Colour.BLUE:
        return long_term
    if colour == Colour.RED:
        return red
    return ~closed & ~long_term & ~red


def colour_expr(today: dt.date) -> Case:
    return Case(
        *[When(colour_q(c, today), then=Value(c)) for c in (Colour.GREEN, Colour.BLUE, Colour.RED)],
        default=Value(Colour.YELLOW),
        output_field=CharField(),
    )


def state_q(state: str, today: dt.date) -> Q:
    """三查三问's three states: open (未销号), overdue (open, immediate, past deadline), closed."""
    if state == "closed":
        return Q(status=MeasureStatus.CLOSED)
    if state == "overdue":
        return Q(status__in=OPEN_STATUSES, kind=MeasureKind.IMMEDIATE, deadline__lt=today)
    return Q(status__in=OPEN_STATUSES)


@dataclass
class Row:
    key: str  # what the cell links filter on (a campaign pk, a committee or subject code)
    label: str
    counts: dict[str, int]
    extra: str = ""
    person: int | None = None  # the subject's cadre id, on a board by subject

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Board:
    group: str
    rows: list[Row] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {c: sum(r.counts[c] for r in self.rows) for c in COLOURS}

    @property
    def total(self) -> int:
        return sum(self.totals.values())


_GROUP_FIELDS = {
    "campaign": ("campaign_id", "campaign__name", "campaign__year"),
    "committee": ("campaign__committee__code", "campaign__committee__name", "campaign__year"),
    "subject": ("subject__code", "subject__name", "subject_org__name"),
}


def board(measures: QuerySet, *, group: str, today: dt.date) -> Board:
    """`measures` (already visible_to the viewer and filtered) counted by colour per
    campaign, committee or subject: one query."""
    key, label, extra = _GROUP_FIELDS[group]
    counts = {c: Count("pk", filter=colour_q(c, today)) for c in COLOURS}
    person = ("subject_id",) if group == "subject" else ()
    rows = (
        measures.order_by().values(key, label, extra, *person).annotate(**counts)
        .order_by(extra, key)
    )  # fmt: skip
    if group == "campaign":
        rows = rows.order_by(f"-{extra}", label)
    return Board(
        group=group,
        rows=[
            Row(key=str(r[key]), label=r[label], extra=str(r[extra] or ""),
                counts={c: r[c] for c in COLOURS}, person=r.get("subject_id"))
            for r in rows
        ],
    )  # fmt: skip


def note_read(rows) -> None:
    """The subjects a board by subject names, for the request's read entry: grouped
    `values()` rows are not model rows, which the scoped queryset notes by itself."""
    from tanhua.core import request_context
    from tanhua.core.scoped import shown_on

    request = request_context.current_request()
    people = {r.person for r in rows if r.person is not None}
    if request is not None and people:
        shown_on(request).people.update(people)


@dataclass
class UnitCounts:
    unit: object
    open: int
    overdue: int
    closed: int


def unit_q(unit) -> Q:
    """A unit's measures: of subjects in it or below, or owned by it or a unit below it."""
    return Q(subject_org__path__startswith=unit.path) | Q(owner_org__path__startswith=unit.path)


def sancha(measures: QuerySet, units: list, *, today: dt.date) -> list[UnitCounts]:
    """Each unit's open, overdue and closed measures: one query for all the units."""
    if not units:
        return []
    aggs = {}
    for i, unit in enumerate(units):
        for state in ("open", "overdue", "closed"):
            aggs[f"u{i}_{state}"] = Count("pk", filter=unit_q(unit) & state_q(state, today))
    got = measures.order_by().aggregate(**aggs)
    return [
        UnitCounts(unit, got[f"u{i}_open"], got[f"u{i}_overdue"], got[f"u{i}_closed"])
        for i, unit in enumerate(units)
    ]
