"""Import kind `measures` (an existing 整改台账, DESIGN §6): rows land in the plan of the
year's talk with that subject as the importer sees it; all-or-nothing with per-row Chinese
problems; a second import changes nothing; a measure already in the system never changes
by a ledger."""

from __future__ import annotations

import datetime as dt

import pytest

from tanhua.audit.models import AuditEntry
from tanhua.core.testing import add_scope_probes
from tanhua.exchange.services import ImportRejected, import_tables
from tanhua.rectification.models import Measure, MeasureKind, PlanStatus, RectificationPlan
from tanhua.rectification.testing_lists import seal_talk
from tanhua.rectification.tests import lists_fixtures
from tanhua.talks.models import Talk, TalkStatus

year, sealed, users = lists_fixtures.year, lists_fixtures.sealed, lists_fixtures.users


def row(**kw):
    return {
        "campaign": "2026",
        "subject_code": "GK11",
        "problem": "调研不深入，存在文山会海现象",
        "focus_area": "A3",
        "measure": "建立常态化调研机制",
        "owner_code": "GK11",
        "deadline": "2026-10-31",
        "status": "open",
        **kw,
    }


def lines(exc):
    return [(p.row, p.column, p.message) for p in exc.problems]


def test_a_ledger_lands_in_an_approved_plan_of_the_talk(sealed, users):
    rows = [
        row(),
        row(measure="制定责任清单", owner_code="K11", status="长期坚持"),
        row(problem="一岗双责落实不够", focus_area="A2", measure="约谈", status="closed"),
    ]
    report = import_tables({"measures": rows}, actor=users["commission_c1"])
    assert report.changed
    plan = RectificationPlan.objects.unscoped("test").get(talk=sealed)
    assert plan.status == PlanStatus.APPROVED
    measures = {m.text: m for m in Measure.objects.unscoped("test").filter(talk=sealed)}
    assert measures["制定责任清单"].kind == MeasureKind.LONG_TERM
    assert measures["制定责任清单"].owner_org.code == "K11"
    assert measures["约谈"].status == "closed" and measures["约谈"].closed_at is not None
    assert measures["建立常态化调研机制"].deadline == dt.date(2026, 10, 31)
    assert Talk.objects.unscoped("test").get(pk=sealed.pk).status == TalkStatus.RECTIFYING
    assert AuditEntry.objects.filter(action="measure.create").exists()
    assert AuditEntry.objects.filter(action="rectification_plan.import").exists()


def test_importing_the_same_ledger_twice_changes_nothing(sealed, users):
    import_tables({"measures": [row()]}, actor=users["commission_c1"])
    again = import_tables({"measures": [row()]}, actor=users["commission_c1"])
    assert not again.changed
    assert Measure.objects.unscoped("test").filter(talk=sealed).count() == 1


def test_a_ledger_never_moves_a_deadline_that_is_in_the_system(sealed, users):
    import_tables({"measures": [row()]}, actor=users["commission_c1"])
    with pytest.raises(ImportRejected) as refused:
        import_tables({"measures": [row(deadline="2026-12-31")]}, actor=users["commission_c1"])
    ((line, _column, message),) = lines(refused.value)
    assert line == 2 and "延期申请" in message


def test_every_bad_row_is_named_and_nothing_is_written(sealed, users):
    with pytest.raises(ImportRejected) as refused:
        rows = [
            row(),
            row(measure="二", deadline="2026-06-01"),
            row(measure="三", owner_code="NOSUCH"),
            row(measure="四", focus_area="A9"),
            row(measure="五", status="submitted"),
        ]
        import_tables({"measures": rows}, actor=users["commission_c1"])
    got = lines(refused.value)
    assert [g[0] for g in got] == [3, 4, 5, 6]
    assert "时限须晚于谈话日期" in got[0][2]
    assert "不存在或不在您的管辖范围内" in got[1][2]
    assert "待销号" in got[3][2]
    assert not Measure.objects.unscoped("test").exists()


@pytest.mark.parametrize("subject", ["GC2V", "GSECRET", "GDECL", "GNOSUCH"])
def test_a_subject_out_of_the_importers_reach_reads_like_an_unknown_one(
    year, world, users, subject
):
    add_scope_probes(world)
    for name in ("c2", "secret"):
        seal_talk(year.talks[name])
    with pytest.raises(ImportRejected) as refused:
        import_tables({"measures": [row(subject_code=subject)]}, actor=users["commission_c1"])
    ((_line, _column, message),) = lines(refused.value)
    assert message == f"被谈话人编号“{subject}”不存在或不在您的管辖范围内"


def test_a_talk_not_yet_held_takes_no_ledger(year, users):
    with pytest.raises(ImportRejected) as refused:
        import_tables({"measures": [row()]}, actor=users["commission_c1"])
    assert "尚未进行" in lines(refused.value)[0][2]
