"""Two ticks at the same time send nothing twice: on PostgreSQL the runs take an advisory
lock and the second finds every event sent; the unique keys (MeasureAlert's and Notice's)
stand behind it on every engine."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tanhua.core.testing import build_world
from tanhua.notices.models import Notice
from tanhua.notices.services import notify_each
from tanhua.rectification.models import MeasureAlert
from tanhua.rectification.services.tracking import tick
from tanhua.rectification.testing_track import TODAY, measures_world
from tanhua.talks.testing import add_talks

PARALLEL = 4


@pytest.mark.django_db(transaction=True)
def test_parallel_ticks_send_each_notice_once():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite runs every transaction BEGIN IMMEDIATE, one writer at a "
            "time, and its in-memory test database is not shared between threads"
        )
    w = add_talks(build_world())
    measures_world(w)
    start = threading.Barrier(PARALLEL)
    sent: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            sent.append(tick(today=TODAY, housekeeping=False).notified)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(sent)[:-1] == [0] * (PARALLEL - 1) and sent and max(sent) > 0
    assert Notice.objects.count() == max(sent)
    assert MeasureAlert.objects.count() == 4


@pytest.mark.django_db
def test_a_notice_already_made_by_another_run_is_not_made_again():
    w = add_talks(build_world())
    user = w.users["subject_k11"]
    first = notify_each(notices=[Notice(recipient=user, event_key="measure:1:notice:x:0",
                                        kind="k", title="t")])  # fmt: skip
    # The other run's insert landed between this run's check and its own insert: the unique
    # key leaves one row.
    Notice.objects.bulk_create(
        [Notice(recipient=user, event_key="measure:1:notice:x:0", kind="k", title="t")],
        ignore_conflicts=True,
    )
    second = notify_each(notices=[Notice(recipient=user, event_key="measure:1:notice:x:0",
                                         kind="k", title="t")])  # fmt: skip
    assert (first, second) == (1, 0)
    assert Notice.objects.filter(recipient=user).count() == 1
