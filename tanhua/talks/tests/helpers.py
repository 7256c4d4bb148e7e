"""The world of talks for the outline and record tests (each test module makes it its
`tworld` fixture), and the steps of the talk cycle they share: an approved outline, a
started and held record."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tanhua.core.testing import add_scope_probes, build_world
from tanhua.talks.models import Outline, Talk
from tanhua.talks.services import outline as outlines
from tanhua.talks.services import record as records
from tanhua.talks.testing import add_talks


def talk_world():
    """build_world + scope probes + a year of talks (world.talks["k11"] is C1's talk with
    the K11 secretary, recorder_c1 records it, a draft outline with one problem)."""
    world = add_talks(add_scope_probes(build_world()))
    talk = world.talks["k11"]
    # Scheduling is helper B's; the record tests only need a time and a place.
    talk.scheduled_start = timezone.make_aware(dt.datetime(2026, 6, 10, 9, 0))
    talk.scheduled_end = timezone.make_aware(dt.datetime(2026, 6, 10, 10, 30))
    talk.place = "市委第三会议室"
    talk.save(update_fields=["scheduled_start", "scheduled_end", "place"])
    return world


def fresh(talk: Talk) -> Talk:
    return Talk.objects.unscoped("test").get(pk=talk.pk)


def approve_outline(world, talk: Talk) -> Outline:
    staff, talker = world.users["commission_c1"], world.users["talker_c1"]
    o = Outline.objects.unscoped("test").get(talk=talk)
    o = outlines.submit(actor=staff, talk=talk, expected_version=o.version)
    return outlines.approve(actor=talker, talk=talk, expected_version=o.version)


def held_record(world, talk: Talk, **sections):
    approve_outline(world, talk)
    recorder = world.users["recorder_c1"]
    rec = records.start(actor=recorder, talk=talk)
    rec = records.save(
        actor=recorder,
        talk=talk,
        expected_version=rec.version,
        sections={"overall_evaluation": "总体较好", **sections},
        problems=[records.ProblemDraft(focus_area="A3", text="文山会海问题突出")],
    )
    records.mark_held(actor=recorder, talk=fresh(talk))
    return records.TalkRecord.objects.unscoped("test").get(talk=talk)
