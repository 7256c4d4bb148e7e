"""Concurrent writers keep one unbroken chain (PostgreSQL: advisory lock; SQLite: IMMEDIATE)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings as settings_module
from django.db import connection, connections, transaction

from tanhua.audit import anchor, services
from tanhua.audit.models import AuditEntry
from tanhua.audit.verify import verify

THREADS = 6
PER_THREAD = 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_the_chain_intact_and_the_anchor_at_the_tail(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database is shared-cache: no real concurrency")
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                # Each append in its own transaction, like requests; some in pairs.
                with transaction.atomic():
                    services.record("org.update", object_id=f"{n}-{i}")
                    if i % 5 == 0:
                        services.record("org.update", object_id=f"{n}-{i}-b")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected = THREADS * (PER_THREAD + PER_THREAD // 5)
    assert AuditEntry.objects.count() == expected
    report = verify()
    assert report.ok, report.problem
    assert report.last_seq == expected
    last = AuditEntry.objects.get(seq=expected)
    assert anchor.read() == anchor.Anchor(expected, last.mac)


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_may_leave_entries_for_the_flush(settings, tmp_path):
    # The flush that ends this test must not be refused by the append-only triggers
    # (tanhua.audit.pytest_plugin empties the trail first); an error here fails teardown.
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    services.record("org.update")
    assert AuditEntry.objects.count() == 1


@pytest.mark.slow
def test_concurrent_processes_on_an_sqlite_file_keep_one_chain(tmp_path):
    """The embedded database: several processes append at once (IMMEDIATE transactions),
    then `audit verify` in another process finds one unbroken chain and the anchor at its tail."""
    if connection.vendor != "sqlite":
        pytest.skip("exercises the embedded SQLite file; PostgreSQL is covered above")
    root = Path(settings_module.BASE_DIR).parent
    env = {**os.environ, "TANHUA_HOME": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("TANHUA_AUDIT_KEY_FILE", None)

    def manage(*args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    assert manage("migrate", "-v0").wait() == 0
    script = (
        "from tanhua.audit import services\n"
        f"for i in range({PER_THREAD}):\n"
        "    services.record('org.update', object_id=str(i))\n"
    )
    writers = [manage("shell", "-v0", "-c", script) for _ in range(4)]
    for proc in writers:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    check = manage("audit", "verify")
    out, err = check.communicate(timeout=60)
    assert check.returncode == 0, err
    total = 4 * PER_THREAD
    assert f"共 {total} 条记录，最后一条为第 {total} 条；外部锚点：第 {total} 条" in out


@pytest.mark.django_db(transaction=True)
def test_concurrent_anonymous_refusals_add_up_on_one_row(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database is shared-cache: no real concurrency")
    from tanhua.audit.models import AnonymousRefusal

    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def counter() -> None:
        try:
            start.wait()
            for _ in range(PER_THREAD):
                services.count_anonymous_refusal(client="192.0.2.1", kind="not_found")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=counter) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # Within one minute, unless the clock turned one over meanwhile.
    assert sum(AnonymousRefusal.objects.values_list("count", flat=True)) == THREADS * PER_THREAD
    assert AnonymousRefusal.objects.count() <= 2
    assert not AuditEntry.objects.exists()


@pytest.mark.slow
def test_concurrent_processes_count_anonymous_refusals_on_an_sqlite_file(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("exercises the embedded SQLite file; PostgreSQL is covered above")
    root = Path(settings_module.BASE_DIR).parent
    env = {**os.environ, "TANHUA_HOME": str(tmp_path)}
    env.pop("DATABASE_URL", None)

    def manage(*args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    assert manage("migrate", "-v0").wait() == 0
    script = (
        "from tanhua.audit import services\n"
        f"for i in range({PER_THREAD}):\n"
        "    services.count_anonymous_refusal(client='192.0.2.1', kind='not_found')\n"
    )
    workers = [manage("shell", "-v0", "-c", script) for _ in range(4)]
    for proc in workers:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    total = (
        "from tanhua.audit.models import AnonymousRefusal\n"
        "print(sum(AnonymousRefusal.objects.values_list('count', flat=True)))\n"
    )
    check = manage("shell", "-v0", "-c", total)
    out, err = check.communicate(timeout=60)
    assert check.returncode == 0, err
    assert out.strip() == str(4 * PER_THREAD)
