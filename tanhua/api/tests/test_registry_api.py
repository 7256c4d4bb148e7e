"""Organizations, cadres and positions over the API: scoped reads, writes through services,
Chinese JSON errors."""

from __future__ import annotations

import pytest

from tanhua.accounts.models import ConflictDeclaration
from tanhua.audit.models import AuditEntry
from tanhua.core.access_matrix import API_ENTRIES
from tanhua.org.models import Cadre, Organization, Position

V1 = "/api/v1"
PERSONAS = [
    "commission_c1",  # owner
    "commission_c2",  # outsider
    "commission_p",  # province staff above both cities
    "subject_k11",  # subject
    "talker_c1",
    "viewer_c1",
    "sysadmin",  # admin
    "secadmin",
]


def _path(key: str, kwargs: dict) -> tuple[str, str]:
    method, template = key.split(" ", 1)
    return method, template.format(**kwargs)


def _reaches(user, anchor: str | None, world) -> bool:
    if anchor is None:
        return True
    base, target = user.organization.path, world.orgs[anchor].path
    return target.startswith(base) or base.startswith(target)


def _call(client, method: str, path: str, data: dict):
    if method == "GET":
        return client.get(path)
    return client.post(path, data) if method == "POST" else client.patch(path, data)


# The registry's operations; those of the talk cycle need a world of talks and are walked by
# the permission matrix (tanhua/core/tests/test_access_matrix.py) and their apps' tests.
REGISTRY_KEYS = sorted(
    k
    for k in API_ENTRIES
    if k.split(" ", 1)[1].split("/")[3]
    in {
        "organizations",
        "cadres",
        "positions",
    }
)


@pytest.mark.parametrize("key", REGISTRY_KEYS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_operation_answers_each_persona_in_and_out_of_scope(world, api_as, key, persona):
    entry = API_ENTRIES[key]
    client = api_as(persona)
    user = world.users[persona]
    for where, build in (("C1", entry.kwargs), ("C2", entry.outside)):
        if where == "C2" and build is None:
            continue
        method, path = _path(key, build(world) if build else {})
        anchor = where if build is not None else None
        allowed = bool(entry.allowed & user.role_names) and _reaches(user, anchor, world)
        response = _call(client, method, path, entry.data)
        expected = entry.ok if allowed else 404
        assert response.status_code == expected, (persona, path, response.content)
        if expected == 404:
            assert response.json() == {"detail": "未找到"} or "不存在" in response.json()["detail"]


def test_out_of_scope_answers_exactly_like_missing(world, api_as):
    outsider = api_as("commission_c2")
    for path in ("/organizations/K11", "/cadres/GC1M"):
        hidden = outsider.get(V1 + path)
        missing = outsider.get(V1 + path.rsplit("/", 1)[0] + "/NOPE")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content


@pytest.mark.parametrize(
    "code", ["a%20b", "%00", "x" * 40, "..", "%E4%B8%AD", "-lead", "a%2Fb", "%F0%9F%98%80"]
)
def test_a_path_that_cannot_be_a_code_answers_404(api, code):
    for path in ("/organizations/{}", "/organizations/{}/children", "/cadres/{}"):
        response = api.get(V1 + path.format(code))
        assert response.status_code == 404, (path, code)
        assert response["Content-Type"].startswith("application/json")


def test_organizations_list_the_owners_subtree_and_hide_the_parent_above(api):
    body = api.get(V1 + "/organizations").json()
    assert body["count"] == 3
    by_code = {o["code"]: o for o in body["items"]}
    assert sorted(by_code) == ["C1", "K11", "T111"]
    assert by_code["C1"]["parent_code"] is None
    assert by_code["K11"]["parent_code"] == "C1"
    assert by_code["K11"]["level_label"] == "县"


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"level": "county"}, ["K11"]),
        ({"parent": "C1"}, ["K11"]),
        ({"q": "甲"}, ["K11", "T111"]),
        ({"q": "C2"}, []),
        ({"page_size": 2, "page": 2}, ["T111"]),
    ],
)
def test_organizations_filter_and_paginate(api, params, codes):
    body = api.get(V1 + "/organizations", params).json()
    assert [o["code"] for o in body["items"]] == codes


def test_an_organization_has_its_children(api):
    assert api.get(V1 + "/organizations/C1").json()["children_count"] == 1
    children = api.get(V1 + "/organizations/C1/children").json()
    assert [o["code"] for o in children] == ["K11"]


