"""The measures page's and API's new filters (`year`, `within`, `subject_org`) tried past
scope: a sibling city, a county's subtree seen from a sibling, odd values. They held; kept
cheap so that they keep holding."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from tanhua.core.testing import TEST_PASSWORD, build_world
from tanhua.rectification.models import Measure
from tanhua.rectification.testing_track import measures_world
from tanhua.talks.testing import add_talks
from tanhua.talks.tests.test_api import Api

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 1)


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    w = add_talks(build_world())
    w.measures = measures_world(w, TODAY)
    return w


def _page(user, **query) -> str:
    c = Client()
    assert c.login(username=user.username, password=TEST_PASSWORD)
    r = c.get(reverse("rectification:track_measures"), query)
    assert r.status_code == 200
    # The page as the reader sees it, without the per-request token.
    return re.sub(r'csrf[^>]*?="[^"]*"', "", r.content.decode())


@pytest.mark.parametrize("param", ["within", "subject_org"])
def test_a_sibling_citys_code_answers_like_an_unknown_one_on_the_page_and_the_api(world, param):
    staff = world.users["commission_c1"]
    assert Measure.objects.unscoped("test").filter(campaign__committee__code="C2").exists()
    hidden, unknown = _page(staff, **{param: "C2"}), _page(staff, **{param: "ZZ"})
    assert hidden.replace("C2", "?") == unknown.replace("ZZ", "?")
    api = Api(staff)
    hidden, unknown = (
        api.get("/tracking/measures", **{param: "C2"}),
        api.get("/tracking/measures", **{param: "ZZ"}),
    )
    assert hidden.status_code == unknown.status_code
    assert hidden.content.decode().replace("C2", "?") == unknown.content.decode().replace("ZZ", "?")


def test_within_a_committee_lists_only_measures_the_reader_may_see(world):
    staff = world.users["commission_c1"]
    query = {"within": "C1", "year": 2026, "page_size": 100}
    items = Api(staff).get("/tracking/measures", **query).json()["items"]
    visible = set(Measure.objects.visible_to(staff).values_list("pk", flat=True))
    assert items and {m["id"] for m in items} <= visible


@pytest.mark.parametrize(
    "query",
    [
        {"year": "1999"}, {"year": "abc"}, {"year": "2026" * 20}, {"within": "x" * 5000},
        {"subject_org": "<script>"}, {"within": "../C2"},
    ],
)  # fmt: skip
def test_odd_filter_values_answer_the_page_in_words_never_a_500(world, query):
    page = _page(world.users["commission_c1"], **query)
    assert "<script>" not in page


@pytest.mark.parametrize(
    "query", [{"year": 1999}, {"year": "abc"}, {"within": "x" * 33}, {"subject_org": "x" * 33}]
)
def test_odd_filter_values_over_the_api_are_refused_in_words(world, query):
    r = Api(world.users["commission_c1"]).get("/tracking/measures", **query)
    assert r.status_code in (400, 404, 422) and r.status_code != 500
