"""A post carries its organization's path (Position.org_path), so that the posts of a scope
are one index range (issue 7, fourth pass). Unlike a holder's code the path changes: the copy
must follow every write of a post and every change of an organization's path, and the lists
read through it must be exactly the lists they replace."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tanhua.core.testing import OrganizationFactory, PositionFactory
from tanhua.exchange.services import import_tables
from tanhua.org import services
from tanhua.org.forms import CadreFilterForm
from tanhua.org.models import Cadre, Level, Organization, Position

pytestmark = pytest.mark.django_db


def stale_paths() -> dict[int, tuple[str, str]]:
    """Every post whose copy differs from its organization's path (empty when all agree)."""
    posts = Position.objects.unscoped("test").values_list("pk", "org_path", "organization__path")
    return {pk: (copied, actual) for pk, copied, actual in posts if copied != actual}


def test_every_post_of_the_test_world_carries_its_organizations_path(world):
    assert Position.objects.unscoped("test").exists()
    assert stale_paths() == {}


def test_a_post_made_by_the_service_carries_the_path(world):
    post = services.create_position(
        actor=None,
        cadre=world.cadres["GC2"],
        organization=world.orgs["T111"],
        title="挂职副乡长",
        principal=False,
        start=dt.date(2024, 3, 1),
    )
    assert Position.objects.unscoped("test").get(pk=post.pk).org_path == "/P/C1/K11/T111/"


def test_a_post_saved_with_its_organization_not_loaded_reads_the_path(world):
    post = Position(
        cadre=world.cadres["GC2"],
        organization_id=world.orgs["K11"].pk,
        title="委员",
        start=dt.date(2024, 1, 1),
    )
    post.save()
    assert Position.objects.unscoped("test").get(pk=post.pk).org_path == "/P/C1/K11/"


def test_updating_a_post_keeps_the_path(world):
    post = Position.objects.unscoped("test").get(cadre__code="GK11")
    services.update_position(actor=None, position=post, end=dt.date(2030, 1, 1))
    assert Position.objects.unscoped("test").get(pk=post.pk).org_path == "/P/C1/K11/"


def test_moving_a_subtree_moves_the_path_of_every_post_below_it(world):
    # K11 (with T111 below it) from C1 to C2: the posts of both follow, none other moves.
    services.update_organization(actor=None, org=world.orgs["K11"], parent=world.orgs["C2"])
    assert stale_paths() == {}
    paths = set(Position.objects.unscoped("test").values_list("org_path", flat=True))
    assert {"/P/C2/K11/", "/P/C2/K11/T111/"} <= paths
    assert not any(p.startswith("/P/C1/K") for p in paths)


def test_a_move_puts_right_a_copy_that_was_wrong_instead_of_carrying_it_along(world):
    # A copy gone wrong by whatever path (a raw write, an old race): the next move of its
    # subtree sets every post's copy from its own organization.
    Position.objects.unscoped("test").filter(organization=world.orgs["T111"]).update(
        org_path="/P/C2/"
    )
    services.update_organization(actor=None, org=world.orgs["K11"], parent=world.orgs["C2"])
    assert stale_paths() == {}


def test_a_sibling_with_a_longer_code_is_not_moved_with_the_subtree(world):
    # "/P/C1/K11/" is a prefix of "/P/C1/K11" + "X/..." only by the separator: K11X stays.
    k11x = OrganizationFactory(
        code="K11X", name="东城丙县委", level=Level.COUNTY, parent=world.orgs["C1"]
    )
    PositionFactory(cadre=world.cadres["GC2"], organization=k11x, title="县委委员")
    services.update_organization(actor=None, org=world.orgs["K11"], parent=world.orgs["C2"])
    assert stale_paths() == {}
    assert Position.objects.unscoped("test").get(organization=k11x).org_path == "/P/C1/K11X/"


def test_a_subtree_moved_to_the_top_takes_its_posts_along(world):
    services.update_organization(actor=None, org=world.orgs["C1"], parent=None)
    assert stale_paths() == {}
    post = Position.objects.unscoped("test").get(cadre__code="GT111")
    assert post.org_path == "/C1/K11/T111/"


def _import_small_province():
    import_tables(
        {
            "organizations": [
                {"code": "XP", "name": "样省", "level": "省", "parent_code": ""},
                {"code": "XC1", "name": "样一市", "level": "市", "parent_code": "XP"},
                {"code": "XC2", "name": "样二市", "level": "市", "parent_code": "XP"},
                {"code": "XK1", "name": "样一县", "level": "县", "parent_code": "XC1"},
            ],
            "cadres": [
                {"code": "XG1", "name": "样干部一", "tier": "省管", "gender": "男"},
                {"code": "XG2", "name": "样干部二", "tier": "市管", "gender": "女"},
            ],
            "positions": [
                {
                    "cadre_code": "XG1",
                    "org_code": "XP",
                    "title": "书记",
                    "principal": "是",
                    "start": "2020-01-01",
                    "end": "",
                },
                {
                    "cadre_code": "XG2",
                    "org_code": "XK1",
                    "title": "县委书记",
                    "principal": "是",
                    "start": "2021-01-01",
                    "end": "",
                },
            ],
        },
        actor=None,
    )


def test_a_post_made_by_an_import_carries_the_path(db):
    _import_small_province()
    assert stale_paths() == {}
    assert Position.objects.unscoped("test").get(cadre__code="XG2").org_path == "/XP/XC1/XK1/"


