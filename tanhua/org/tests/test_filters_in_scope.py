"""Filters, orderings and counts are computed over what the user may see (issue 6, item 10):
a post, cadre or organization hidden from the user must not make a row match, nor change a
count, nor answer differently from a code that names nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tanhua.api.services import issue_token
from tanhua.api.tests.conftest import ApiClient
from tanhua.core.testing import add_scope_probes
from tanhua.org.models import Cadre

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


@pytest.fixture
def probed(world):
    return add_scope_probes(world)


def api(user) -> ApiClient:
    _token, plain = issue_token(actor=None, user=user, name="测试")
    return ApiClient(plain)


def listed(client, **params) -> list[str]:
    html = client.get(reverse("org:cadre_list"), params).content.decode()
    return re.findall(r"<tr><td>([A-Z0-9]+)</td>", html)


def test_the_level_filter_ignores_a_post_the_user_may_not_see(client, probed, owner):
    client.force_login(owner)
    # GC1X is seen from C1 through a city post; their province post lies outside C1.
    assert "GC1X" in listed(client, level="city")
    assert "GC1X" not in listed(client, level="province")
    assert listed(client, level="province") == []


def test_province_staff_find_the_same_cadre_by_their_province_post(client, probed):
    client.force_login(probed.users["commission_p"])
    assert listed(client, level="province") == ["GC1X", "GP1"]


def test_the_cadre_list_counts_only_what_the_user_may_see(client, probed, owner):
    client.force_login(owner)
    html = client.get(reverse("org:cadre_list"), {"level": "province"}).content.decode()
    assert "共 0 人" in html
    html = client.get(reverse("org:cadre_list")).content.decode()
    assert f"共 {Cadre.objects.visible_to(owner).count()} 人" in html
    assert "共 5 人" in html  # GC1, GC1M, GC1X, GK11, GT111; not GSECRET nor GDECL


def test_the_home_page_counts_only_the_organizations_and_cadres_in_scope(client, probed, owner):
    client.force_login(owner)
    html = client.get(reverse("core:home")).content.decode()
    numbers = re.findall(r'<span class="num">(\d+)</span>', html)
    assert numbers == ["3", "5"]  # C1, K11, T111 · five cadres, not the 机密 nor the 回避 one


def test_a_hidden_parent_filters_exactly_like_an_unknown_one(probed, owner):
    client = api(owner)
    unknown = client.get(V1 + "/organizations", {"parent": "NOPE"})
    for hidden in ("P", "C2"):  # above the user, and a sibling city
        response = client.get(V1 + "/organizations", {"parent": hidden})
        assert response.status_code == unknown.status_code == 200
        assert response.content == unknown.content
    assert unknown.json() == {"count": 0, "items": []}


@pytest.mark.parametrize(
    ("field", "hidden"),
    [
        ("org_code", "C2"),
        ("org_code", "P"),
        ("cadre_code", "GC2"),
        ("cadre_code", "GSECRET"),
        ("cadre_code", "GDECL"),
    ],
)
def test_a_hidden_code_in_a_positions_filter_answers_like_an_unknown_one(
    probed, owner, field, hidden
):
    client = api(owner)
    unknown = client.get(V1 + "/positions", {field: "NOPE"})
    response = client.get(V1 + "/positions", {field: hidden})
    assert response.status_code == 200
    assert response.content == unknown.content == b'{"count": 0, "items": []}'


def test_a_visible_cadres_hidden_posts_never_show_in_the_positions_list(probed, owner):
    client = api(owner)
    mine = client.get(V1 + "/positions", {"cadre_code": "GC1X"}).json()
    assert [(p["org_code"], p["title"]) for p in mine["items"]] == [("C1", "市委常委")]
    ended = client.get(V1 + "/positions", {"current": "false"}).json()
    assert ended == {"count": 0, "items": []}  # GC1X's ended post was in C2


def test_searching_for_a_hidden_cadre_finds_what_searching_for_nobody_finds(client, probed, owner):
    client.force_login(owner)
    for hidden in ("GC2", "GSECRET", "GDECL", "西城书记丁", "回避干部壬"):
        assert listed(client, q=hidden) == listed(client, q="NOBODY") == []
    codes = [c["code"] for c in api(owner).get(V1 + "/cadres", {"q": "GDECL"}).json()["items"]]
    assert codes == []
