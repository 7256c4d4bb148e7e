"""A large re-import compares its rows with what is stored before cleaning them (issue 7):
rows spelled exactly as a stored row the importer may name are counted unchanged without
being cleaned; everything else takes the long way, with the same outcome as before."""

from __future__ import annotations

import pytest

from tanhua.exchange import plan
from tanhua.exchange.services import ImportRejected, import_tables
from tanhua.org.imports.cadres import CadresKind
from tanhua.org.imports.positions import PositionsKind
from tanhua.org.messages import CODE_UNAVAILABLE
from tanhua.org.models import Cadre

CADRES = [
    {"code": "RC1", "name": "复核甲", "tier": "县管", "gender": "男"},
    {"code": "RC2", "name": "复核乙", "tier": "市管", "gender": ""},
]
POSTS = [
    {
        "cadre_code": "RC1",
        "org_code": "K11",
        "title": "副县长",
        "principal": "否",
        "start": "2021-03-01",
        "end": "",
    },
    {
        "cadre_code": "RC2",
        "org_code": "K11",
        "title": "县长",
        "principal": "是",
        "start": "2020-01-15",
        "end": "2023-06-30",
    },
]


@pytest.fixture(autouse=True)
def _compare_every_table(monkeypatch):
    # The shortcut is for large files; the tests' tables are small.
    monkeypatch.setattr(plan, "COMPARE_FIRST_MIN_ROWS", 1)


@pytest.fixture
def cleaned(monkeypatch):
    """How many rows each kind cleaned."""
    calls = {"cadres": 0, "positions": 0}
    for kind, cls in (("cadres", CadresKind), ("positions", PositionsKind)):
        original = cls.clean

        def spy(self, p, rec, raw, _original=original, _kind=kind):
            calls[_kind] += 1
            return _original(self, p, rec, raw)

        monkeypatch.setattr(cls, "clean", spy)
    return calls


def test_an_unchanged_reimport_cleans_no_row_and_counts_every_row_unchanged(world, owner, cleaned):
    import_tables({"cadres": CADRES, "positions": POSTS}, actor=owner)
    cleaned.update(cadres=0, positions=0)
    report = import_tables({"cadres": CADRES, "positions": POSTS}, actor=owner)
    assert report.changed == 0
    assert (report.counts["cadres"].unchanged, report.counts["positions"].unchanged) == (2, 2)
    assert cleaned == {"cadres": 0, "positions": 0}


def test_a_row_differing_in_one_cell_is_cleaned_and_updated(world, owner, cleaned):
    import_tables({"cadres": CADRES, "positions": POSTS}, actor=owner)
    cleaned.update(cadres=0, positions=0)
    changed = [CADRES[0], {**CADRES[1], "tier": "县管"}]
    report = import_tables({"cadres": changed, "positions": POSTS}, actor=owner)
    assert (report.counts["cadres"].updated, report.counts["cadres"].unchanged) == (1, 1)
    assert cleaned["cadres"] == 1
    assert Cadre.objects.unscoped("test").get(code="RC2").tier == "county"


def test_another_spelling_of_the_same_values_is_cleaned_and_found_unchanged(world, owner, cleaned):
    import_tables({"cadres": CADRES}, actor=owner)
    cleaned.update(cadres=0)
    respelled = [{**CADRES[0], "tier": "county", "name": " 复核甲 "}, CADRES[1]]
    report = import_tables({"cadres": respelled}, actor=owner)
    assert report.changed == 0
    assert cleaned["cadres"] == 1


def test_a_repeated_unchanged_row_is_still_refused_as_a_duplicate(world, owner):
    import_tables({"cadres": CADRES}, actor=owner)
    with pytest.raises(ImportRejected) as exc:
        import_tables({"cadres": [*CADRES, CADRES[0]]}, actor=owner, dry_run=True)
    assert [(p.row, p.message) for p in exc.value.problems] == [(4, "干部编号“RC1”与第2行重复")]


def test_a_changed_row_repeating_an_unchanged_ones_key_is_refused_as_a_duplicate(world, owner):
    import_tables({"positions": POSTS, "cadres": CADRES}, actor=owner)
    again = [*POSTS, {**POSTS[0], "principal": "是", "start": "2021/3/1"}]
    with pytest.raises(ImportRejected) as exc:
        import_tables({"positions": again}, actor=owner, dry_run=True)
    assert [(p.row, p.column) for p in exc.value.problems] == [(4, "cadre_code")]


def test_a_row_spelling_a_cadre_outside_the_importers_scope_is_not_taken_as_unchanged(world, owner):
    province_cadre = {"code": "GP1", "name": "省委书记甲", "tier": "中管", "gender": ""}
    gp1 = Cadre.objects.unscoped("test").get(code="GP1")
    province_cadre["gender"] = {"male": "男", "female": "女"}.get(gp1.gender, "")
    with pytest.raises(ImportRejected) as exc:
        import_tables({"cadres": [province_cadre, *CADRES]}, actor=owner, dry_run=True)
    assert [(p.row, p.message) for p in exc.value.problems] == [(2, str(CODE_UNAVAILABLE))]
