"""The top bar's quick find: by name or code, organizations and cadres, in scope only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanhua.audit.models import AuditEntry

URL = reverse("search:quick_find")


def find(client, user, q, **headers):
    client.force_login(user)
    return client.get(URL, {"q": q}, headers=headers)


def test_a_cadre_is_found_by_part_of_the_name(client, owner):
    html = find(client, owner, "书记戊").content.decode()
    assert "甲县书记戊" in html and reverse("org:cadre_detail", kwargs={"code": "GK11"}) in html


def test_an_organization_is_found_by_its_code(client, owner):
    html = find(client, owner, "K11").content.decode()
    assert "东城甲县委" in html


def test_nothing_outside_the_scope_is_found(client, owner):
    html = find(client, owner, "西城").content.decode()
    assert "西城市委" not in html
    assert "没有找到" in html


def test_a_cadre_above_the_users_clearance_is_not_found(client, owner):
    assert "机密干部庚" not in find(client, owner, "机密").content.decode()


def test_the_people_a_search_shows_are_audited(client, owner):
    find(client, owner, "书记戊")
    entry = AuditEntry.objects.get(action__in=["cadre.read", "cadre.list"])
    assert entry.detail["codes"] == ["GK11"]


def test_the_security_administrator_finds_organizations_but_no_people(client, world):
    html = find(client, world.users["secadmin"], "东城").content.decode()
    assert "东城市委" in html
    assert "干部" not in html.split("quick-find-results", 1)[1]


def test_a_role_that_may_search_nothing_gets_not_found(client, world):
    assert find(client, world.users["auditor"], "东城").status_code == 404


def test_the_htmx_request_gets_only_the_results(client, owner):
    html = find(client, owner, "K11", **{"HX-Request": "true"}).content.decode()
    assert "<html" not in html and "东城甲县委" in html


@pytest.mark.parametrize("q", ["", "   ", "\x00", "%", "_", "a" * 500])
def test_odd_terms_answer_without_error(client, owner, q):
    assert find(client, owner, q).status_code == 200


def test_the_top_bar_offers_the_search_box(client, owner):
    client.force_login(owner)
    html = client.get(reverse("core:home")).content.decode()
    assert 'role="search"' in html
