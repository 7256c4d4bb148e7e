"""The lockout holds under concurrency: parallel wrong passwords never get more than the
limit checked (once 12 at once got 8 checked against a limit of 5)."""

import threading
import time
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection

from tanhua.accounts import security
from tanhua.accounts.models import LoginFailure
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import make_user

PARALLEL = 12


@pytest.mark.django_db(transaction=True)
def test_twelve_parallel_wrong_passwords_get_no_more_than_the_limit_checked():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite runs every transaction BEGIN IMMEDIATE, one writer at a "
            "time, and its in-memory test database is not shared between threads"
        )
    user = make_user("racer", org=None, roles=["commission"])
    limit = settings.LOGIN_FAILURE_LIMIT
    checked: list[str] = []
    guard = threading.Lock()
    real_authenticate = security.authenticate

    def slow_authenticate(request, **credentials):
        # A real hasher takes this long: it is the window the race used to slip through.
        with guard:
            checked.append(credentials["username"])
        time.sleep(0.2)
        return real_authenticate(request, **credentials)

    start = threading.Barrier(PARALLEL)
    outcomes: list[security.LoginOutcome] = []
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        try:
            start.wait()
            out = security.attempt_login(
                None, username=user.username, password=f"wrong-password-{i}", ip=f"10.0.0.{i}"
            )
            with guard:
                outcomes.append(out)
        except BaseException as exc:  # reported by the main thread, which asserts none
            errors.append(exc)
        finally:
            connection.close()

    with mock.patch.object(security, "authenticate", side_effect=slow_authenticate):
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(PARALLEL)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

    assert not errors, errors
    assert len(outcomes) == PARALLEL
    assert len(checked) == limit
    assert LoginFailure.objects.filter(username=user.username).count() == limit
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == limit
    assert all(o.user is None for o in outcomes)
    assert sum(o.locked for o in outcomes) == PARALLEL - limit + 1  # the 5th locks the name
    assert security.locked_until(user.username) is not None
