"""Writing a validated Plan: each kind applies its changes in dependency order, all in the
caller's transaction, and the audit entries of the whole import are appended at once. The
bulk SQL helpers are here so every kind writes large files the same fast way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from tanhua.audit import services as audit
from tanhua.exchange import schema
from tanhua.exchange.plan import Plan

BATCH = 1000
# Created objects are audited in entries of this many (each with every object's state):
# one entry per object cost more than the whole import may take (docs/benchmarks.md).
AUDIT_CHUNK = 500


def _columns(model, fields: list[str]) -> list[str]:
    qn = connection.ops.quote_name
    return [qn(model._meta.get_field(f).column) for f in fields]


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    """PostgreSQL's bulk path: COPY streams the rows, each value sent once in its text form,
    where executemany of INSERTs quoted every value into SQL on the client (psycopg's client
    side binding, which Django uses) and took 2.4× SQLite's time (docs/benchmarks.md)."""
    raw = getattr(cursor, "cursor", cursor)  # under Django's (debug) cursor wrapper
    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """INSERT many rows with values already in database form. bulk_create builds a model
    instance and prepares every value through the ORM for each row, which alone took more
    than the whole import's time budget at 50,000 rows (docs/benchmarks.md)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table, columns = qn(model._meta.db_table), _columns(model, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, table, columns, rows)
            return
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - names from model meta
        for i in range(0, len(rows), BATCH * 5):
            cursor.executemany(sql, rows[i : i + BATCH * 5])


def update_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE rows by primary key; each row holds the new values of `fields`, then the pk.
    bulk_update's CASE WHEN statements grow with the batch and took seconds per thousand.
    On PostgreSQL the new values are COPYed into a temporary table and applied with one
    UPDATE … FROM, instead of one quoted statement per row."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    columns = _columns(model, fields)
    versioned = any(f.name == "version" for f in model._meta.concrete_fields)
    # A versioned record (core.versioning) changed by an import is a new version too, so an
    # editor working from the old one is refused rather than overwriting the import.
    bump = f", {qn('version')} = {table}.{qn('version')} + 1" if versioned else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staged = qn(f"_import_{model._meta.db_table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "  # noqa: S608 - names from model meta
                f"SELECT {', '.join(columns)}, {pk} FROM {table} WITH NO DATA"
            )
            _copy(cursor, staged, [*columns, pk], rows)
            assignments = ", ".join(f"{c} = s.{c}" for c in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments}{bump} FROM {staged} s "  # noqa: S608 - names from model meta
                f"WHERE {table}.{pk} = s.{pk}"
            )
            cursor.execute(f"DROP TABLE {staged}")
            return
        assignments = ", ".join(f"{c} = %s" for c in columns)
        sql = f"UPDATE {table} SET {assignments}{bump} WHERE {pk} = %s"  # noqa: S608 - names from model meta
        for i in range(0, len(rows), BATCH * 5):
            cursor.executemany(sql, rows[i : i + BATCH * 5])


@dataclass
class Writer:
    """What a kind's `apply` writes with: the actor, the import's source, one timestamp for
    every row, and the audit events gathered for the whole import."""

    actor: object
    source: str
    now: datetime = field(default_factory=timezone.now)
    events: list[audit.Event] = field(default_factory=list)

    @property
    def stamp(self):
        return connection.ops.adapt_datetimefield_value(self.now)

    def day(self, value):
        return connection.ops.adapt_datefield_value(value)

    def created(self, action, object_type, label, snapshots: list[dict], key: str) -> None:
        """Created objects, audited AUDIT_CHUNK to an entry with each object's state."""
        for i in range(0, len(snapshots), AUDIT_CHUNK):
            chunk = snapshots[i : i + AUDIT_CHUNK]
            first, last = str(chunk[0][key]), str(chunk[-1][key])
            self.events.append(
                audit.Event(
                    action=action,
                    object_type=object_type,
                    object_id=first if first == last else f"{first}…{last}",
                    object_repr=f"导入新增{label} {len(chunk)} 个",
                    after={"objects": chunk},
                    detail={"import": self.source, "count": len(chunk)},
                    actor=self.actor,
                    at=self.now,
                )
            )

    def event(self, action, object_type, object_id, object_repr, before, after) -> None:
        self.events.append(
            audit.Event(
                action=action,
                object_type=object_type,
                object_id=object_id,
                object_repr=object_repr,
                before=before,
                after=after,
                detail={"import": self.source} if self.source else None,
                actor=self.actor,
                at=self.now,
            )
        )


@transaction.atomic
def apply_plan(plan: Plan, *, actor, source: str) -> None:
    writer = Writer(actor=actor, source=source)
    for kind in schema.registered():
        changes = plan.changes.get(kind.name)
        if changes:
            kind.apply(changes, writer)
    if writer.events:
        audit.record_many(writer.events)
