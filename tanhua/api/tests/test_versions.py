"""No lost updates through the API: ETag on reads, If-Match on edits, 412 when stale."""

from __future__ import annotations

import pytest

from tanhua.org.models import Cadre

V1 = "/api/v1"


def test_a_read_carries_the_records_version_as_its_etag(api):
    response = api.get(V1 + "/cadres/GK11")
    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1
    assert api.get(V1 + "/organizations/K11")["ETag"] == '"1"'


def test_an_edit_from_the_current_version_saves_and_answers_the_new_etag(api):
    response = api.patch(V1 + "/cadres/GK11", {"gender": "female"}, if_match='"1"')
    assert response.status_code == 200
    assert response["ETag"] == '"2"' and response.json()["version"] == 2


def test_an_edit_from_an_older_version_is_refused_with_412_and_what_changed(api, api_as):
    assert (
        api_as("organization_c1")
        .patch(V1 + "/cadres/GK11", {"gender": "female"}, if_match='"1"')
        .status_code
        == 200
    )
    response = api.patch(V1 + "/cadres/GK11", {"name": "覆盖者"}, if_match='"1"')
    assert response.status_code == 412
    body = response.json()
    assert body["current_version"] == 2 and response["ETag"] == '"2"'
    assert "性别" in body["detail"] and "organization_c1" in body["detail"]
    cadre = Cadre.objects.unscoped("test").get(code="GK11")
    assert (cadre.name, cadre.gender) == ("甲县书记戊", "female")


def test_organizations_and_posts_refuse_stale_edits_too(api, api_as):
    other = api_as("organization_c1")
    assert (
        other.patch(V1 + "/organizations/K11", {"name": "新名"}, if_match='"1"').status_code == 200
    )
    assert api.patch(V1 + "/organizations/K11", {"name": "旧名"}, if_match='"1"').status_code == 412
    post = api.get(V1 + "/positions", {"org_code": "K11"}).json()["items"][0]
    assert post["version"] == 1
    assert (
        other.patch(
            V1 + f"/positions/{post['id']}", {"principal": not post["principal"]}, if_match='"1"'
        ).status_code
        == 200
    )
    stale = api.patch(V1 + f"/positions/{post['id']}", {"end": "2030-01-01"}, if_match='"1"')
    assert stale.status_code == 412


@pytest.mark.parametrize("header", ["1", '"abc"', "*", '"1", "2"'])
def test_a_malformed_if_match_is_a_clear_422(api, header):
    response = api.patch(V1 + "/cadres/GK11", {"gender": "female"}, if_match=header)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "If-Match"]
    assert Cadre.objects.unscoped("test").get(code="GK11").version == 1


def test_an_edit_without_if_match_is_the_callers_explicit_blind_write(api):
    assert api.patch(V1 + "/cadres/GK11", {"gender": "female"}).status_code == 200
    assert Cadre.objects.unscoped("test").get(code="GK11").version == 2


def test_a_stale_edit_of_a_hidden_record_still_answers_404_not_412(api_as):
    assert (
        api_as("commission_c2")
        .patch(V1 + "/cadres/GK11", {"gender": "female"}, if_match='"0"')
        .status_code
        == 404
    )
