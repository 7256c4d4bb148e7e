"""Row counts and content hashes per table, computed the same way on SQLite and PostgreSQL.

Every table the database holds is covered, so a model added later is in every backup and
every comparison without more work. Rows are read through the ORM of the model that owns the
table (values as Django gives them back, whatever the engine stores), ordered by primary key,
each normalised to one line of canonical JSON; the hash is SHA-256 over the column names and
those lines. A table no model owns is read raw, ordered by its first column.
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
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

# What `migrate` itself writes into a new database: a restore target holding rows only
# here still counts as empty.
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
_REASON = "backup: a whole-database copy and its hashes must see every row"
_CHUNK = 2000


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _normal(value: Any) -> Any:
    """A JSON-safe, engine-independent form of one column value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, bytes | bytearray | memoryview):
        return {"hex": bytes(value).hex()}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return value  # JSON columns: canonical through sort_keys below
    return str(value)


def _line(values) -> bytes:
    return (
        json.dumps(
            [_normal(v) for v in values],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        ).encode()
        + b"\n"
    )


def _models_by_table() -> dict[str, Any]:
    out: dict[str, Any] = {"django_migrations": MigrationRecorder.Migration}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.proxy:
            out.setdefault(meta.db_table, model)
    return out


def _queryset(model, using: str):
    # The registry's querysets refuse to run unscoped by accident; a backup is the one
    # reader that must see everything, so it says so where the manager offers the escape.
    default = model._default_manager.db_manager(using).all()
    if callable(getattr(default, "unscoped", None)):
        return default.unscoped(_REASON)
    return model._base_manager.db_manager(using).all()


def _model_rows(model, using: str) -> tuple[list[str], Iterator]:
    fields = model._meta.concrete_fields
    columns = [f.column for f in fields]
    rows = _queryset(model, using).order_by("pk").values_list(*[f.attname for f in fields])
    return columns, rows.iterator(chunk_size=_CHUNK)


def _raw_rows(table: str, using: str) -> tuple[list[str], Iterator]:
    conn = connections[using]
    quoted = conn.ops.quote_name(table)
    cursor = conn.cursor()
    cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")  # noqa: S608 - an introspected name
    columns = [c[0] for c in cursor.description]

    def rows():
        try:
            while batch := cursor.fetchmany(_CHUNK):
                yield from batch
        finally:
            cursor.close()

    return columns, rows()


def table_names(using: str) -> list[str]:
    conn = connections[using]
    with conn.cursor() as cursor:
        return sorted(conn.introspection.table_names(cursor))


def table_digest(table: str, using: str, models: dict[str, Any] | None = None) -> TableDigest:
    model = (models if models is not None else _models_by_table()).get(table)
    columns, rows = _model_rows(model, using) if model is not None else _raw_rows(table, using)
    digest = hashlib.sha256(_line(columns))
    count = 0
    for row in rows:
        digest.update(_line(row))
        count += 1
    return TableDigest(count, digest.hexdigest())


def database_digests(using: str) -> dict[str, TableDigest]:
    """Every table of the database behind `using`: row count and hash."""
    models = _models_by_table()
    return {table: table_digest(table, using, models) for table in table_names(using)}


def applied_migrations(using: str) -> list[str]:
    if "django_migrations" not in table_names(using):
        return []
    rows = MigrationRecorder.Migration.objects.using(using).values_list("app", "name")
    return sorted(f"{app}.{name}" for app, name in rows)


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
