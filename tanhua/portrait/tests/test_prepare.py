"""`prepare` on the test world: snapshots with their sources, outlines drafted only where
nobody edited them, idempotent re-runs, the command."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from tanhua.core.testing import build_world
from tanhua.evidence.testing import make_finding
from tanhua.portrait.models import OutlinePrefill, Portrait
from tanhua.portrait.services import prepare
from tanhua.portrait.testing import add_evidence
from tanhua.talks.models import Outline, OutlineProblem
from tanhua.talks.services import outline as outlines
from tanhua.talks.testing import YEAR, add_talks

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 5, 1)


@pytest.fixture
def world():
    return add_evidence(add_talks(build_world()))


def _untouched_k11(w):
    # add_talks gives k11 a hand-made outline; start from none to see the draft.
    Outline.objects.unscoped("test").filter(talk=w.talks["k11"]).delete()


def test_a_portrait_holds_every_figure_with_its_source_ids(world):
    _untouched_k11(world)
    summary = prepare(actor=None, year=YEAR, as_of=AS_OF)
    assert summary.talks >= 3 and summary.portraits_created == summary.talks
    p = Portrait.objects.unscoped("test").get(talk=world.talks["k11"], as_of=AS_OF)
    row = next(r for r in p.data["indicators"] if r["code"] == "PM25")
    assert row["rebound"] and row["shortfall"] == 10 and row["peers"] == 4
    assert row["rank"] == 1 and row["value_id"] and len(row["series"]) == 3
    f = p.data["findings"]
    assert [r["id"] for r in f["repeated"]] == [world.repeat.pk]
    assert set(f["by_focus_area"]) >= {"A1", "A2", "A3"}
    assert p.data["ecology"] is None  # no scheme set yet


def test_the_draft_fills_an_untouched_outline_and_never_an_edited_one(world):
    _untouched_k11(world)
    prepare(actor=None, year=YEAR, as_of=AS_OF)
    talk = world.talks["k11"]
    problems = list(OutlineProblem.objects.unscoped("test").filter(outline__talk=talk))
    assert 3 <= len(problems) <= 4
    assert len({p.focus_area for p in problems}) == len(problems)
    assert all(p.sources for p in problems)
    assert any(s["kind"] == "finding" for p in problems for s in p.sources)
    # A person edits it: the next run keeps their outline.
    outline = Outline.objects.unscoped("test").get(talk=talk)
    staff = world.users["commission_c1"]
    outlines.edit_problem(
        actor=staff, talk=talk, problem_id=problems[0].pk, focus_area=problems[0].focus_area,
        statement="人工修改的问题表述", expected_version=outline.version,
    )  # fmt: skip
    summary = prepare(actor=None, year=YEAR, as_of=AS_OF + dt.timedelta(days=1))
    assert summary.outlines_kept >= 1
    kept = OutlineProblem.objects.unscoped("test").filter(outline__talk=talk)
    assert kept.filter(statement="人工修改的问题表述").exists()
    # The edit kept the sources the draft cited.
    assert kept.get(statement="人工修改的问题表述").sources == problems[0].sources


def test_a_hand_made_outline_is_never_overwritten(world):
    before = list(
        OutlineProblem.objects.unscoped("test")
        .filter(outline__talk=world.talks["k11"])
        .values_list("statement", flat=True)
    )
    summary = prepare(actor=None, year=YEAR, as_of=AS_OF)
    assert summary.outlines_kept == 1
    after = list(
        OutlineProblem.objects.unscoped("test")
        .filter(outline__talk=world.talks["k11"])
        .values_list("statement", flat=True)
    )
    assert after == before
    assert not OutlinePrefill.objects.filter(talk=world.talks["k11"]).exists()


def test_running_again_the_same_day_updates_and_never_duplicates(world):
    _untouched_k11(world)
    first = prepare(actor=None, year=YEAR, as_of=AS_OF)
    outline = Outline.objects.unscoped("test").get(talk=world.talks["k11"])
    again = prepare(actor=None, year=YEAR, as_of=AS_OF)
    assert again.portraits_created == 0 and again.portraits_updated == first.talks
    assert again.outlines_drafted == 0 and again.outlines_unchanged >= 1
    assert Portrait.objects.unscoped("test").count() == first.talks
    assert Outline.objects.unscoped("test").get(talk=world.talks["k11"]).version == outline.version
    # Another day: a new snapshot, the old one kept as it stood.
    prepare(actor=None, year=YEAR, as_of=AS_OF + dt.timedelta(days=3))
    assert Portrait.objects.unscoped("test").filter(talk=world.talks["k11"]).count() == 2


def test_the_command_prints_counts_and_time(world):
    out = io.StringIO()
    call_command("prepare", str(YEAR), "--committee", "C1", "--no-progress",
                 "--as-of", "2026-05-01", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "画像新建" in text and "用时" in text
    talks = {p.talk_id for p in Portrait.objects.unscoped("test")}
    assert world.talks["c2"].pk not in talks and world.talks["k11"].pk in talks


def _state():
    from tanhua.talks.models import Talk

    out = {}
    for talk in Talk.objects.unscoped("test").order_by("pk"):
        o = Outline.objects.unscoped("test").filter(talk=talk).first()
        problems = (
            list(
                OutlineProblem.objects.unscoped("test")
                .filter(outline=o)
                .values_list("order", "focus_area", "statement", "evidence", "sources")
            )
            if o
            else None
        )
        mark = OutlinePrefill.objects.filter(talk=talk).values_list("outline_version").first()
        if problems:
            # Sources by what they name, not by id: PostgreSQL's sequences move on through the
            # rolled-back run, so the same finding has another id in the second one.
            problems = [(*p[:4], [_named(s) for s in p[4]]) for p in problems]
        out[talk.pk] = (talk.status, o and (o.version, o.status), problems, mark)
    return out


def _named(source: dict):
    from tanhua.evidence.models import Finding, IndicatorValue

    if source["kind"] == "finding":
        return ("finding", Finding.objects.unscoped("test").get(pk=source["id"]).code)
    v = IndicatorValue.objects.get(pk=source["id"])
    return ("value", v.organization_id, v.indicator_id, v.period)


def _run_twice(world, monkeypatch, *, per_talk: bool):
    from django.db import transaction

    from tanhua.talks.models import Talk

    if per_talk:
        # The person's path, talk by talk, as the operator: what the bulk path must equal.
        def one_by_one(*, actor, drafts):
            return {
                d.talk_id: outlines.save_problems(
                    actor=actor, talk=Talk(pk=d.talk_id), problems=d.problems,
                    expected_version=d.expected_version,
                ).version
                for d in drafts
            }  # fmt: skip

        monkeypatch.setattr(outlines, "save_many", one_by_one)
    states = []
    with transaction.atomic():
        _untouched_k11(world)
        prepare(actor=None, year=YEAR, as_of=AS_OF)
        states.append(_state())
        # New evidence changes the candidates: the next run updates the untouched drafts.
        make_finding(world.orgs["K11"], code="FNEW1", text="招商引资中违规给予企业优惠",
                     date=dt.date(2026, 4, 20), severity=3, focus_area="A4")  # fmt: skip
        prepare(actor=None, year=YEAR, as_of=AS_OF + dt.timedelta(days=1))
        states.append(_state())
        prepare(actor=None, year=YEAR, as_of=AS_OF + dt.timedelta(days=1))
        states.append(_state())
        transaction.set_rollback(True)
    monkeypatch.undo()
    return states


def test_the_bulk_draft_gives_the_same_outlines_as_the_per_talk_path(world, monkeypatch):
    bulk = _run_twice(world, monkeypatch, per_talk=False)
    one_by_one = _run_twice(world, monkeypatch, per_talk=True)
    assert bulk == one_by_one
    drafted = [s for s in bulk[0].values() if s[2]]
    assert drafted and all(s[0] == "preparing" for s in drafted)
    assert bulk[1] != bulk[0] and bulk[2] == bulk[1]


def test_the_bulk_draft_writes_one_audit_entry_per_chunk(world):
    from tanhua.audit.models import AuditEntry

    _untouched_k11(world)
    summary = prepare(actor=None, year=YEAR, as_of=AS_OF)
    assert summary.outlines_drafted >= 2
    entries = AuditEntry.objects.filter(action="outline.prefill")
    assert entries.count() == 1
    assert len(entries.get().detail["created"]) == summary.outlines_drafted
    assert not AuditEntry.objects.filter(action__in=["outline.create", "outline.update"]).exists()
