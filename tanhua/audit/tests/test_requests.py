"""What requests leave in the trail: denied access, reads of records about a person, and
the request context (user, role, IP, request id) on every entry."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tanhua.audit.models import AuditEntry, Result


def _denied():
    return AuditEntry.objects.filter(action="access.denied")


def test_an_out_of_scope_organization_answers_404_and_is_recorded_as_denied(client, owner):
    client.force_login(owner)
    url = reverse("org:organization_detail", kwargs={"code": "C2"})
    response = client.get(url, REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="req-abc-1")
    assert response.status_code == 404
    entry = _denied().get()
    assert entry.result == Result.DENIED
    assert entry.username == "commission_c1"
    assert entry.roles == "commission"
    assert entry.ip == "10.1.2.3"
    assert entry.client_request_id == "req-abc-1"
    assert entry.object_id == url
    assert entry.detail == {"path": url, "status": 404, "reason": "not_found_or_out_of_scope"}


def test_a_scope_refusal_by_the_scoping_layer_is_recorded_with_its_reason(client, world):
    # The audit page refuses everybody but the auditor through scoping.require (OutOfScope).
    client.force_login(world.users["secadmin"])
    assert client.get(reverse("audit:log")).status_code == 404
    entry = _denied().get()
    assert entry.username == "secadmin"
    assert entry.detail["reason"] == "out_of_scope"


def test_a_403_is_recorded_as_denied(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("accounts:logout"))  # no CSRF token
    assert response.status_code == 403
    entry = _denied().get()
    assert (entry.username, entry.detail["status"]) == ("commission_c1", 403)


def test_a_url_that_matches_nothing_is_not_recorded(client, owner):
    client.force_login(owner)
    assert client.get("/no/such/page/").status_code == 404
    assert not _denied().exists()


def test_pages_that_answer_are_not_recorded_as_denied(client, owner):
    client.force_login(owner)
    assert client.get(reverse("org:organization_detail", kwargs={"code": "K11"})).status_code == 200
    assert not _denied().exists()


def test_reading_a_cadre_page_is_recorded_with_the_person(client, owner):
    client.force_login(owner)
    response = client.get(reverse("org:cadre_detail", kwargs={"code": "GK11"}))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="cadre.read")
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "cadre",
        "GK11",
        "甲县书记戊",
    )
    assert entry.username == "commission_c1" and entry.result == Result.OK
    assert entry.detail["path"] == "/org/cadres/GK11/"


def test_an_out_of_scope_cadre_is_not_read_and_the_attempt_is_denied(client, owner):
    client.force_login(owner)
    response = client.get(reverse("org:cadre_detail", kwargs={"code": "GC2"}))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="cadre.read").exists()
    assert _denied().get().object_id == "/org/cadres/GC2/"


def test_each_read_is_recorded_again(client, owner):
    client.force_login(owner)
    url = reverse("org:cadre_detail", kwargs={"code": "GK11"})
    client.get(url)
    client.get(url)
    assert AuditEntry.objects.filter(action="cadre.read", object_id="GK11").count() == 2


def test_an_out_of_scope_api_read_is_recorded_as_denied_for_the_tokens_owner(client, owner):
    from tanhua.api.services import issue_token

    _token, plain = issue_token(actor=None, user=owner, name="脚本")
    response = client.get(
        "/api/v1/organizations/C2", HTTP_AUTHORIZATION=f"Bearer {plain}", REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 404
    entry = _denied().get()
    assert (entry.username, entry.ip) == ("commission_c1", "10.9.9.9")
    assert entry.detail["path"] == "/api/v1/organizations/C2"
    assert entry.detail["status"] == 404