def test_an_import_that_moves_an_organization_moves_its_posts_paths(db):
    _import_small_province()
    # XK1 to XC2 by the import, with a post made under it in the same import.
    import_tables(
        {
            "organizations": [
                {"code": "XK1", "name": "样一县", "level": "县", "parent_code": "XC2"}
            ],
            "positions": [
                {
                    "cadre_code": "XG1",
                    "org_code": "XK1",
                    "title": "联系领导",
                    "principal": "否",
                    "start": "2022-01-01",
                    "end": "",
                }
            ],
        },
        actor=None,
    )
    assert stale_paths() == {}
    paths = Position.objects.unscoped("test").filter(organization__code="XK1")
    assert set(paths.values_list("org_path", flat=True)) == {"/XP/XC2/XK1/"}
    assert paths.count() == 2


def test_an_import_that_moves_a_city_moves_the_posts_of_its_counties(db):
    _import_small_province()
    import_tables(
        {"organizations": [{"code": "XC1", "name": "样一市", "level": "市", "parent_code": ""}]},
        actor=None,
    )
    assert stale_paths() == {}
    assert Position.objects.unscoped("test").get(cadre__code="XG2").org_path == "/XC1/XK1/"


def test_the_migration_fills_the_path_of_every_post_that_exists(world):
    Position.objects.unscoped("test").update(org_path="")
    migration = importlib.import_module("tanhua.org.migrations.0007_position_org_path")
    # The models as the migration sees them (its managers are not the scoped ones).
    state = MigrationLoader(connection).project_state(("org", "0007_position_org_path"))
    migration.fill_org_paths(state.apps, None)
    assert stale_paths() == {}


def test_a_post_factory_post_carries_the_path(world):
    post = PositionFactory(cadre=world.cadres["GP1"], organization=world.orgs["C2"], title="x")
    assert Position.objects.unscoped("test").get(pk=post.pk).org_path == "/P/C2/"


# The lists read through the copy are the lists read through the organization's path.


def _by_join(model, user) -> list:
    """The same scope read through the organizations' paths (the form before the copy)."""
    from tanhua.core import scoping

    path = scoping.scope_path(user)
    posts = Position.objects.unscoped("test").filter(organization__path__startswith=path)
    if model is Cadre:
        qs = Cadre.objects.unscoped("test").filter(pk__in=posts.values("cadre_id"))
        qs = qs.filter(classification__lte=scoping.clearance(user))
        return list(qs.exclude(pk__in=scoping.declared_cadres(user)).values_list("code", flat=True))
    qs = posts.filter(cadre__classification__lte=scoping.clearance(user))
    return sorted(
        qs.exclude(cadre_id__in=scoping.declared_cadres(user)).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("who", ["owner", "outsider", "commission_p"])
def test_the_lists_in_scope_are_the_same_rows_in_the_same_order(who, request, world):
    from tanhua.core.testing import add_scope_probes

    add_scope_probes(world)
    user = world.users["commission_p"] if who == "commission_p" else request.getfixturevalue(who)
    cadres = Cadre.objects.visible_to(user)
    assert list(cadres.order_by("code").values_list("code", flat=True)) == sorted(
        _by_join(Cadre, user)
    )
    assert cadres.count() == len(_by_join(Cadre, user))
    posts = Position.objects.visible_to(user)
    assert sorted(posts.values_list("pk", flat=True)) == _by_join(Position, user)
    assert posts.count() == len(_by_join(Position, user))
    # The default order (organization path, principal, title, start) is kept.
    ordered = list(posts.values_list("organization__path", "principal", "title", "start"))
    assert ordered == sorted(ordered, key=lambda r: (r[0], not r[1], r[2], r[3]))


def test_the_level_filter_after_a_move_follows_the_new_tree(owner, world):
    # T111 leaves C1 (with K11, to C2): C1's staff no longer find its township post.
    form = CadreFilterForm({"level": "township"})
    assert form.is_valid()
    assert [c.code for c in form.apply(Cadre.objects.visible_to(owner), user=owner)] == ["GT111"]
    services.update_organization(actor=None, org=world.orgs["K11"], parent=world.orgs["C2"])
    assert list(form.apply(Cadre.objects.visible_to(owner), user=owner)) == []
    outsider = world.users["commission_c2"]
    found = form.apply(Cadre.objects.visible_to(outsider), user=outsider)
    assert [c.code for c in found] == ["GT111"]
    assert Organization.objects.get(code="T111").path == "/P/C2/K11/T111/"


def test_the_level_filter_of_a_subject_who_sees_only_themself_still_applies(world):
    # No list of posts to narrow (CadreQuerySet.holding answers None): the filter as before.
    subject = world.users["subject_k11"]
    visible = Cadre.objects.visible_to(subject)
    assert visible.holding(organization__level="county") is None
    for level, expected in (("county", ["GK11"]), ("township", [])):
        form = CadreFilterForm({"level": level})
        assert form.is_valid()
        assert [c.code for c in form.apply(visible, user=subject)] == expected


def test_narrowing_a_scope_leaves_the_scope_it_came_from_as_it_was(owner, world):
    # The scope is built once per user and handed out as clones (reuse_visible): narrowing
    # one must not narrow the next.
    everyone = sorted(Cadre.objects.visible_to(owner).values_list("code", flat=True))
    visible = Cadre.objects.visible_to(owner)
    narrowed = visible.holding(organization__level="township")
    assert list(narrowed.values_list("code", flat=True)) == ["GT111"]
    assert sorted(visible.values_list("code", flat=True)) == everyone
    assert sorted(Cadre.objects.visible_to(owner).values_list("code", flat=True)) == everyone
    assert len(everyone) > 1
