"""The campaign chart's days: the local day of a talk's time, whichever way it is computed."""

import datetime as dt

import pytest
from django.db.models.functions import TruncDate
from django.utils import timezone

from tanhua.campaigns import stats
from tanhua.talks.models import Talk, TalkStatus
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def schedule(talk, when):
    Talk.objects.unscoped("test").filter(pk=talk.pk).update(
        status=TalkStatus.SCHEDULED, scheduled_start=when
    )


def test_a_talk_at_one_in_the_morning_in_beijing_counts_on_its_beijing_day(world):
    w = add_talks(world)
    # 17:30 UTC on 1 June is 01:30 on 2 June in Beijing.
    schedule(w.talks["k11"], dt.datetime(2026, 6, 1, 17, 30, tzinfo=UTC))
    chart = stats.progress(w.campaigns["P"])
    day = chart["days"].index("2026-06-02")
    assert chart["scheduled"][day - 1] == 0
    assert chart["scheduled"][day] == 1


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/St_Johns"])
def test_the_local_day_agrees_with_truncdate_across_offsets_and_summer_time(world, zone):
    w = add_talks(world)
    times = [
        dt.datetime(2026, 5, 14, 22, 45, tzinfo=UTC),
        dt.datetime(2026, 5, 15, 3, 0, tzinfo=UTC),
        dt.datetime(2026, 6, 30, 23, 59, tzinfo=UTC),
        dt.datetime(2026, 7, 10, 16, 30, tzinfo=UTC),
    ]
    for talk, when in zip(w.talks.values(), times, strict=False):
        schedule(talk, when)
    campaign = w.campaigns["P"]
    with timezone.override(zone):
        for first, last in [
            (campaign.window_start, campaign.window_end),
            (dt.date(2026, 3, 1), dt.date(2026, 11, 30)),
        ]:
            talks = (
                Talk.objects.unscoped("test").filter(scheduled_start__isnull=False).order_by("pk")
            )
            ours = list(
                talks.annotate(d=stats.local_day("scheduled_start", first, last)).values_list(
                    "d", flat=True
                )
            )
            django = list(
                talks.annotate(d=TruncDate("scheduled_start")).values_list("d", flat=True)
            )
            assert ours == django and len(ours) == len(times)
