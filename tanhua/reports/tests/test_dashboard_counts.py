"""The dashboard's figures, counted from the rows' own copies of their campaign's year and
committee (and the problems' copies of their talk's type and record's seal), equal the
figures counted the old way — every row joined through its record, talk, campaign and
committee — and stay equal as talks are planned, records sealed and committees move."""

import datetime as dt
from collections import Counter

import pytest

from tanhua.campaigns import stats
from tanhua.core.testing import TEST_PASSWORD, CadreFactory
from tanhua.rectification.models import OPEN_STATUSES, Measure, MeasureKind, MeasureStatus
from tanhua.reports import dashboard
from tanhua.reports.testing import add_year, seal
from tanhua.talks.models import RecordProblem, Talk, TalkRecord, TalkType
from tanhua.talks.services import record as records
from tanhua.talks.testing import CampaignFactory, TalkFactory
from tanhua.talks.tests.helpers import held_record, talk_world

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 9, 1)
YEARS = [2022, 2023, 2024, 2025, 2026]


def joined(committee, year: int) -> dict:
    """The board's figures through the joins, as they were counted before the copies."""
    path = committee.path

    def talks(y):
        return Talk.objects.unscoped("test: the old count").filter(
            campaign__year=y, campaign__committee__path__startswith=path
        )

    def problems(y):
        return RecordProblem.objects.unscoped("test: the old count").filter(
            record__sealed_at__isnull=False,
            record__talk__campaign__year=y,
            record__talk__campaign__committee__path__startswith=path,
        )

    every = stats.figures(talks(year)).as_json()
    political = problems(year).filter(record__talk__type=TalkType.POLITICAL_SUPERVISION)
    by_area = Counter(political.values_list("focus_area", flat=True))
    measures = Measure.objects.unscoped("test: the old count").filter(
        campaign__year=year, campaign__committee__path__startswith=path
    )
    late = measures.filter(status__in=OPEN_STATUSES, kind=MeasureKind.IMMEDIATE, deadline__lt=TODAY)
    late_ids = set(late.values_list("pk", flat=True))
    units: dict = {}
    for code, status, is_late in (
        (code, status, pk in late_ids)
        for pk, code, status in measures.values_list("pk", "subject_org__code", "status")
    ):
        u = units.setdefault(code, {"total": 0, "closed": 0, "overdue": 0})
        u["total"] += 1
        u["closed"] += status == MeasureStatus.CLOSED
        u["overdue"] += is_late
    trend = [
        {
            "year": y,
            "held": stats.figures(talks(y)).as_json()["held"],
            "problems": problems(y)
            .filter(record__talk__type=TalkType.POLITICAL_SUPERVISION)
            .count(),
        }
        for y in YEARS[:-1]
    ]
    return {
        "total": every["total"],
        "held": every["held"],
        "levels": {
            lvl: (every["by_level"][lvl], every["detail"]["by_level"][lvl]["held"])
            for lvl in stats.LEVELS
        },
        "areas": {a: by_area.get(a, 0) for a in ("A1", "A2", "A3", "A4")},
        "by_status": {s: measures.filter(status=s).count() for s in MeasureStatus.values},
        "overdue": late.count(),
        "long_term": measures.filter(kind=MeasureKind.LONG_TERM)
        .exclude(status=MeasureStatus.CLOSED)
        .count(),
        "units": units,
        "trend": [*trend, {"year": year, "held": every["held"], "problems": sum(by_area.values())}],
    }


def counted(committee, year: int = 2026) -> dict:
    b = dashboard.count_board(committee, year, TODAY)
    return {
        "total": b["talks"]["total"],
        "held": b["talks"]["held"],
        "levels": {x["level"]: (x["planned"], x["held"]) for x in b["levels"]},
        "areas": {x["area"]: x["n"] for x in b["areas"]},
        "by_status": b["rect"]["by_status"],
        "overdue": b["rect"]["overdue"],
        "long_term": b["rect"]["long_term"],
        "units": {u["code"]: {k: u[k] for k in ("total", "closed", "overdue")} for u in b["units"]},
        "trend": b["trend"],
    }


