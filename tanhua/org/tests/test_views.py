"""The registry pages: the tree and its htmx partial, an organization with its posts, a cadre
with their posts over time, the cadre list with search, filters and pages, and their cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tanhua.core.testing import CadreFactory, OrganizationFactory, PositionFactory
from tanhua.org.models import Level, Tier
from tanhua.org.views import CADRES_PER_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def page(client, name, *args, htmx=False, **params):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(reverse(name, args=args), params, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the tree ----------------------------------------------------------------------------


def test_the_tree_starts_at_the_users_organization_and_lists_its_children(as_user, owner):
    html = page(as_user(owner), "org:tree")
    assert "东城市委" in html
    assert 'id="node-K11"' in html
    assert reverse("org:organization_children", args=["K11"]) in html
    assert "西城市委" not in html and "测试省委" not in html


def test_the_tree_shows_a_sibling_city_only_to_its_own_staff(as_user, outsider):
    html = page(as_user(outsider), "org:tree")
    assert "西城市委" in html
    assert "东城市委" not in html and "K11" not in html


def test_the_children_partial_unfolds_one_node_without_the_page_around_it(as_user, owner):
    html = page(as_user(owner), "org:organization_children", "K11", htmx=True)
    assert 'id="node-T111"' in html and "甲县一乡党委" in html
    assert "<html" not in html and "<header" not in html


def test_a_leaf_unfolds_to_a_note_that_it_has_no_children(as_user, owner):
    html = page(as_user(owner), "org:organization_children", "T111", htmx=True)
    assert "无下级组织" in html


# --- an organization ---------------------------------------------------------------------


def test_an_organization_page_shows_its_current_posts_and_their_holders(as_user, owner):
    html = page(as_user(owner), "org:organization_detail", "K11")
    assert "东城甲县委" in html and "县委书记" in html
    assert "甲县书记戊" in html
    assert reverse("org:cadre_detail", args=["GK11"]) in html
    assert "一把手" in html
    # The breadcrumb runs from the user's own organization down.
    assert reverse("org:organization_detail", args=["C1"]) in html
    assert "甲县一乡党委" in html  # its child


def test_an_ended_post_no_longer_shows_on_the_organization_page(as_user, owner, world):
    PositionFactory(
        cadre=CadreFactory(code="GOLD", name="前任书记壬"),
        organization=world.orgs["K11"],
        title="县委书记",
        start=dt.date(2010, 1, 1),
        end=dt.date(2015, 1, 1),
    )
    html = page(as_user(owner), "org:organization_detail", "K11")
    assert "前任书记壬" not in html and "甲县书记戊" in html


def test_a_holder_above_the_users_clearance_is_not_shown(as_user, owner, world):
    assert "机密干部庚" not in page(as_user(owner), "org:organization_detail", "K11")
    high = world.users["commission_p"]
    assert "机密干部庚" in page(as_user(high), "org:organization_detail", "K11")


def test_the_viewer_role_sees_the_organization_but_no_people(as_user, world):
    html = page(as_user(world.users["viewer_c1"]), "org:organization_detail", "K11")
    assert "东城甲县委" in html and "甲县一乡党委" in html
    assert "甲县书记戊" not in html and 'id="positions"' not in html
    assert reverse("org:cadre_detail", args=["GK11"]) not in html


def test_the_parent_outside_the_users_scope_is_not_linked(as_user, owner):
    html = page(as_user(owner), "org:organization_detail", "C1")
    assert "测试省委" not in html
    assert reverse("org:organization_detail", args=["P"]) not in html


# --- a cadre -----------------------------------------------------------------------------


def test_a_cadre_page_lists_their_posts_over_time_newest_first(as_user, owner, world):
    PositionFactory(
        cadre=world.cadres["GK11"],
        organization=world.orgs["T111"],
        title="乡党委书记",
        principal=True,
        start=dt.date(2012, 3, 1),
        end=dt.date(2016, 6, 30),
    )
    html = page(as_user(owner), "org:cadre_detail", "GK11")
    assert "甲县书记戊" in html and "GK11" in html and "市管" in html
    assert html.index("东城甲县委") < html.index("甲县一乡党委")
    assert "2012-03-01" in html and "2016-06-30" in html and "至今" in html


def test_a_cadre_page_shows_only_the_posts_inside_the_users_scope(as_user, owner, world):
    PositionFactory(
        cadre=world.cadres["GK11"],
        organization=world.orgs["C2"],
        title="西城挂职副市长",
        start=dt.date(2018, 1, 1),
        end=dt.date(2019, 1, 1),
    )
    html = page(as_user(owner), "org:cadre_detail", "GK11")
    assert "西城挂职副市长" not in html and "县委书记" in html


# --- the cadre list ----------------------------------------------------------------------


def listed(html: str, world) -> list[str]:
    return sorted(code for code in world.cadres if f">{code}<" in html)


def test_the_cadre_list_shows_everyone_in_scope_within_clearance(as_user, owner, world):
    html = page(as_user(owner), "org:cadre_list")
    assert listed(html, world) == ["GC1", "GC1M", "GK11", "GT111"]
    # The current post beside the name, with its organization.
    assert '<span class="muted">东城甲县委</span> 县委书记' in html


def test_the_cadre_list_searches_by_name(as_user, owner, world):
    assert listed(page(as_user(owner), "org:cadre_list", q="书记戊"), world) == ["GK11"]


def test_the_cadre_list_searches_by_code(as_user, owner, world):
    html = page(as_user(owner), "org:cadre_list", q="gc1m")
    assert listed(html, world) == ["GC1M"]


def test_a_search_never_reaches_outside_the_users_scope(as_user, owner, world):
    html = page(as_user(owner), "org:cadre_list", q="西城")
    assert listed(html, world) == []
    assert "没有符合条件的干部" in html


def test_the_cadre_list_filters_by_tier(as_user, owner, world):
    html = page(as_user(owner), "org:cadre_list", tier=Tier.PROVINCIAL)
    assert listed(html, world) == ["GC1", "GC1M"]


def test_the_cadre_list_filters_by_the_level_of_the_current_post(as_user, owner, world):
    assert listed(page(as_user(owner), "org:cadre_list", level=Level.COUNTY), world) == ["GK11"]
    assert listed(page(as_user(owner), "org:cadre_list", level=Level.CITY), world) == [
        "GC1",
        "GC1M",
    ]


def test_filters_combine_with_search(as_user, owner, world):
    html = page(as_user(owner), "org:cadre_list", q="东城", tier=Tier.PROVINCIAL)
    assert listed(html, world) == ["GC1", "GC1M"]
    html = page(as_user(owner), "org:cadre_list", q="东城", tier=Tier.COUNTY)
    assert listed(html, world) == []


def test_an_unknown_filter_value_is_reported_not_a_server_error(as_user, owner):
    html = page(as_user(owner), "org:cadre_list", tier="galactic")
    assert "errorlist" in html


def test_the_htmx_search_answers_only_the_result_rows(as_user, owner, world):
    html = page(as_user(owner), "org:cadre_list", htmx=True, q="GT111")
    assert listed(html, world) == ["GT111"]
    assert "<html" not in html and 'id="cadres"' in html


def test_the_cadre_list_is_paginated_and_keeps_the_filters_across_pages(as_user, owner, world):
    extra = CADRES_PER_PAGE + 7
    for i in range(extra):
        PositionFactory(
            cadre=CadreFactory(code=f"ZP{i:03d}", name=f"翻页干部{i}", tier=Tier.COUNTY),
            organization=world.orgs["T111"],
            title="委员",
        )
    client = as_user(owner)
    first = page(client, "org:cadre_list", q="翻页")
    assert first.count('href="/org/cadres/ZP') == CADRES_PER_PAGE
    assert "ZP000" in first and f"ZP{extra - 1:03d}" not in first
    assert "q=%E7%BF%BB%E9%A1%B5&amp;page=2" in first
    second = page(client, "org:cadre_list", q="翻页", page=2)
    assert second.count('href="/org/cadres/ZP') == 7
    assert f"ZP{extra - 1:03d}" in second and "ZP000" not in second
    # A page past the end shows the last page rather than failing.
    assert f"ZP{extra - 1:03d}" in page(client, "org:cadre_list", q="翻页", page=99)


# --- out of scope looks like absent ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("org:organization_detail", "C2"),
        ("org:organization_detail", "NOSUCH"),
        ("org:organization_children", "C2"),
        ("org:organization_detail", "P"),
        ("org:cadre_detail", "GC2"),
        ("org:cadre_detail", "GP1"),
        ("org:cadre_detail", "NOSUCH"),
    ],
)
def test_an_object_outside_the_users_scope_answers_404_like_one_that_does_not_exist(
    as_user, owner, name, code
):
    response = as_user(owner).get(reverse(name, args=[code]))
    assert response.status_code == 404
    assert "未找到" in response.content.decode()


def test_a_cadre_above_the_users_clearance_answers_404(as_user, owner):
    assert as_user(owner).get(reverse("org:cadre_detail", args=["GSECRET"])).status_code == 404


def test_roles_that_see_no_people_get_404_on_the_cadre_pages(as_user, world):
    client = as_user(world.users["viewer_c1"])
    assert client.get(reverse("org:cadre_list")).status_code == 404
    assert client.get(reverse("org:cadre_detail", args=["GK11"])).status_code == 404


# --- cost stays flat as rows grow --------------------------------------------------------

# Upper bounds for one request: session, user, roles, the pages' own reads, the session
# save (and the audit entry of a read about a person, with PostgreSQL's advisory lock on the
# chain), with two to spare for middleware.
MAX_QUERIES = {
    "org:tree": 11,
    "org:organization_children": 11,
    "org:organization_detail": 17,
    "org:cadre_list": 16,
    "org:cadre_detail": 15,
}
PAGES = [
    ("org:tree", [], False),
    ("org:organization_children", ["C1"], True),
    ("org:organization_detail", ["K11"], False),
    ("org:cadre_list", [], False),
    ("org:cadre_detail", ["GK11"], False),
]


def grow(world, start: int, n: int) -> None:
    """n more of everything each page lists: counties under C1 (each with a township), their
    principals (also holding a second current post in K11), and past posts of GK11."""
    c1, k11 = world.orgs["C1"], world.orgs["K11"]
    for i in range(start, start + n):
        county = OrganizationFactory(
            code=f"KX{i:03d}", name=f"增长县{i}", level=Level.COUNTY, parent=c1
        )
        OrganizationFactory(
            code=f"TX{i:03d}", name=f"增长乡{i}", level=Level.TOWNSHIP, parent=county
        )
        OrganizationFactory(
            code=f"TK{i:03d}", name=f"甲县增长乡{i}", level=Level.TOWNSHIP, parent=k11
        )
        cadre = CadreFactory(code=f"GX{i:03d}", name=f"增长干部{i}", tier=Tier.COUNTY)
        PositionFactory(cadre=cadre, organization=county, title="县委书记", principal=True)
        PositionFactory(cadre=cadre, organization=k11, title=f"常委{i}")
        PositionFactory(
            cadre=world.cadres["GK11"],
            organization=county,
            title=f"历任职务{i}",
            start=dt.date(2000 + i % 20, 1, 1),
            end=dt.date(2000 + i % 20, 12, 31),
        )


def queries_for(client, name, args, htmx) -> int:
    headers = {"HX-Request": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name, args=args), headers=headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "args", "htmx"), PAGES, ids=[p[0] for p in PAGES])
def test_the_query_count_of_a_registry_page_stays_flat_as_rows_grow(
    as_user, owner, world, django_assert_max_num_queries, name, args, htmx
):
    n = 6
    client = as_user(owner)
    grow(world, 0, n)
    # The first request settles one-off work (session, caches) that later ones skip.
    queries_for(client, name, args, htmx)
    small = queries_for(client, name, args, htmx)
    grow(world, n, 4 * n)
    large = queries_for(client, name, args, htmx)
    assert small == large, f"{name}: {small} queries with {n} rows, {large} with {5 * n}"
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = client.get(
            reverse(name, args=args), headers={"HX-Request": "true"} if htmx else {}
        )
    # The rows really are on the page: the measurement covers rendering them.
    body = response.content.decode()
    assert ("GX029" in body) or ("KX029" in body) or ("历任职务29" in body)
