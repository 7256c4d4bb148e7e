"""A post carries its holder's code (Position.cadre_code), so that a page of the cadres in
scope in code order is read from the post index (issue 7). The copy must follow every write
of a post, and a list in code order must be exactly the list it replaces."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tanhua.core.testing import CadreFactory, PositionFactory
from tanhua.exchange.services import import_tables
from tanhua.org import services
from tanhua.org.forms import CadreFilterForm
from tanhua.org.models import Cadre, Position

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")


def stored_codes() -> dict[int, tuple[str, str]]:
    posts = Position.objects.unscoped("test").values_list("pk", "cadre_code", "cadre__code")
    return {pk: (copied, actual) for pk, copied, actual in posts}


def test_every_post_of_the_test_world_carries_its_holders_code(world):
    codes = stored_codes()
    assert codes and all(copied == actual for copied, actual in codes.values())


def test_a_post_made_by_the_service_carries_its_holders_code(world):
    cadre = CadreFactory(code="GNEW1")
    post = services.create_position(
        actor=None,
        cadre=cadre,
        organization=world.orgs["K11"],
        title="副县长",
        principal=False,
        start=dt.date(2024, 3, 1),
    )
    assert Position.objects.unscoped("test").get(pk=post.pk).cadre_code == "GNEW1"


def test_a_post_saved_with_a_cadre_not_loaded_reads_the_code_once(world):
    cadre = CadreFactory(code="GNEW2")
    post = Position(
        cadre_id=cadre.pk,
        organization=world.orgs["C1"],
        title="委员",
        start=dt.date(2024, 1, 1),
    )
    post.save()
    assert Position.objects.unscoped("test").get(pk=post.pk).cadre_code == "GNEW2"


def test_updating_a_post_keeps_its_holders_code(world):
    post = Position.objects.unscoped("test").filter(cadre__code="GC1").first()
    services.update_position(actor=None, position=post, end=dt.date(2030, 1, 1))
    assert Position.objects.unscoped("test").get(pk=post.pk).cadre_code == "GC1"


def test_a_post_made_by_an_import_carries_its_holders_code(db):
    import_tables(
        {
            "organizations": [{"code": "XP", "name": "样省", "level": "省", "parent_code": ""}],
            "cadres": [{"code": "XG1", "name": "样干部", "tier": "省管", "gender": "男"}],
            "positions": [
                {
                    "cadre_code": "XG1",
                    "org_code": "XP",
                    "title": "书记",
                    "principal": "是",
                    "start": "2020-01-01",
                    "end": "",
                }
            ],
        },
        actor=None,
    )
    assert list(Position.objects.unscoped("test").values_list("cadre_code", flat=True)) == ["XG1"]


def test_the_migration_fills_the_code_of_every_post_that_exists(world):
    Position.objects.unscoped("test").update(cadre_code="")
    migration = importlib.import_module("tanhua.org.migrations.0006_position_cadre_code")
    # The models as the migration sees them (its managers are not the scoped ones).
    state = MigrationLoader(connection).project_state(("org", "0006_position_cadre_code"))
    migration.fill_cadre_codes(state.apps, None)
    codes = stored_codes()
    assert all(copied == actual for copied, actual in codes.values())


def _by_pk_then_sorted(qs) -> list[str]:
    # The same scope in the primary-key form (no code order), sorted afterwards.
    return sorted(qs.order_by("pk").values_list("code", flat=True))


@pytest.mark.parametrize("who", ["owner", "outsider"])
def test_a_list_in_code_order_is_exactly_the_scope_sorted(who, request, world):
    user = request.getfixturevalue(who)
    visible = Cadre.objects.visible_to(user)
    in_order = [c.code for c in visible.order_by("code")]
    assert in_order == _by_pk_then_sorted(Cadre.objects.visible_to(user))
    assert [c.code for c in visible.order_by("code")[1:3]] == in_order[1:3]
    assert visible.order_by("code").count() == len(in_order)


def test_the_filtered_list_in_code_order_matches_the_filter_without_it(owner, world):
    form = CadreFilterForm({"tier": "provincial", "level": "city"})
    assert form.is_valid()
    filtered = form.apply(Cadre.objects.visible_to(owner), user=owner)
    in_order = list(filtered.order_by("code").values_list("code", flat=True))
    assert in_order == _by_pk_then_sorted(filtered)
    assert in_order == ["GC1", "GC1M"]


@sqlite_only
def test_a_page_in_code_order_walks_the_listed_codes_and_sorts_nothing(owner):
    text = Cadre.objects.visible_to(owner).order_by("code")[:50].explain()
    assert "(code=?)" in text and "position_path_holder (org_path>? AND org_path<?)" in text
    assert "TEMP B-TREE FOR ORDER BY" not in text


def test_a_post_factory_post_carries_its_holders_code(world):
    post = PositionFactory(cadre=world.cadres["GP1"], organization=world.orgs["C2"], title="x")
    assert Position.objects.unscoped("test").get(pk=post.pk).cadre_code == "GP1"
