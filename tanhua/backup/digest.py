"""Row counts and content hashes per table, computed the same way on SQLite and PostgreSQL.

Every table the database holds is covered, so a model added later is in every backup and
every comparison without more work. A backup copies tables, not models: rows are read with
plain SQL (no queryset, so no scoping applies; the backup is the one reader that must see
every row of every table), ordered by the primary key of the model that owns the table (or
by the first column), each encoded as one line of canonical JSON. The hash is SHA-256 over
the column names and those lines; values the JSON encoder does not know (datetimes,
decimals, binary) are normalised to text first. The copy and the restored database are read
by the same engine, so the same stored value always gives the same line.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connections
from django.db.utils import load_backend

# What `migrate` itself writes into a new database: a restore target holding rows only
# here still counts as empty.
# On SQLite the full-text index's FTS5 shadow tables hold their structure records from the
# migration on (tanhua/search/migrations/0001_initial.py).
BOOKKEEPING_TABLES = frozenset(
    {"django_migrations", "django_content_type", "auth_permission"}
    | {f"search_fts_{part}" for part in ("config", "data", "idx", "docsize")}
)
_CHUNK = 5000


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _normal(value: Any) -> Any:
    """Text for what JSON has no type for (the encoder's fallback, so rare values only)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, bytes | bytearray | memoryview):
        return {"hex": bytes(value).hex()}
    if isinstance(value, uuid.UUID | set | frozenset):
        return str(sorted(value)) if isinstance(value, set | frozenset) else str(value)
    return str(value)


# One encoder for every row: json.dumps with options would build a new one per call.
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_normal
)


def _line(values) -> bytes:
    return _ENCODER.encode(list(values)).encode() + b"\n"


def _order_columns() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.proxy:
            out.setdefault(meta.db_table, [f.column for f in meta.pk_fields])
    return out


def _digest_rows(table: str, using: str, order: list[str] | None) -> TableDigest:
    conn = connections[using]
    q = conn.ops.quote_name
    by = ", ".join(q(c) for c in order) if order else "1"
    # A server-side cursor on PostgreSQL: a table of millions of rows in constant memory.
    cursor = conn.chunked_cursor()
    try:
        cursor.execute(f"SELECT * FROM {q(table)} ORDER BY {by}")  # noqa: S608 - introspected
        digest = hashlib.sha256(_line(c[0] for c in cursor.description))
        count = 0
        encode = _ENCODER.encode
        while batch := cursor.fetchmany(_CHUNK):
            digest.update("".join(encode(list(row)) + "\n" for row in batch).encode())
            count += len(batch)
    finally:
        cursor.close()
    return TableDigest(count, digest.hexdigest())


def table_names(using: str) -> list[str]:
    conn = connections[using]
    with conn.cursor() as cursor:
        return sorted(conn.introspection.table_names(cursor))


def table_digest(table: str, using: str) -> TableDigest:
    return _digest_rows(table, using, _order_columns().get(table))


def database_digests(using: str) -> dict[str, TableDigest]:
    """Every table of the database behind `using`: row count and hash."""
    order = _order_columns()
    return {t: _digest_rows(t, using, order.get(t)) for t in table_names(using)}


def applied_migrations(using: str) -> list[str]:
    if "django_migrations" not in table_names(using):
        return []
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return sorted(f"{app}.{name}" for app, name in cursor.fetchall())


def tables_with_rows(using: str) -> list[str]:
    """Tables holding data, migrations' own bookkeeping aside: a restore target must have none."""
    conn = connections[using]
    found = []
    with conn.cursor() as cursor:
        for table in table_names(using):
            if table in BOOKKEEPING_TABLES:
                continue
            cursor.execute(f"SELECT 1 FROM {conn.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                found.append(table)
    return found


@contextmanager
def temporary_alias(base: str = "default", **changes) -> Iterator[str]:
    """A connection alias to another database (or another session of the same one) with the
    settings of `base` and `changes`; closed and removed afterwards. The connection is made
    here rather than declared in settings.DATABASES: it exists for this one task only."""
    alias = f"backup_{uuid.uuid4().hex[:12]}"
    settings_dict = copy.deepcopy(connections[base].settings_dict)
    settings_dict.update(changes)
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        try:
            wrapper.close()
        finally:
            del connections[alias]
