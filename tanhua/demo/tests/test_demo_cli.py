"""`tanhua demo` as a user runs it: a fresh TANHUA_HOME, the embedded SQLite database
created from nothing, loaded once, and --reset starting over."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

# The demo runs on its own embedded database whatever engine the suite runs on.
pytestmark = pytest.mark.embedded


def tanhua(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TANHUA_HOME": str(home)}
    env.pop("DATABASE_URL", None)  # the demo's own embedded database, even in a PG run
    return subprocess.run(
        [sys.executable, "-m", "tanhua.cli", "demo", "--no-serve", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def count(db, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


@pytest.mark.slow
def test_tanhua_demo_creates_the_database_loads_once_and_reset_reloads(tmp_path):
    db = tmp_path / "tanhua.sqlite3"

    first = tanhua(tmp_path)
    assert first.returncode == 0, first.stderr
    assert db.is_file()
    assert "已载入" in first.stdout
    orgs, entries = count(db, "org_organization"), count(db, "audit_auditentry")
    assert orgs >= 1 + 8 + 50

    second = tanhua(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "不再重复载入" in second.stdout
    assert "demo_talker" in second.stdout
    assert count(db, "audit_auditentry") == entries

    third = tanhua(tmp_path, "--reset")
    assert third.returncode == 0, third.stderr
    assert "已删除演示数据库" in third.stdout
    assert "已载入" in third.stdout
    assert count(db, "org_organization") == orgs
    # A fresh database starts a fresh audit chain: the same entries, not twice as many.
    assert count(db, "audit_auditentry") == entries
