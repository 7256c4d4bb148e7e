"""Findings and the classifier over the REST API: the same scope as the pages, corrections
through the same service."""

from __future__ import annotations

import pytest

from tanhua.api.services import issue_token
from tanhua.api.tests.conftest import ApiClient
from tanhua.evidence.models import Finding, FocusAreaSource
from tanhua.evidence.testing import make_finding


@pytest.fixture
def api_as(world):
    def make(persona: str) -> ApiClient:
        _token, plain = issue_token(actor=None, user=world.users[persona], name="测试")
        return ApiClient(plain)

    return make


@pytest.fixture
def findings(world):
    return [
        make_finding(world.orgs["K11"], code="FK11", cadre=world.cadres["GK11"],
                     focus_area="A4", proposed_focus_area="A4", confidence=0.7,
                     focus_area_source=FocusAreaSource.PROPOSED),
        make_finding(world.orgs["C1"], code="FC1"),
        make_finding(world.orgs["C2"], code="FC2"),
    ]  # fmt: skip


def test_staff_list_the_findings_of_their_scope_with_filters(api_as, findings):
    api = api_as("commission_c1")
    body = api.get("/api/v1/findings").json()
    assert body["count"] == 2 and {f["code"] for f in body["items"]} == {"FK11", "FC1"}
    first = next(f for f in body["items"] if f["code"] == "FK11")
    assert (first["cadre_code"], first["focus_area"], first["confidence"]) == ("GK11", "A4", 0.7)
    assert api.get("/api/v1/findings", {"org_code": "K11"}).json()["count"] == 1
    # A sibling's organization filters to nothing, exactly like an unknown one.
    assert api.get("/api/v1/findings", {"org_code": "C2"}).json() == {"count": 0, "items": []}
    assert api.get("/api/v1/findings", {"org_code": "NOPE"}).json() == {"count": 0, "items": []}
    assert api.get("/api/v1/findings", {"focus_area_source": "proposed"}).json()["count"] == 1


def test_a_finding_out_of_scope_answers_404_like_an_absent_one(api_as, findings):
    api = api_as("commission_c1")
    assert api.get("/api/v1/findings/FK11").status_code == 200
    outside, absent = api.get("/api/v1/findings/FC2"), api.get("/api/v1/findings/NOPE")
    assert outside.status_code == absent.status_code == 404
    assert outside.content == absent.content


def test_a_correction_over_the_api_is_kept_and_returns_the_new_state(api_as, findings, world):
    api = api_as("organization_c1")
    response = api.post("/api/v1/findings/FK11/focus-area", {"focus_area": "A2"})
    assert response.status_code == 200
    assert response.json()["focus_area"] == "A2"
    assert response.json()["focus_area_source"] == "corrected"
    f = Finding.objects.unscoped("test").get(code="FK11")
    assert f.focus_area_set_by == world.users["organization_c1"]
    bad = api.post("/api/v1/findings/FK11/focus-area", {"focus_area": "A7"})
    assert bad.status_code == 422


def test_scripts_classify_texts_in_order(api_as, db):
    api = api_as("commission_c1")
    answer = api.post("/api/v1/classify", {"texts": ["副县长插手工程招投标", "文山会海反弹"]})
    assert [p["focus_area"] for p in answer.json()] == ["A4", "A3"]
    assert api_as("viewer_c1").post("/api/v1/classify", {"texts": ["x"]}).status_code == 404
