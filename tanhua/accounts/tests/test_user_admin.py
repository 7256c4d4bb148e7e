"""The security administrator's pages: list, create, roles, clearance, disable, reset."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tanhua.accounts.models import User
from tanhua.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sec_client(client, world):
    client.force_login(world.users["secadmin"])
    return client


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("accounts:user_list")).status_code == 200
    return len(ctx.captured_queries)


def test_the_user_list_costs_the_same_queries_as_users_grow(
    sec_client, world, django_assert_max_num_queries
):
    few = list_queries(sec_client)
    for i in range(40):
        make_user(f"extra{i}", org=world.orgs["C1"], roles=["commission", "talker"])
    assert list_queries(sec_client) == few
    # 11: one of them counts the grants waiting for a second person (the badge).
    with django_assert_max_num_queries(11):
        sec_client.get(reverse("accounts:user_list"))


def test_the_user_list_shows_names_organizations_and_roles(sec_client):
    page = sec_client.get(reverse("accounts:user_list")).content.decode()
    assert "commission_c1" in page and "东城市委" in page and "纪委监委工作人员" in page


def test_creating_a_user_on_the_web_shows_the_one_time_password_once(sec_client):
    response = sec_client.post(
        reverse("accounts:user_create"),
        {
            "username": "lisi",
            "full_name": "李四",
            "org_code": "C1",
            "roles": ["organization"],
            "clearance": "2",
            "cadre_code": "",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    password = page.split('id="one-time-password">', 1)[1].split("<", 1)[0]
    user = User.objects.get(username="lisi")
    assert user.check_password(password) and user.must_change_password
    # Organization-department staff see people, and 秘密 is above 内部: both wait for a
    # second person, and the account stays disabled until then.
    assert 'id="waiting-note"' in page
    assert user.role_names == frozenset() and not user.is_active
    assert user.clearance == 1
    grant = user.pending_grants.get()
    assert grant.roles == ["organization"] and grant.clearance == 2 and grant.activates


def test_creating_a_harmless_user_on_the_web_takes_effect_at_once(sec_client):
    response = sec_client.post(
        reverse("accounts:user_create"),
        {"username": "zhaoliu", "org_code": "C1", "roles": ["viewer"], "clearance": "1"},
    )
    assert response.status_code == 200 and 'id="waiting-note"' not in response.text
    user = User.objects.get(username="zhaoliu")
    assert user.is_active and user.role_names == {"viewer"}
    assert not user.pending_grants.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"org_code": "NOPE", "roles": ["viewer"]}, "组织编码“NOPE”不存在"),
        ({"org_code": "P", "roles": ["secadmin", "viewer"]}, "三员分立"),
        ({"org_code": "C1", "roles": []}, "必填"),
        ({"username": "commission_c1", "org_code": "C1", "roles": ["viewer"]}, "已存在"),
        ({"org_code": "C1", "roles": ["talker"], "cadre_code": "G404"}, "干部编号"),
    ],
)
def test_bad_user_input_is_answered_with_a_chinese_message(sec_client, data, message):
    payload = {"username": "wangwu", "clearance": "1", **data}
    response = sec_client.post(reverse("accounts:user_create"), payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="wangwu").exists()


def test_the_security_administrator_cannot_change_their_own_roles_on_the_web(sec_client, world):
    url = reverse("accounts:user_roles", args=["secadmin"])
    response = sec_client.post(url, {"action": "grant", "role": "auditor"})
    assert response.status_code == 200 and "不能为自己" in response.content.decode()
    assert world.users["secadmin"].role_grants.count() == 1
    page = sec_client.get(reverse("accounts:user_detail", args=["secadmin"])).content.decode()
    assert reverse("accounts:user_roles", args=["secadmin"]) not in page


def test_granting_revoking_and_clearance_on_the_web(sec_client, owner, settings):
    settings.TWO_PERSON_GRANTS = False  # see test_two_person.py for the rule on the web
    roles = reverse("accounts:user_roles", args=[owner.username])
    assert sec_client.post(roles, {"action": "grant", "role": "talker"}).status_code == 302
    assert sec_client.post(roles, {"action": "revoke", "role": "commission"}).status_code == 302
    assert set(owner.role_grants.values_list("role", flat=True)) == {"talker"}
    refused = sec_client.post(roles, {"action": "grant", "role": "sysadmin"})
    assert "三员分立" in refused.content.decode()
    clearance = reverse("accounts:user_clearance", args=[owner.username])
    assert sec_client.post(clearance, {"clearance": "3"}).status_code == 302
    owner.refresh_from_db()
    assert owner.clearance == 3


def test_disabling_on_the_web_ends_the_users_session(sec_client, owner):
    other = Client()
    other.force_login(owner)
    assert other.get("/").status_code == 200
    url = reverse("accounts:user_disable", args=[owner.username])
    assert sec_client.post(url).status_code == 302
    assert other.get("/").status_code == 302
    assert (
        sec_client.post(reverse("accounts:user_enable", args=[owner.username])).status_code == 302
    )


def test_resetting_a_password_on_the_web_shows_a_new_one_time_password(sec_client, owner):
    response = sec_client.post(reverse("accounts:user_reset_password", args=[owner.username]))
    password = response.content.decode().split('id="one-time-password">', 1)[1].split("<", 1)[0]
    owner.refresh_from_db()
    assert owner.check_password(password) and owner.must_change_password


def test_the_security_administrator_sees_no_business_data(sec_client):
    assert sec_client.get(reverse("org:cadre_list")).status_code == 404
    assert sec_client.get(reverse("org:cadre_detail", args=["GK11"])).status_code == 404
    assert sec_client.get(reverse("audit:log")).status_code == 404


def test_an_unknown_username_answers_404(sec_client):
    assert sec_client.get(reverse("accounts:user_detail", args=["ghost"])).status_code == 404


def test_the_user_page_has_a_fixed_query_cost(sec_client, owner, django_assert_max_num_queries):
    for role in ("talker", "recorder", "organization", "viewer"):
        owner.role_grants.create(role=role)
    # 13: the offices of a commission member's organization, offered to choose from.
    with django_assert_max_num_queries(13):
        response = sec_client.get(reverse("accounts:user_detail", args=[owner.username]))
    assert response.status_code == 200
    assert "组织部工作人员" in response.content.decode()


def test_an_odd_username_in_the_url_answers_404_like_a_missing_one(sec_client):
    for name in ["no-such-user", "a%00b", "x" * 300]:
        url = reverse("accounts:user_detail", kwargs={"username": "PLACEHOLDER"})
        response = sec_client.get(url.replace("PLACEHOLDER", name))
        assert response.status_code == 404, name
    assert sec_client.get(reverse("accounts:user_list"), {"q": "a\x00b"}).status_code == 200
