"""Probes of the posts' copy of the path (Position.org_path) through the imports: an
organization created and another moved under it in the same file set with posts in both, a
refused import that would have moved a subtree, and a code that prefixes a sibling's."""

from __future__ import annotations

import pytest

from tanhua.exchange.problems import ImportRejected
from tanhua.exchange.services import import_tables
from tanhua.org.models import Organization, Position
from tanhua.org.tests.test_org_path_on_posts import _import_small_province, stale_paths

pytestmark = pytest.mark.django_db


def _post(cadre: str, org: str, title: str, start: str = "2023-01-01") -> dict:
    return {
        "cadre_code": cadre,
        "org_code": org,
        "title": title,
        "principal": "否",
        "start": start,
        "end": "",
    }


def test_a_township_moved_under_a_county_created_by_the_same_import_takes_its_posts_along(db):
    _import_small_province()
    import_tables(
        {
            "organizations": [
                {"code": "XT1", "name": "样一乡", "level": "乡", "parent_code": "XK1"},
            ],
            "positions": [_post("XG2", "XT1", "乡党委书记")],
        },
        actor=None,
    )
    import_tables(
        {
            "organizations": [
                {"code": "XK2", "name": "样二县", "level": "县", "parent_code": "XC2"},
                {"code": "XT1", "name": "样一乡", "level": "乡", "parent_code": "XK2"},
                {"code": "XT2", "name": "样二乡", "level": "乡", "parent_code": "XK2"},
            ],
            "positions": [
                _post("XG1", "XK2", "县委书记"),
                _post("XG1", "XT1", "联系领导"),
                _post("XG2", "XT2", "乡长"),
            ],
        },
        actor=None,
    )
    assert stale_paths() == {}
    paths = set(
        Position.objects.unscoped("test")
        .filter(organization__code="XT1")
        .values_list("org_path", flat=True)
    )
    assert paths == {"/XP/XC2/XK2/XT1/"}


def test_a_refused_import_that_would_move_a_subtree_leaves_every_path_as_it_was(db):
    _import_small_province()
    before = dict(Position.objects.unscoped("test").values_list("pk", "org_path"))
    with pytest.raises(ImportRejected):
        import_tables(
            {
                "organizations": [
                    {"code": "XC1", "name": "样一市", "level": "市", "parent_code": ""},
                ],
                "positions": [_post("NOBODY", "XK1", "县委委员")],
            },
            actor=None,
        )
    assert dict(Position.objects.unscoped("test").values_list("pk", "org_path")) == before
    assert Organization.objects.get(code="XK1").path == "/XP/XC1/XK1/"


def test_moving_a_city_leaves_the_posts_of_a_city_whose_code_it_prefixes(db):
    _import_small_province()
    import_tables(
        {
            "organizations": [
                {"code": "XC10", "name": "样十市", "level": "市", "parent_code": "XP"},
                {"code": "XK10", "name": "样十县", "level": "县", "parent_code": "XC10"},
            ],
            "positions": [_post("XG1", "XK10", "联系领导")],
        },
        actor=None,
    )
    import_tables(
        {"organizations": [{"code": "XC1", "name": "样一市", "level": "市", "parent_code": ""}]},
        actor=None,
    )
    assert stale_paths() == {}
    post = Position.objects.unscoped("test").get(organization__code="XK10")
    assert post.org_path == "/XP/XC10/XK10/"


def _tree_as_stored_is_whole() -> dict[str, tuple[str, str]]:
    """Every organization whose path is not its parent's path and its code (empty: whole)."""
    paths = dict(Organization.objects.values_list("pk", "path"))
    wrong = {}
    for o in Organization.objects.all():
        expected = Organization.build_path(paths.get(o.parent_id), o.code)
        if o.path != expected:
            wrong[o.code] = (o.path, expected)
    return wrong


