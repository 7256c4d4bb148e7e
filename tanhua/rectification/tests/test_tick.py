"""`tanhua tick`: notices 20 days before a deadline, warnings 10 days before, a weekly
escalation (督办) while overdue — each event once, a missed run catching up with what is due
now, two runs at once sending nothing twice."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tanhua.accounts.roles import Role
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import build_world, make_user
from tanhua.notices.models import Notice
from tanhua.org.models import Office
from tanhua.rectification.models import AlertKind, MeasureAlert
from tanhua.rectification.services.tracking import due_event, tick
from tanhua.rectification.testing_track import TODAY, measures_world
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = add_talks(build_world())
    w.measures = measures_world(w)
    return w


def _notices(user) -> list[str]:
    return list(Notice.objects.filter(recipient=user).values_list("event_key", flat=True))


def test_the_event_due_is_the_one_of_today_only():
    d = dt.date(2026, 10, 31)
    assert due_event(d, d - dt.timedelta(days=21)) is None
    assert due_event(d, d - dt.timedelta(days=20)) == (AlertKind.NOTICE, 0)
    assert due_event(d, d - dt.timedelta(days=11)) == (AlertKind.NOTICE, 0)
    assert due_event(d, d - dt.timedelta(days=10)) == (AlertKind.WARNING, 0)
    assert due_event(d, d) == (AlertKind.WARNING, 0)
    assert due_event(d, d + dt.timedelta(days=1)) == (AlertKind.OVERDUE, 0)
    assert due_event(d, d + dt.timedelta(days=7)) == (AlertKind.OVERDUE, 0)
    assert due_event(d, d + dt.timedelta(days=8)) == (AlertKind.OVERDUE, 1)


def test_the_owner_is_told_warned_and_escalated_and_the_talker_warned(world):
    report = tick(today=TODAY, housekeeping=False)
    m = world.measures
    owner = _notices(world.users["subject_k11"])
    assert f"measure:{m['soon'].pk}:notice:{m['soon'].deadline}:0" in owner
    assert f"measure:{m['warn'].pk}:warning:{m['warn'].deadline}:0" in owner
    assert f"measure:{m['late'].pk}:overdue:{m['late'].deadline}:0" in owner
    # Closed, long-term and awaiting acceptance are not chased.
    for name in ("done", "long", "waiting"):
        assert not any(k.startswith(f"measure:{m[name].pk}:") for k in owner)
    talker = _notices(world.users["talker_c1"])
    assert talker == [f"measure:{m['warn'].pk}:warning:{m['warn'].deadline}:0"]
    assert report.due_soon == 2 and report.overdue == 3  # late, waiting, c2late
    assert report.alerts == {"notice": 1, "warning": 1, "overdue": 2}


def test_the_owner_reads_their_measure_and_the_others_only_that_one_is_due(world):
    tick(today=TODAY, housekeeping=False)
    own = Notice.objects.get(recipient=world.users["subject_k11"], kind="measure_overdue")
    assert "整治文山会海" in own.title and "已逾期 3 天" in own.title
    # Written in bulk, read back as any notice: an aware time of now, unread, not mailed.
    assert abs((timezone.now() - own.created_at).total_seconds()) < 120
    assert own.read_at is None and own.emailed_at is None and own.mail_error == ""
    alert = MeasureAlert.objects.get(measure=world.measures["late"])
    assert alert.for_date == TODAY and alert.deadline == world.measures["late"].deadline
    warned = Notice.objects.get(recipient=world.users["talker_c1"])
    assert "精简会议文件" not in warned.title and "一项整改举措" in warned.title


def test_an_overdue_measure_escalates_to_the_unit_principal_and_the_covering_office(world):
    office = Office.objects.create(organization=world.orgs["C1"], name="第一纪检监察室")
    office.localities.add(world.orgs["K11"])
    covering = make_user("office_k11", org=world.orgs["C1"], roles=[Role.COMMISSION])
    covering.office = office
    covering.save()
    principal = make_user(
        "principal_c2", org=world.orgs["C2"], roles=[Role.TALKER], cadre=world.cadres["GC2V"]
    )
    tick(today=TODAY, housekeeping=False)
    late = world.measures["late"]
    key = f"measure:{late.pk}:overdue:{late.deadline}:0"
    assert key in _notices(covering)
    # Not the C1 committee's other commission staff: the office covering K11 supervises it.
    assert key not in _notices(world.users["commission_c1"])
    # C2's measure: no office covers C2, so its committee's commission staff hear of it.
    c2 = world.measures["c2late"]
    assert f"measure:{c2.pk}:overdue:{c2.deadline}:0" in _notices(world.users["commission_c2"])
    assert f"measure:{c2.pk}:overdue:{c2.deadline}:0" in _notices(principal)


def test_a_second_run_the_same_day_sends_nothing(world):
    first = tick(today=TODAY, housekeeping=False)
    before = Notice.objects.count()
    second = tick(today=TODAY, housekeeping=False)
    assert first.notified > 0 and second.notified == 0
    assert Notice.objects.count() == before
    assert MeasureAlert.objects.count() == 4


def test_the_escalation_repeats_weekly_while_overdue(world):
    late = world.measures["late"]
    for n in range(0, 15):
        tick(today=TODAY + dt.timedelta(days=n), housekeeping=False)
    seqs = sorted(
        MeasureAlert.objects.filter(measure=late, kind="overdue").values_list("seq", flat=True)
    )
    # Overdue since day −2 (3 days past on TODAY): weeks 0, 1 and 2 within the fortnight.
    assert seqs == [0, 1, 2]


def test_a_missed_run_sends_only_what_is_due_now(world):
    soon = world.measures["soon"]
    # Nobody ran the tick for three weeks: the notice and warning days passed unseen.
    tick(today=soon.deadline + dt.timedelta(days=2), housekeeping=False)
    kinds = list(MeasureAlert.objects.filter(measure=soon).values_list("kind", "seq"))
    assert kinds == [("overdue", 0)]


def test_an_extended_deadline_is_a_new_event(world):
    warn = world.measures["warn"]
    tick(today=TODAY, housekeeping=False)
    warn.deadline = warn.deadline + dt.timedelta(days=60)
    warn.save(update_fields=["deadline"])
    tick(today=warn.deadline - dt.timedelta(days=15), housekeeping=False)
    assert sorted(MeasureAlert.objects.filter(measure=warn).values_list("kind", flat=True)) == [
        "notice",
        "warning",
    ]


def test_the_run_is_audited_once_with_its_counts(world):
    tick(today=TODAY, housekeeping=False)
    entry = AuditEntry.objects.get(action="measure.tick")
    assert entry.detail["alerts"]["overdue"] == 2


def test_the_command_answers_json_with_the_design_fields(world):
    out = StringIO()
    call_command("tick", "--today", TODAY.isoformat(), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["due_soon"] == 2 and data["overdue"] == 3 and data["notified"] > 0
    again = StringIO()
    call_command("tick", "--today", TODAY.isoformat(), "--json", stdout=again)
    assert json.loads(again.getvalue())["notified"] == 0


def test_the_command_prints_chinese_lines(world):
    out = StringIO()
    call_command("tick", "--today", TODAY.isoformat(), stdout=out)
    assert "已逾期：3 项" in out.getvalue() and "过期的导入预览" in out.getvalue()


def test_a_bad_date_is_refused_in_chinese(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期 2026-13-01 无效"):
        call_command("tick", "--today", "2026-13-01")


@pytest.mark.parametrize("declared", [False, True])
def test_an_owner_who_declared_a_conflict_with_the_subject_is_told_without_the_measure_quoted(
    world, declared
):
    from tanhua.accounts.models import ConflictDeclaration
    from tanhua.rectification.models import Measure

    late = world.measures["late"]
    deputy = make_user(
        "deputy_t111", org=world.orgs["T111"], roles=[Role.SUBJECT], cadre=world.cadres["GT111"]
    )
    Measure.objects.unscoped("test").filter(pk=late.pk).update(owner_cadre=world.cadres["GT111"])
    if declared:
        ConflictDeclaration.objects.create(
            user=deputy, cadre=late.subject, reason="kin", detail="亲属关系"
        )
    reads = Measure.objects.visible_to(deputy).filter(pk=late.pk).exists()
    assert reads is not declared
    tick(today=TODAY, housekeeping=False)
    told = Notice.objects.get(recipient=deputy, kind="measure_overdue")
    assert ("整治文山会海" in told.title) is reads
    assert "一项整改举措" in told.title or reads
