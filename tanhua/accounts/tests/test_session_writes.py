"""A page does not write its session unless something in it changed (issue 7): the idle
stamp is renewed once it is a minute old, so the idle timeout still holds."""

from __future__ import annotations

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tanhua.accounts.middleware import ACTIVITY_STAMP_SECONDS, LAST_ACTIVITY_KEY


def _session_writes(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return sum(
        1
        for q in ctx.captured_queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith("UPDATE")
    )


def test_logging_in_stamps_the_activity_so_the_first_page_writes_no_session(client, owner):
    client.force_login(owner)
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5
    assert _session_writes(client) == 0


def test_pages_within_a_minute_leave_the_session_unwritten(client, owner):
    client.force_login(owner)
    stamp = client.session[LAST_ACTIVITY_KEY]
    assert [_session_writes(client) for _ in range(3)] == [0, 0, 0]
    assert client.session[LAST_ACTIVITY_KEY] == stamp


def test_a_stamp_a_minute_old_is_renewed_and_the_session_saved(client, owner):
    client.force_login(owner)
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - ACTIVITY_STAMP_SECONDS - 1
    session.save()
    assert _session_writes(client) == 1
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5
