"""Codes are no existence oracle (issue 6, item 3): a taken code answers one message that
quotes and confirms nothing, wherever its holder lies; a reference to a code the caller may
not see answers exactly like one that names nothing; every refusal is audited."""

from __future__ import annotations

import pytest

from tanhua.api.services import issue_token
from tanhua.api.tests.conftest import ApiClient
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import add_scope_probes
from tanhua.org.messages import CODE_UNAVAILABLE
from tanhua.org.models import Cadre, Organization

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


@pytest.fixture
def probed(world):
    return add_scope_probes(world)


@pytest.fixture
def api(probed, owner) -> ApiClient:
    _token, plain = issue_token(actor=None, user=owner, name="测试")
    return ApiClient(plain)


def unavailable(field: str) -> dict:
    return {
        "detail": [
            {"loc": ["body", field], "msg": str(CODE_UNAVAILABLE), "type": "code_unavailable"}
        ]
    }


# In scope, out of scope (sibling city), above clearance (机密), declared (回避).
TAKEN_CADRE_CODES = ["GC1M", "GC2", "GSECRET", "GDECL"]
# In scope, the sibling city, the province above the user.
TAKEN_ORG_CODES = ["K11", "C2", "P"]


def test_a_taken_cadre_code_answers_one_message_wherever_its_holder_lies(api):
    bodies = set()
    for code in TAKEN_CADRE_CODES:
        response = api.post(V1 + "/cadres", {"code": code, "name": "新干部", "tier": "county"})
        assert response.status_code == 422
        assert response.json() == unavailable("code")
        bodies.add(response.content)
    assert len(bodies) == 1
    assert not AuditEntry.objects.filter(action="cadre.create").exists()
    assert Cadre.objects.unscoped("test").filter(name="新干部").count() == 0


def test_a_taken_organization_code_answers_one_message_wherever_it_lies(api):
    bodies = set()
    for code in TAKEN_ORG_CODES:
        body = {"code": code, "name": "新县委", "level": "county", "parent_code": "C1"}
        response = api.post(V1 + "/organizations", body)
        assert response.status_code == 422
        assert response.json() == unavailable("code")
        bodies.add(response.content)
    assert len(bodies) == 1
    assert not Organization.objects.filter(name="新县委").exists()


def test_creating_a_root_answers_404_whether_or_not_its_code_is_taken(api):
    taken = api.post(V1 + "/organizations", {"code": "P", "name": "省", "level": "province"})
    free = api.post(V1 + "/organizations", {"code": "PNEW", "name": "省", "level": "province"})
    assert taken.status_code == free.status_code == 404
    assert taken.content == free.content


def test_every_refused_code_is_audited_with_the_code_and_the_field(api, owner):
    for code in TAKEN_CADRE_CODES:
        api.post(V1 + "/cadres", {"code": code, "name": "新干部", "tier": "county"})
    api.post(V1 + "/positions", _post(cadre_code="GC2"))
    entries = AuditEntry.objects.filter(action="code.unavailable").order_by("seq")
    assert [(e.object_id, e.detail["field"]) for e in entries] == [
        *((c, "code") for c in TAKEN_CADRE_CODES),
        ("GC2", "cadre_code"),
    ]
    assert {e.username for e in entries} == {owner.username}
    assert {e.result for e in entries} == {"denied"}
    assert entries[0].detail["operation"] == "POST /api/v1/cadres"


def test_a_free_code_still_creates(api):
    response = api.post(V1 + "/cadres", {"code": "GFREE", "name": "新干部", "tier": "county"})
    assert response.status_code == 201, response.content
    assert not AuditEntry.objects.filter(action="code.unavailable").exists()


def _post(**changes) -> dict:
    return {
        "cadre_code": "GC1M",
        "org_code": "K11",
        "title": "兼职委员",
        "start": "2021-01-01",
    } | changes


def _same_answer(api, field: str, hidden: str, unknown: str):
    seen = api.post(V1 + "/positions", _post(**{field: hidden}))
    absent = api.post(V1 + "/positions", _post(**{field: unknown}))
    assert seen.status_code == absent.status_code == 404
    # The message quotes the caller's own input; past that, byte for byte the same.
    assert seen.content.replace(hidden.encode(), b"<CODE>") == absent.content.replace(
        unknown.encode(), b"<CODE>"
    )


@pytest.mark.parametrize("hidden", ["GC2", "GSECRET", "GDECL"])
def test_a_hidden_cadre_in_a_new_post_answers_like_an_unknown_one(api, hidden):
    _same_answer(api, "cadre_code", hidden, "GNOBODY")


@pytest.mark.parametrize("hidden", ["C2", "P"])
def test_a_hidden_organization_in_a_new_post_answers_like_an_unknown_one(api, hidden):
    _same_answer(api, "org_code", hidden, "KNOWHERE")


@pytest.mark.parametrize("hidden", ["C2", "P"])
def test_a_hidden_parent_answers_like_an_unknown_one_on_create_and_update(api, hidden):
    body = {"code": "K19", "name": "新县委", "level": "county"}
    seen = api.post(V1 + "/organizations", body | {"parent_code": hidden})
    absent = api.post(V1 + "/organizations", body | {"parent_code": "NOPE"})
    assert seen.content.replace(hidden.encode(), b"X") == absent.content.replace(b"NOPE", b"X")
    seen = api.patch(V1 + "/organizations/K11", {"parent_code": hidden})
    absent = api.patch(V1 + "/organizations/K11", {"parent_code": "NOPE"})
    assert seen.status_code == absent.status_code == 404
    assert seen.content.replace(hidden.encode(), b"X") == absent.content.replace(b"NOPE", b"X")


@pytest.mark.parametrize(
    ("path", "service", "body"),
    [
        ("/cadres", "create_cadre", {"code": "GRACE", "name": "新干部", "tier": "county"}),
        (
            "/organizations",
            "create_organization",
            {"code": "KRACE", "name": "新县委", "level": "county", "parent_code": "C1"},
        ),
    ],
)
def test_a_code_taken_between_the_check_and_the_save_answers_the_same(
    api, monkeypatch, path, service, body
):
    from django.core.exceptions import ValidationError

    from tanhua.org import services

    def taken_meanwhile(**kwargs):
        raise ValidationError("编码已存在", code="unique")

    monkeypatch.setattr(services, service, taken_meanwhile)
    response = api.post(V1 + path, body)
    assert response.status_code == 422
    assert response.json() == unavailable("code")
