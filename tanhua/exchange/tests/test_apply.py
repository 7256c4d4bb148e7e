"""Applying an import: matched by code, idempotent, audited, in the actor's scope."""

from __future__ import annotations

import pytest

from tanhua.audit.models import AuditEntry
from tanhua.core import scoping
from tanhua.exchange.services import ImportRejected, import_tables
from tanhua.org.models import Cadre, Organization, Position


def test_a_first_import_creates_everything_and_reports_counts(small_set, db):
    report = import_tables(small_set, actor=None)
    counts = {k: (c.created, c.updated, c.unchanged) for k, c in report.counts.items()}
    assert counts == {
        "organizations": (4, 0, 0),
        "cadres": (3, 0, 0),
        "positions": (3, 0, 0),
    }
    k1 = Organization.objects.get(code="XK1")
    assert (k1.path, k1.depth, k1.parent.code) == ("/XP/XC1/XK1/", 2, "XC1")


def test_re_importing_the_same_rows_changes_nothing_and_audits_nothing(small_set, db):
    import_tables(small_set, actor=None)
    stamps = list(Organization.objects.values_list("updated_at", flat=True))
    entries = AuditEntry.objects.count()
    report = import_tables(small_set, actor=None)
    assert report.changed == 0
    assert {k: c.unchanged for k, c in report.counts.items()} == {
        "organizations": 4,
        "cadres": 3,
        "positions": 3,
    }
    assert AuditEntry.objects.count() == entries
    assert list(Organization.objects.values_list("updated_at", flat=True)) == stamps


def test_a_changed_row_updates_that_object_only(small_set, db):
    import_tables(small_set, actor=None)
    small_set["cadres"][1]["tier"] = "省管"
    small_set["positions"][0]["end"] = "2023-06-30"
    report = import_tables(small_set, actor=None)
    assert (report.counts["cadres"].updated, report.counts["cadres"].unchanged) == (1, 2)
    assert report.counts["positions"].updated == 1
    assert Cadre.objects.unscoped("test").get(code="XG2").tier == "provincial"
    assert str(Position.objects.unscoped("test").get(cadre__code="XG1").end) == "2023-06-30"
    entry = AuditEntry.objects.filter(action="cadre.update").get()
    assert (entry.before["tier"], entry.after["tier"]) == ("city", "provincial")


def test_moving_an_organization_rewrites_its_subtree_paths(small_set, db):
    import_tables(small_set, actor=None)
    import_tables(
        {"organizations": [{"code": "XC1", "name": "样一市", "level": "市", "parent_code": ""}]},
        actor=None,
    )
    assert Organization.objects.get(code="XK1").path == "/XC1/XK1/"
    assert Organization.objects.get(code="XC1").depth == 0
    moved = AuditEntry.objects.filter(action="org.update").values_list("object_id", flat=True)
    assert sorted(moved) == ["XC1", "XK1"]


def test_created_objects_are_in_the_audit_trail_with_their_state(small_set, db):
    import_tables(small_set, actor=None, source="test.xlsx")
    entry = AuditEntry.objects.get(action="cadre.create")
    assert [c["code"] for c in entry.after["objects"]] == ["XG1", "XG2", "XG3"]
    assert entry.detail == {"import": "test.xlsx", "count": 3}
    summary = AuditEntry.objects.get(action="import.apply")
    assert summary.detail["positions"]["created"] == 3


def test_a_dry_run_counts_but_writes_nothing(small_set, db):
    report = import_tables(small_set, actor=None, dry_run=True)
    assert report.counts["organizations"].created == 4
    assert not Organization.objects.filter(code__startswith="X").exists()
    assert not AuditEntry.objects.filter(action__startswith="org.").exists()


def test_formula_like_text_is_stored_verbatim(db):
    import_tables(
        {
            "organizations": [
                {
                    "code": "A",
                    "name": '=HYPERLINK("x")',
                    "level": "省",
                    "parent_code": "",
                    "kind": "@党组",
                }
            ]
        },
        actor=None,
    )
    a = Organization.objects.get(code="A")
    assert (a.name, a.kind) == ('=HYPERLINK("x")', "@党组")


def test_positions_may_name_organizations_and_cadres_of_the_same_import(small_set, db):
    report = import_tables(small_set, actor=None)
    assert report.counts["positions"].created == 3


def test_a_staff_member_imports_inside_their_scope(owner, world):
    report = import_tables(
        {
            "organizations": [
                {"code": "K12", "name": "东城乙县委", "level": "县", "parent_code": "C1"}
            ],
            "cadres": [{"code": "GN1", "name": "新干部", "tier": "县管"}],
            "positions": [
                {
                    "cadre_code": "GN1",
                    "org_code": "K12",
                    "title": "县委书记",
                    "principal": "是",
                    "start": "2021-01-01",
                }
            ],
        },
        actor=owner,
    )
    assert report.changed == 3
    assert AuditEntry.objects.filter(action="org.create").get().username == owner.username


def test_a_staff_member_cannot_create_an_organization_outside_their_scope(owner, world):
    with pytest.raises(ImportRejected) as exc:
        import_tables(
            {
                "organizations": [
                    {"code": "K21", "name": "西城县委", "level": "县", "parent_code": "C2"}
                ]
            },
            actor=owner,
        )
    p = exc.value.problems[0]
    # An out-of-scope parent reads like an unknown one, at its own column (issue 6 item 3).
    assert (p.row, p.column) == (2, "parent_code")
    assert "不在您的管辖范围内" in p.message
    assert not Organization.objects.filter(code="K21").exists()


def test_an_out_of_scope_parent_is_never_named_in_the_problems(owner, world):
    # A township directly under the sibling city breaks the level rule; the problem must not
    # quote the hidden city's name or level.
    with pytest.raises(ImportRejected) as exc:
        import_tables(
            {
                "organizations": [
                    {"code": "T21", "name": "西城一乡", "level": "市", "parent_code": "C2"}
                ]
            },
            actor=owner,
        )
    messages = " ".join(p.message for p in exc.value.problems)
    assert world.orgs["C2"].name not in messages
    assert [p.column for p in exc.value.problems] == ["parent_code"]


def test_a_position_outside_scope_reads_like_an_unknown_organization(owner, world):
    with pytest.raises(ImportRejected) as exc:
        import_tables(
            {
                "positions": [
                    {
                        "cadre_code": "GC1",
                        "org_code": "C2",
                        "title": "顾问",
                        "principal": "否",
                        "start": "2021-01-01",
                    }
                ]
            },
            actor=owner,
        )
    p = exc.value.problems[0]
    assert (p.row, p.column) == (2, "org_code")
    assert p.message == "组织编码“C2”不存在或不在您的管辖范围内"


def test_a_user_without_the_registry_role_may_not_import(world):
    with pytest.raises(scoping.OutOfScope):
        import_tables({"cadres": []}, actor=world.users["viewer_c1"])


def test_an_import_that_changes_a_record_makes_it_a_new_version(world, owner):
    from tanhua.core.versioning import StaleEdit
    from tanhua.org import services as org_services
    from tanhua.org.models import Cadre

    before = Cadre.objects.unscoped("test").get(code="GK11")
    import_tables({"cadres": [{"code": "GK11", "name": "改过的名字", "tier": "县管"}]}, actor=owner)
    after = Cadre.objects.unscoped("test").get(code="GK11")
    assert after.version == before.version + 1
    with pytest.raises(StaleEdit):
        org_services.update_cadre(
            actor=owner, cadre=after, gender="female", expected_version=before.version
        )
