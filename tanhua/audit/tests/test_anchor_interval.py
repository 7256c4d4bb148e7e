"""The anchor written at most once per AUDIT_ANCHOR_INTERVAL (issue 7): the first commit of
a process anchors at once, later ones within the interval are written by the timer or at
exit, never ahead of the database and never along another chain."""

from __future__ import annotations

import threading

import pytest

from tanhua.audit import anchor, services
from tanhua.audit.models import AuditEntry
from tanhua.audit.verify import verify


@pytest.fixture
def deferred(db, settings, tmp_path):
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    settings.AUDIT_ANCHOR_INTERVAL = 3600  # no timer fires during a test
    anchor._written_at.clear()
    anchor._pending.clear()
    yield settings
    with anchor._state:
        timers = list(anchor._timers.values())
        anchor._timers.clear()
        anchor._pending.clear()
        anchor._written_at.clear()
    for timer in timers:
        timer.cancel()


def _commit(capture, n: int = 1) -> None:
    with capture(execute=True):
        for i in range(n):
            services.record("org.update", object_type="organization", object_id=f"O{i}")


def _mac(seq: int) -> str:
    return AuditEntry.objects.get(seq=seq).mac


def test_the_first_commit_anchors_at_once_and_later_ones_wait_for_the_interval(
    deferred, django_capture_on_commit_callbacks
):
    _commit(django_capture_on_commit_callbacks)
    assert anchor.read() == anchor.Anchor(1, _mac(1))
    _commit(django_capture_on_commit_callbacks)
    _commit(django_capture_on_commit_callbacks, 2)
    assert anchor.read().seq == 1
    assert anchor._pending[anchor.path()] == (4, _mac(4), 2)
    assert isinstance(anchor._timers[anchor.path()], threading.Timer)


def test_a_lagging_anchor_still_verifies_clean(deferred, django_capture_on_commit_callbacks):
    _commit(django_capture_on_commit_callbacks)
    _commit(django_capture_on_commit_callbacks, 3)
    report = verify()
    assert (report.ok, report.count, report.anchor.seq) == (True, 4, 1)


def test_a_flush_writes_the_highest_pending_entry(deferred, django_capture_on_commit_callbacks):
    _commit(django_capture_on_commit_callbacks)
    _commit(django_capture_on_commit_callbacks)
    _commit(django_capture_on_commit_callbacks, 2)
    anchor.flush()
    assert anchor.read() == anchor.Anchor(4, _mac(4))
    assert anchor._pending == {}
    assert anchor.path() not in anchor._timers


def test_a_commit_after_the_interval_writes_at_once(deferred, django_capture_on_commit_callbacks):
    _commit(django_capture_on_commit_callbacks)
    _commit(django_capture_on_commit_callbacks)
    anchor._written_at[anchor.path()] -= 7200  # the interval has passed
    _commit(django_capture_on_commit_callbacks)
    assert anchor.read() == anchor.Anchor(3, _mac(3))


def test_a_pending_entry_no_longer_in_the_database_is_not_anchored(
    deferred, django_capture_on_commit_callbacks
):
    _commit(django_capture_on_commit_callbacks)
    # As if the trail had been restored between the commit and the timer.
    anchor._pending[anchor.path()] = (5, "f" * 64, 5)
    anchor.flush()
    assert anchor.read().seq == 1


def test_a_reset_drops_what_was_pending(deferred, django_capture_on_commit_callbacks):
    _commit(django_capture_on_commit_callbacks)
    _commit(django_capture_on_commit_callbacks)
    anchor.reset(anchor.Anchor(1, _mac(1)))
    anchor.flush()
    assert anchor.read().seq == 1


def test_the_timer_writes_the_pending_anchor(deferred, django_capture_on_commit_callbacks):
    _commit(django_capture_on_commit_callbacks)
    _commit(django_capture_on_commit_callbacks)
    timer = anchor._timers[anchor.path()]
    timer.cancel()
    # What the timer's thread runs (here in this thread: the test database is not shared).
    anchor.flush(anchor.path())
    assert anchor.read() == anchor.Anchor(2, _mac(2))
