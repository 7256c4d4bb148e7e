"""The database part of a backup, per engine: a consistent copy while the system runs, its
digests from exactly that copy, and putting it back.

- SQLite: the online backup API copies the live database in one step (one read transaction:
  WAL lets requests go on writing meanwhile); the digests are read from the copy.
- PostgreSQL: one REPEATABLE READ transaction exports its snapshot; `pg_dump --snapshot` dumps
  exactly that state (custom format) and the digests are read in the same transaction.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, connections, transaction

from tanhua.backup import digest

SQLITE, POSTGRESQL = "sqlite", "postgresql"
DUMP_NAMES = {SQLITE: "database/tanhua.sqlite3", POSTGRESQL: "database/tanhua.pgdump"}


class EngineError(Exception):
    """The database could not be copied or put back; the message is for the operator."""


@dataclass
class Snapshot:
    path: Path
    tables: dict[str, digest.TableDigest]
    migrations: list[str]
    audit_last: tuple[int, str] | None  # (seq, mac) of the copy's last audit entry
    server_version: str


def vendor() -> str:
    if connection.vendor not in DUMP_NAMES:
        raise EngineError(f"不支持数据库类型 {connection.vendor}：只支持 SQLite 与 PostgreSQL")
    return connection.vendor


def _audit_last(using: str) -> tuple[int, str] | None:
    from tanhua.audit.models import AuditEntry

    return AuditEntry.objects.using(using).order_by("-seq").values_list("seq", "mac").first()


def _read(using: str, path: Path, server_version: str) -> Snapshot:
    return Snapshot(
        path=path,
        tables=digest.database_digests(using),
        migrations=digest.applied_migrations(using),
        audit_last=_audit_last(using),
        server_version=server_version,
    )


# --- SQLite --------------------------------------------------------------------------------


def sqlite_snapshot(dest: Path) -> Snapshot:
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        # pages=-1: one step, so the copy is one consistent state (stepping would restart
        # whenever a request writes in between).
        connection.connection.backup(target, pages=-1)
        # A plain rollback-journal file: the copy stays one self-contained file.
        target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise EngineError(f"复制 SQLite 数据库失败：{exc}") from exc
    finally:
        target.close()
    return sqlite_read(dest)


def sqlite_read(path: Path) -> Snapshot:
    """Digests of an SQLite file, read without changing it."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    # ENGINE too: a PostgreSQL installation may verify an archive made on SQLite.
    changes = {"ENGINE": "django.db.backends.sqlite3", "NAME": uri, "OPTIONS": {"uri": True}}
    with digest.temporary_alias(**changes) as alias:
        return _read(alias, path, sqlite3.sqlite_version)


def sqlite_restore(source: Path) -> None:
    """Replace the (empty) default database's content with the copy, page by page."""
    connection.close()
    connection.ensure_connection()
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        src.backup(connection.connection, pages=-1)
    except sqlite3.Error as exc:
        raise EngineError(f"写入 SQLite 数据库失败：{exc}") from exc
    finally:
        src.close()
        connection.close()


# --- PostgreSQL ----------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The client tool matching the server's major version, where Debian installs several."""
    connection.ensure_connection()
    major = connection.pg_version // 10000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if versioned.exists():
        return str(versioned)
    found = shutil.which(name)
    if found is None:
        raise EngineError(
            f"未找到 {name}：请安装 PostgreSQL 客户端（Debian 软件包 postgresql-client）"
        )
    return found


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq settings through the environment: the password never shows in a process list."""
    env = {**os.environ}
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env


def _run(args: list[str], settings_dict: dict, what: str) -> None:
    proc = subprocess.run(
        args, env=_pg_env(settings_dict), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        tool = Path(args[0]).name
        raise EngineError(f"{what}失败（{tool} 退出码 {proc.returncode}）：" + " ".join(detail))


def pg_snapshot(dest: Path) -> Snapshot:
    import psycopg

    tool = pg_tool("pg_dump")
    level = {"isolation_level": psycopg.IsolationLevel.REPEATABLE_READ}
    options = {**(connection.settings_dict.get("OPTIONS") or {}), **level}
    with digest.temporary_alias(OPTIONS=options) as alias, transaction.atomic(using=alias):
        conn = connections[alias]
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
        _run(
            [tool, "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot_id}", f"--file={dest}"],
            conn.settings_dict,
            "pg_dump 导出数据库",
        )  # fmt: skip
        return _read(alias, dest, server_version)


def pg_check_dump(path: Path) -> None:
    """pg_restore reads the dump's table of contents: a dump it cannot read is refused."""
    _run([pg_tool("pg_restore"), "--list", str(path)], connection.settings_dict, "读取数据库导出")


def pg_restore(source: Path) -> None:
    """Into the default database, after the caller found it empty: what migrations may have
    created there goes first (the dump brings its own schema, triggers included), then the
    dump is restored in one transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    if digest.table_names("default"):
        quoted = connection.ops.quote_name(schema)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {quoted} CASCADE")
            cursor.execute(f"CREATE SCHEMA {quoted}")
    settings_dict = connection.settings_dict
    connection.close()
    _run(
        [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", f"--dbname={settings_dict['NAME']}", str(source)],
        settings_dict,
        "pg_restore 恢复数据库",
    )  # fmt: skip
    connection.close()


def snapshot(dest: Path) -> Snapshot:
    return sqlite_snapshot(dest) if vendor() == SQLITE else pg_snapshot(dest)


def restore(source: Path) -> None:
    sqlite_restore(source) if vendor() == SQLITE else pg_restore(source)
