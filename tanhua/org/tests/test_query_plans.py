"""The scope is an index range, not a table scan (issue 7): the query plans SQLite chooses for
the scoping layer's querysets. PostgreSQL's plans depend on statistics, not on the query's
shape alone; bench/bench_scope.py measures both engines at two database sizes."""

from __future__ import annotations

import pytest
from django.db import connection

from tanhua.org.forms import CadreFilterForm
from tanhua.org.models import Cadre, Position

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")


PATH_RANGE = "COVERING INDEX position_path_holder (org_path>? AND org_path<?)"


def plan(qs) -> str:
    return qs.explain()


def scanned_tables(text: str) -> list[str]:
    # "SCAN t" walks a whole table or index; "SEARCH t USING …" is a lookup or a range.
    return [line for line in text.splitlines() if "SCAN " in line and "SUBQUERY" not in line]


@sqlite_only
def test_the_cadres_in_scope_are_counted_from_the_path_range_of_the_post_index(owner):
    # One range of the posts' own path (Position.org_path), not one probe per organization.
    text = plan(Cadre.objects.visible_to(owner))
    assert PATH_RANGE in text and "org_organization" not in text
    assert scanned_tables(text) == []


@sqlite_only
def test_the_posts_in_scope_start_from_the_path_range_and_never_scan_a_table(owner):
    text = plan(Position.objects.visible_to(owner).select_related("organization", "cadre"))
    assert "position_path_holder (org_path>? AND org_path<?)" in text
    assert scanned_tables(text) == []


@sqlite_only
def test_the_posts_of_a_page_of_cadres_are_found_by_cadre_not_by_every_cadre_organization_pair(
    owner, world
):
    # The cadre list's prefetch: with `organization_id IN (subtree)` SQLite probed the
    # (cadre, organization) index once for every pair of a listed cadre and an organization
    # in scope; the scope as a join looks the posts up by cadre and checks the organization.
    ids = [c.pk for c in world.cadres.values()]
    text = plan(Position.objects.visible_to(owner).filter(cadre_id__in=ids))
    assert "(cadre_id=?)" in text
    assert "cadre_id=? AND organization_id=?" not in text
    assert scanned_tables(text) == []


@sqlite_only
def test_the_posts_of_one_cadre_are_looked_up_by_cadre(owner, world):
    text = plan(Position.objects.visible_to(owner).filter(cadre=world.cadres["GC1"]))
    assert "(cadre_id=?)" in text
    assert scanned_tables(text) == []


@sqlite_only
def test_sqlite_connections_are_kept_with_a_page_cache_that_holds_a_province():
    # A fresh SQLite connection parses the schema and starts cold on every request.
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        assert cur.fetchone()[0] <= -65536


def test_on_postgresql_the_cadre_scope_is_an_array_looked_up_by_primary_key(owner):
    # `IN (subquery)` becomes a hash semi-join over the whole cadre table on PostgreSQL.
    sql, _params = Cadre.objects.visible_to(owner).order_by().query.sql_with_params()
    if connection.vendor == "postgresql":
        assert '"org_cadre"."id" = ANY(ARRAY(SELECT' in sql
    else:
        assert '"org_cadre"."id" IN (SELECT' in sql
    # Nor does the subquery keep Position's default order (a sort nobody reads).
    assert "ORDER BY" not in sql


def test_the_scope_as_an_array_sees_the_same_cadres_as_before(owner, outsider, world):
    assert set(Cadre.objects.visible_to(owner).values_list("code", flat=True)) == {
        "GC1",
        "GC1M",
        "GK11",
        "GT111",
    }
    assert set(Cadre.objects.visible_to(outsider).values_list("code", flat=True)) == {"GC2"}


@sqlite_only
def test_one_cadre_by_code_is_checked_against_their_own_posts_not_the_whole_scope(owner):
    # A detail page must not build the list of every cadre in the user's scope first.
    text = plan(Cadre.objects.visible_to(owner).filter(code="GC1"))
    assert "(code=?)" in text
    assert "CORRELATED" in text and "(cadre_id=?)" in text
    assert "position_org_cadre" not in text
    assert scanned_tables(text) == []


def test_a_lookup_by_code_or_pk_answers_exactly_as_the_list_does(owner, outsider, world):
    visible = Cadre.objects.visible_to(owner)
    assert visible.filter(code="GC1").exists()
    assert visible.get(code="GK11").name == "甲县书记戊"
    assert not visible.filter(code="GC2").exists()  # a sibling city's
    assert not visible.filter(code="GP1").exists()  # above the user's organization
    assert not visible.filter(code="GSECRET").exists()  # above the user's clearance
    assert visible.filter(pk=world.cadres["GT111"].pk).exists()
    assert not Cadre.objects.visible_to(outsider).filter(pk=world.cadres["GC1"].pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_postgresql_plans_for_data_in_memory_not_for_spinning_disks():
    # With random_page_cost 4 the planner read the whole post table for a province's posts.
    with connection.cursor() as cur:
        cur.execute("SHOW random_page_cost")
        assert float(cur.fetchone()[0]) == pytest.approx(1.1)


@sqlite_only
def test_posts_in_scope_are_counted_from_the_post_index_without_reading_each_cadre(owner):
    # What count() runs: no order, no columns but the key.
    text = plan(Position.objects.visible_to(owner).order_by().values("pk"))
    assert PATH_RANGE in text
    assert "COVERING INDEX cadre_classification (classification>?)" in text
    assert "org_cadre USING INTEGER PRIMARY KEY" not in text


def test_the_posts_of_a_cadre_above_the_users_clearance_stay_hidden(owner, world):
    # GSECRET (机密) holds a post in K11, inside C1's scope; the owner's clearance is 秘密.
    posts = Position.objects.visible_to(owner)
    assert not posts.filter(cadre__code="GSECRET").exists()
    assert posts.filter(cadre__code="GK11").exists()
    assert posts.filter(cadre__code="GSECRET").count() == 0


@sqlite_only
@pytest.mark.parametrize("order", [(), ("code",)])
def test_the_level_filter_narrows_the_scopes_list_of_posts_instead_of_adding_one(owner, order):
    # One list of the posts in scope, current and at the level, read from the path index
    # (CadreQuerySet.holding): beside the scope's list, a second one of holders made SQLite
    # probe every pair of the two (docs/benchmarks.md, issue 7).
    form = CadreFilterForm({"tier": "county", "level": "township"})
    assert form.is_valid()
    text = plan(form.apply(Cadre.objects.visible_to(owner), user=owner).order_by(*order))
    assert text.count(PATH_RANGE) == 1
    assert "CORRELATED" not in text
    assert scanned_tables(text) == []