def test_cadres_are_limited_by_scope_and_clearance(world, api_as):
    owner = api_as("commission_c1").get(V1 + "/cadres").json()
    assert [c["code"] for c in owner["items"]] == ["GC1", "GC1M", "GK11", "GT111"]
    province = api_as("commission_p").get(V1 + "/cadres").json()
    assert "GSECRET" in [c["code"] for c in province["items"]]
    assert api_as("commission_c1").get(V1 + "/cadres/GSECRET").status_code == 404


def test_a_cadre_comes_with_their_posts_and_the_read_is_audited(world, api):
    body = api.get(V1 + "/cadres/GK11").json()
    assert body["name"] == "甲县书记戊"
    assert [(p["org_code"], p["title"]) for p in body["positions"]] == [("K11", "县委书记")]
    entry = AuditEntry.objects.get(action="cadre.read")
    assert (entry.object_id, entry.username) == ("GK11", "commission_c1")


def test_listing_cadres_is_audited_with_the_codes_shown(world, api):
    api.get(V1 + "/cadres", {"tier": "city"})
    entry = AuditEntry.objects.get(action="cadre.list")
    assert entry.detail["codes"] == ["GK11"]


def test_a_subject_sees_only_themself(world, api_as):
    subject = api_as("subject_k11")
    assert subject.get(V1 + "/cadres/GK11").status_code == 200
    assert subject.get(V1 + "/cadres/GC1").status_code == 404
    assert subject.get(V1 + "/cadres").status_code == 404
    assert subject.get(V1 + "/organizations").status_code == 404


def test_a_declared_conflict_hides_the_cadre(world, owner, api):
    ConflictDeclaration.objects.create(
        user=owner, cadre=world.cadres["GK11"], reason="kin", detail="亲属"
    )
    assert api.get(V1 + "/cadres/GK11").status_code == 404
    assert "GK11" not in [c["code"] for c in api.get(V1 + "/cadres").json()["items"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"org_code": "K11"}, {"GK11"}),
        ({"cadre_code": "GC1M"}, {"GC1M"}),
        ({"current": "true"}, {"GC1", "GC1M", "GK11", "GT111"}),
        ({"current": "false"}, set()),
    ],
)
def test_positions_filter(api, params, expected):
    body = api.get(V1 + "/positions", params).json()
    assert {p["cadre_code"] for p in body["items"]} == expected


# --- writes ---------------------------------------------------------------------------


def test_creating_an_organization_goes_through_the_service_and_is_audited(world, owner, api):
    body = {"code": "K12", "name": "东城乙县委", "level": "county", "parent_code": "C1"}
    response = api.post(V1 + "/organizations", body)
    assert response.status_code == 201, response.content
    assert response.json()["parent_code"] == "C1"
    org = Organization.objects.get(code="K12")
    assert org.path == "/P/C1/K12/"
    entry = AuditEntry.objects.get(action="org.create", object_id="K12")
    assert entry.username == owner.username


def _new_org(**changes) -> dict:
    body = {"code": "K13", "name": "东城丙县委", "level": "county", "parent_code": "C1"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (_new_org(code="K11"), "code", "不可使用"),
        (_new_org(level="city"), "level", "必须低于"),
        (_new_org(name=None), "name", "必填"),
        (_new_org(name="  "), "name", "不能为空"),
        (_new_org(name="长" * 101), "name", "100"),
        (_new_org(name="a\x00b"), "name", "控制字符"),
        (_new_org(code="K 13"), "code", "编码"),
        (_new_org(level="village"), "level", "可选值"),
    ],
)
def test_bad_organization_input_answers_422_with_the_field_in_chinese(api, body, field, words):
    response = api.post(V1 + "/organizations", body)
    assert response.status_code == 422, response.content
    errors = response.json()["detail"]
    assert any(e["loc"][-1] == field and words in e["msg"] for e in errors), errors
    assert not AuditEntry.objects.filter(action="org.create").exists()


def test_an_unknown_or_hidden_parent_names_the_code_and_writes_nothing(api):
    for parent in ("NOPE", "C2"):
        body = {"code": "K13", "name": "县", "level": "county", "parent_code": parent}
        response = api.post(V1 + "/organizations", body)
        assert response.status_code == 404
        assert f"“{parent}”不存在" in response.json()["detail"]
    assert not Organization.objects.filter(code="K13").exists()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', ""])
