"""pytest plugin (listed in the root conftest): transactional tests end with a flush of every
table, which the append-only triggers refuse while audit entries exist. Empty the trail just
before that flush, going around the triggers the way only a test may.

Also: test databases never move an anchor named by TANHUA_AUDIT_ANCHOR_FILE (the operator's
real one); under test the anchor is always the per-database file beside the key file, and
it is written after every commit (AUDIT_ANCHOR_INTERVAL 0)."""

from __future__ import annotations

import pytest


def _is_transactional(item) -> bool:
    names = getattr(item, "fixturenames", ())
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


def pytest_configure(config):
    from django.conf import settings

    if settings.configured:
        settings.AUDIT_ANCHOR_FILE = ""
        # The tests look at the anchor right after a commit: write it after every one (the
        # deferred writes have tests of their own).
        settings.AUDIT_ANCHOR_INTERVAL = 0


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    # tryfirst: runs before the fixtures are finalized, i.e. before pytest-django's flush.
    if not _is_transactional(item):
        return
    from django.db import connection

    from tanhua.audit.testing import clear_trail_for_flush

    _quiet_browser(item)
    try:
        if connection.in_atomic_block:
            return
        _clear_when_unlocked(clear_trail_for_flush)
    except RuntimeError:
        # Database access was never unblocked for this test: nothing to flush.
        return


def _quiet_browser(item) -> None:
    """A browser test's pages go on talking to the live server after the test's last line
    (the bell, a 404 page's assets, an htmx poll), and each request may write an audit entry:
    let every open page fall quiet before the trail is emptied. The pages stay open for the
    test's own fixtures (a failure's screenshot)."""
    browser = getattr(item, "funcargs", {}).get("browser")
    for context in list(getattr(browser, "contexts", ())):
        for page in list(context.pages):
            try:
                page.wait_for_load_state("networkidle", timeout=5000)
            except Exception:  # noqa: S110 - a page that will not settle is closed next anyway
                pass


def _clear_when_unlocked(clear, attempts: int = 50) -> None:
    """SQLite: a request the live server was still finishing holds its lock for a moment."""
    import time

    from django.db import OperationalError

    for attempt in range(attempts):
        try:
            clear()
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.1)