def _between_plan_and_apply(monkeypatch, change):
    """Another request's change committed after the import read the tree, before it wrote."""
    from tanhua.org.imports.organizations import OrganizationsKind

    original = OrganizationsKind.plan

    def plan_then_change(self, p, recs):
        original(self, p, recs)
        change()

    monkeypatch.setattr(OrganizationsKind, "plan", plan_then_change)


def test_an_import_moving_a_city_refuses_when_a_county_got_a_township_since_it_read_the_tree(
    db, monkeypatch
):
    from tanhua.org import services

    _import_small_province()

    def new_township():
        xk1 = Organization.objects.get(code="XK1")
        services.create_organization(
            actor=None, code="XT9", name="样九乡", level="township", parent=xk1
        )

    _between_plan_and_apply(monkeypatch, new_township)
    with pytest.raises(ImportRejected):
        import_tables(
            {
                "organizations": [
                    {"code": "XC1", "name": "样一市", "level": "市", "parent_code": ""}
                ]
            },
            actor=None,
        )
    assert _tree_as_stored_is_whole() == {}
    assert stale_paths() == {}


def test_an_import_creating_under_a_county_refuses_when_the_county_moved_since_it_read_the_tree(
    db, monkeypatch
):
    from tanhua.org import services

    _import_small_province()

    def move_county():
        xk1 = Organization.objects.get(code="XK1")
        services.update_organization(
            actor=None, org=xk1, parent=Organization.objects.get(code="XC2")
        )

    _between_plan_and_apply(monkeypatch, move_county)
    with pytest.raises(ImportRejected):
        import_tables(
            {
                "organizations": [
                    {"code": "XT8", "name": "样八乡", "level": "乡", "parent_code": "XK1"}
                ],
                "positions": [_post("XG1", "XT8", "联系领导")],
            },
            actor=None,
        )
    assert _tree_as_stored_is_whole() == {}
    assert stale_paths() == {}


def test_a_positions_import_refuses_when_a_post_s_organization_moved_since_it_was_planned(
    db, monkeypatch
):
    from tanhua.org import services
    from tanhua.org.imports.positions import PositionsKind

    _import_small_province()
    original = PositionsKind.plan

    def plan_then_move(self, p, recs):
        original(self, p, recs)
        xk1 = Organization.objects.get(code="XK1")
        services.update_organization(
            actor=None, org=xk1, parent=Organization.objects.get(code="XC2")
        )

    monkeypatch.setattr(PositionsKind, "plan", plan_then_move)
    before = Position.objects.unscoped("test").count()
    with pytest.raises(ImportRejected, match="组织树在导入过程中已被他人修改"):
        import_tables({"positions": [_post("XG1", "XK1", "联系领导")]}, actor=None)
    assert Position.objects.unscoped("test").count() == before
    assert stale_paths() == {}


def _tree_locks() -> int:
    from django.db import connection

    from tanhua.org import services

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s"
            " AND pid = pg_backend_pid()",
            [services._TREE_LOCK_KEY],
        )
        return cur.fetchone()[0]


@pytest.mark.parametrize("write", ["create", "move", "import"])
def test_every_write_that_shapes_the_tree_holds_the_tree_lock_on_postgresql(world, write):
    """A move's one UPDATE of a subtree cannot see an organization committed under it after
    that UPDATE began: creates, moves and the organizations import take turns."""
    from django.db import connection

    from tanhua.org import services

    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one at a time already")
    assert _tree_locks() == 0
    k11 = world.orgs["K11"]
    if write == "create":
        services.create_organization(
            actor=None, code="T119", name="甲县九乡", level="township", parent=k11
        )
    elif write == "move":
        services.update_organization(actor=None, org=k11, parent=world.orgs["C2"])
    else:
        import_tables(
            {"organizations": [{"code": "T118", "name": "甲县八乡", "level": "乡",
                                "parent_code": "K11"}]},
            actor=None,
        )  # fmt: skip
    assert _tree_locks() == 1