def test_a_body_that_is_not_a_json_object_is_refused_in_chinese(api, raw):
    response = api.post(V1 + "/organizations", raw)
    assert response.status_code in {400, 422}
    detail = response.json()["detail"]
    text = detail if isinstance(detail, str) else " ".join(e["msg"] for e in detail)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_updating_an_organization_records_before_and_after(world, api):
    response = api.patch(V1 + "/organizations/K11", {"name": "东城甲县委员会"})
    assert response.status_code == 200
    assert response.json()["name"] == "东城甲县委员会"
    entry = AuditEntry.objects.get(action="org.update", object_id="K11")
    assert (entry.before["name"], entry.after["name"]) == ("东城甲县委", "东城甲县委员会")


def test_an_organization_cannot_be_moved_out_of_scope(world, api):
    assert api.patch(V1 + "/organizations/K11", {"parent_code": "C2"}).status_code == 404
    assert api.patch(V1 + "/organizations/K11", {"parent_code": None}).status_code == 404
    assert Organization.objects.get(code="K11").path == "/P/C1/K11/"


def test_a_level_clash_on_update_names_the_field(api):
    response = api.patch(V1 + "/organizations/K11", {"level": "township"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "level"]


def test_a_new_cadre_can_be_posted_and_then_read(world, api):
    created = api.post(V1 + "/cadres", {"code": "GNEW", "name": "新干部", "tier": "county"})
    assert created.status_code == 201, created.content
    assert api.get(V1 + "/cadres/GNEW").status_code == 404  # no post yet: in no one's scope
    post = {"cadre_code": "GNEW", "org_code": "T111", "title": "副书记", "start": "2024-03-01"}
    response = api.post(V1 + "/positions", post)
    assert response.status_code == 201, response.content
    assert api.get(V1 + "/cadres/GNEW").json()["positions"][0]["title"] == "副书记"
    assert AuditEntry.objects.filter(action__in=["cadre.create", "position.create"]).count() == 2


def test_a_post_in_a_hidden_organization_is_refused(api):
    post = {"cadre_code": "GK11", "org_code": "C2", "title": "委员", "start": "2024-03-01"}
    response = api.post(V1 + "/positions", post)
    assert response.status_code == 404 and "C2" in response.json()["detail"]


def test_a_post_ending_before_it_starts_is_refused_on_the_end_field(api):
    post = {
        "cadre_code": "GK11",
        "org_code": "K11",
        "title": "委员",
        "start": "2024-03-01",
        "end": "2023-01-01",
    }
    response = api.post(V1 + "/positions", post)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "end"], "msg": "免职日期不能早于任职日期", "type": "dates"}
    ]


def test_updating_a_cadre_and_a_post_goes_through_the_services(world, api):
    assert api.patch(V1 + "/cadres/GK11", {"gender": "female"}).json()["gender"] == "female"
    position = Position.objects.unscoped("test").get(cadre__code="GK11")
    response = api.patch(V1 + f"/positions/{position.pk}", {"end": "2025-06-30"})
    assert response.status_code == 200 and response.json()["end"] == "2025-06-30"
    cleared = api.patch(V1 + f"/positions/{position.pk}", {"end": None})
    assert cleared.json()["end"] is None
    actions = AuditEntry.objects.values_list("action", flat=True)
    assert list(actions.filter(action__endswith=".update")) == [
        "cadre.update",
        "position.update",
        "position.update",
    ]
    assert Cadre.objects.unscoped("test").get(code="GK11").gender == "female"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"page": "abc"}, "整数"),
        ({"page": "0"}, "不能小于"),
        ({"page_size": "5000"}, "不能大于"),
        ({"level": "village"}, "可选值"),
        ({"parent": "a b"}, "编码"),
        ({"q": "x" * 101}, "100"),
    ],
)
def test_bad_query_parameters_answer_422_in_chinese(api, params, words):
    response = api.get(V1 + "/organizations", params)
    assert response.status_code == 422
    assert any(words in e["msg"] for e in response.json()["detail"])


@pytest.mark.parametrize("pk", ["0", "-1", "99999999999999999999999", str(2**63)])
def test_a_position_id_out_of_range_answers_404_or_422_never_500(api, pk):
    response = api.patch(V1 + f"/positions/{pk}", {"principal": True})
    assert response.status_code in {404, 422}


def test_a_denied_api_read_is_audited_with_who_asked(world, api_as):
    api_as("commission_c2").get(V1 + "/cadres/GC1M")
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.username == "commission_c2"
    assert entry.detail["status"] == 404 and entry.detail["reason"]
    assert not AuditEntry.objects.filter(action="cadre.read").exists()
