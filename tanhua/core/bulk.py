"""Inserting many rows at once where a unique key may already hold some of them (a run of the
tick beside another): `INSERT … ON CONFLICT DO NOTHING` on both engines. Django's
`bulk_create` compiles every row through the model (20,000 notices took seconds before the
first byte went out); this writes plain tuples — on PostgreSQL as one statement per chunk over
`unnest` of one array per column (psycopg's `executemany` ran a statement per row), on SQLite
with `executemany`, which its driver runs in C."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

CHUNK = 5000


def insert_ignoring_conflicts(
    model,
    columns: Sequence[str],
    rows: list[tuple],
    *,
    conflict: Sequence[str],
    pg_types: Sequence[str],
) -> None:
    """`rows` (tuples in the order of `columns`, values as the database takes them: dates and
    times through `connection.ops.adapt_*field_value`) into
    `model`'s table; a row whose `conflict` key exists already is skipped. `pg_types` names
    each column's PostgreSQL type for the arrays (e.g. "bigint", "text", "date")."""
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    cols = ", ".join(q(c) for c in columns)
    on_conflict = f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO NOTHING"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{t}[]" for t in pg_types)
            # Names come from the model and are quoted; every value is a parameter.
            sql = f"INSERT INTO {table} ({cols}) SELECT * FROM unnest({arrays}) {on_conflict}"  # noqa: S608
            for i in range(0, len(rows), CHUNK):
                chunk = rows[i : i + CHUNK]
                cur.execute(sql, [list(col) for col in zip(*chunk, strict=True)])
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) {on_conflict}"  # noqa: S608
            for i in range(0, len(rows), CHUNK):
                cur.executemany(sql, rows[i : i + CHUNK])