def _last_year(w):
    """A 2025 round of the province with a sealed work talk (not political: the trend leaves
    it and its problems out)."""
    old = CampaignFactory(committee=w.orgs["P"], year=2025)
    work = TalkFactory(
        campaign=old, type=TalkType.WORK, talker=w.cadres["GP1"], subject=CadreFactory()
    )
    seal(work, [("A1", "去年的问题")])
    return w


@pytest.fixture
def world(db):
    """The talks' world with the reports' year on top (k11, c2 and p_gc1 sealed, k11's plan
    of three measures) and last year's round."""
    return _last_year(add_year(talk_world()))


@pytest.fixture
def unsealed(db):
    """The same, with k11 still to be held and sealed through the services."""
    w = talk_world()
    seal(w.talks["p_gc1"], [("A2", "一岗双责落实不到位")])
    seal(w.talks["c2"], [("A1", "西城重大项目推进迟缓")])
    return _last_year(w)


def test_the_board_counts_exactly_what_the_joins_count_at_every_level(world):
    for code in ("P", "C1", "C2", "K11"):
        assert counted(world.orgs[code]) == joined(world.orgs[code], 2026), code
    # Last year's work talk is no political supervision talk: neither it nor its problem
    # is counted in the trend (talk types are never mixed in one count).
    assert counted(world.orgs["P"])["trend"][3] == {"year": 2025, "held": 0, "problems": 0}


def test_a_talk_planned_in_bulk_or_one_by_one_carries_its_campaigns_year_and_committee(world):
    c1 = world.campaigns["C1"]
    one = TalkFactory(campaign=c1, talker=world.cadres["GC1"], subject=CadreFactory())
    [bulk] = Talk.objects.bulk_create(
        [
            Talk(
                campaign_id=c1.pk,
                type=TalkType.POLITICAL_SUPERVISION,
                basis="required",
                talker=world.cadres["GC1"],
                subject=CadreFactory(),
                subject_org=world.orgs["C1"],
            )
        ]
    )
    for talk in (one, bulk):
        stored = Talk.objects.unscoped("test").get(pk=talk.pk)
        assert (stored.year, stored.committee_id) == (2026, world.orgs["C1"].pk)
    assert counted(world.orgs["P"]) == joined(world.orgs["P"], 2026)


def test_problems_count_once_the_seal_service_seals_their_record_and_not_before(unsealed):
    world = unsealed
    talk = world.talks["k11"]
    before = counted(world.orgs["C1"])
    rec = held_record(world, talk)
    [problem] = RecordProblem.objects.unscoped("test").filter(record=rec)
    assert (problem.year, problem.committee_id, problem.talk_type, problem.sealed) == (
        2026, world.orgs["C1"].pk, TalkType.POLITICAL_SUPERVISION, False,
    )  # fmt: skip
    held = counted(world.orgs["C1"])
    assert held["areas"] == before["areas"] and held == joined(world.orgs["C1"], 2026)
    for name in ("talker_c1", "subject_k11"):
        rec = records.confirm(
            actor=world.users[name], talk=talk, password=TEST_PASSWORD, expected_version=rec.version
        )
    assert TalkRecord.objects.unscoped("test").get(pk=rec.pk).sealed_at is not None
    assert RecordProblem.objects.unscoped("test").get(pk=problem.pk).sealed
    after = counted(world.orgs["C1"])
    assert after["areas"]["A3"] == before["areas"]["A3"] + 1
    assert after == joined(world.orgs["C1"], 2026)
    assert counted(world.orgs["P"]) == joined(world.orgs["P"], 2026)


def test_a_committee_moved_elsewhere_in_the_tree_takes_its_counts_with_it(world):
    from tanhua.org.models import Level, Organization
    from tanhua.org.services import create_organization, update_organization

    other = create_organization(actor=None, code="P2", name="另一省委", level=Level.PROVINCE)
    p_before = counted(world.orgs["P"])
    update_organization(actor=None, org=world.orgs["C1"], parent=other)
    for code in ("P", "P2"):
        org = Organization.objects.get(code=code)
        assert counted(org) == joined(org, 2026), code
    moved = counted(Organization.objects.get(code="P2"))
    assert moved["total"] > 0 and counted(world.orgs["P"])["total"] < p_before["total"]
