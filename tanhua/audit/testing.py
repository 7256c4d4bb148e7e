"""Test helpers that go around the append-only triggers: tampering scenarios for the verify
tests, and emptying the trail before a transactional test's flush. Refused outside tests."""

from __future__ import annotations

import importlib
import os

from django.db import connection, transaction

_triggers = importlib.import_module("tanhua.audit.migrations.0002_append_only_triggers")


def _require_testing() -> None:
    if os.environ.get("TANHUA_TESTING") != "1":
        raise RuntimeError("audit test helpers run only under TANHUA_TESTING=1")


def _execute(statements: list[str]) -> None:
    with connection.cursor() as cur:
        for statement in statements:
            cur.execute(statement)


def drop_triggers() -> None:
    """What an attacker with database access would do first."""
    _require_testing()
    _execute(_triggers.SQL[connection.vendor][1])


def restore_triggers() -> None:
    _require_testing()
    _execute(_triggers.SQL[connection.vendor][0])


def tamper(sql: str, params: list | None = None) -> None:
    """Run raw SQL against the trail with the triggers dropped (they stay dropped: the test
    transaction's rollback brings them back)."""
    drop_triggers()
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


def clear_trail_for_flush() -> None:
    """Empty the trail so that the flush ending a transactional test is not refused."""
    _require_testing()
    with transaction.atomic():
        drop_triggers()
        _execute([f"DELETE FROM {_triggers.TABLE}"])  # noqa: S608 - a constant table name
        restore_triggers()
