"""A session that has not passed every login stage (second factor, first-login change,
password age) reaches no page but its stage's, no token page and no API operation; bearer
tokens of a user who must change their password do not work either. Real logins (the login
form, not force_login) on a server where TOTP is required."""

import datetime as dt
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tanhua.accounts import security
from tanhua.accounts.tests.test_totp import code, enrol
from tanhua.api.models import ApiToken
from tanhua.api.services import issue_token
from tanhua.core.testing import TEST_PASSWORD

pytestmark = pytest.mark.django_db

TOKENS = reverse("api_tokens:list")
CADRES_API = "/api/v1/cadres"
SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")
CHANGE = reverse("accounts:password_change")


def password_only(client, user):
    """The login form with the password, and nothing after it."""
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


@override_settings(REQUIRE_TOTP=True)
def test_a_password_alone_reaches_neither_the_token_page_nor_the_api(client, owner):
    password_only(client, owner)
    assert client.get(TOKENS).url == SETUP
    minted = client.post(TOKENS, {"name": "偷跑的脚本"})
    assert minted.status_code == 302 and minted.url == SETUP
    assert not ApiToken.objects.exists()
    assert client.get(CADRES_API).status_code == 401
    assert client.get("/api/v1/organizations").status_code == 401


@override_settings(REQUIRE_TOTP=True)
def test_a_token_of_someone_already_holding_one_cannot_be_revoked_before_the_second_factor(
    client, owner
):
    token, _plain = issue_token(actor=None, user=owner, name="旧脚本")
    password_only(client, owner)
    response = client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 302 and response.url == SETUP
    token.refresh_from_db()
    assert token.revoked_at is None


@override_settings(REQUIRE_TOTP=True)
def test_an_enrolled_user_who_typed_only_the_password_is_sent_to_verify_from_the_token_page(
    client, owner
):
    password_only(client, owner)
    enrol(client, owner)
    client.post(reverse("accounts:logout"))
    password_only(client, owner)
    assert client.get(TOKENS).url == VERIFY
    assert client.get(CADRES_API).status_code == 401
    device = TOTPDevice.objects.get(user=owner)
    assert client.post(VERIFY, {"token": code(device, ahead=1)}).status_code == 302
    assert client.get(TOKENS).status_code == 200
    assert client.get(CADRES_API).status_code == 200


@override_settings(REQUIRE_TOTP=True)
def test_after_the_second_factor_a_pending_one_time_password_still_keeps_the_api_shut(
    client, owner
):
    owner.must_change_password = True
    owner.save(update_fields=["must_change_password"])
    password_only(client, owner)
    enrol(client, owner)
    assert client.get(TOKENS).url == CHANGE
    assert client.post(TOKENS, {"name": "脚本"}).url == CHANGE
    assert not ApiToken.objects.exists()
    assert client.get(CADRES_API).status_code == 401
    new = "Brand-New-Passphrase-77"
    client.post(CHANGE, {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new})
    assert client.get(CADRES_API).status_code == 200
    assert client.post(TOKENS, {"name": "脚本"}).status_code == 200
    assert ApiToken.objects.filter(user=owner).count() == 1


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_a_session_with_an_aged_password_reaches_no_token_page(client, owner):
    owner.password_changed_at = timezone.now() - dt.timedelta(days=91)
    owner.save(update_fields=["password_changed_at"])
    password_only(client, owner)
    assert client.get(TOKENS).url == CHANGE
    assert client.get(CADRES_API).status_code == 401


def bearer(plain: str):
    return Client().get(CADRES_API, headers={"Authorization": f"Bearer {plain}"})


def test_a_bearer_token_stops_working_while_its_owner_must_change_the_password(owner, world):
    _token, plain = issue_token(actor=None, user=owner, name="脚本")
    assert bearer(plain).status_code == 200
    from tanhua.accounts import services

    services.reset_password(actor=world.users["secadmin"], user=owner)
    assert bearer(plain).status_code == 401
    owner.refresh_from_db()
    services.change_own_password(user=owner, new_password="Brand-New-Passphrase-77")
    assert bearer(plain).status_code == 200


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_a_bearer_token_stops_working_when_its_owners_password_is_past_its_age(owner):
    _token, plain = issue_token(actor=None, user=owner, name="脚本")
    owner.password_changed_at = timezone.now() - dt.timedelta(days=91)
    owner.save(update_fields=["password_changed_at"])
    assert bearer(plain).status_code == 401


def test_pages_and_the_api_session_ask_one_and_the_same_stage_function(client, owner):
    password_only(client, owner)
    assert client.get(TOKENS).status_code == 200
    assert client.get(CADRES_API).status_code == 200
    with mock.patch.object(
        security, "pending_stage", return_value=security.STAGE_PASSWORD_CHANGE
    ) as stage:
        assert client.get(TOKENS).url == CHANGE
        assert client.get(CADRES_API).status_code == 401
    assert stage.call_count >= 2


@pytest.mark.django_db
def test_a_partial_asked_for_before_the_forced_change_answers_nothing_to_swap(client):
    from tanhua.core.testing import build_world

    world = build_world()
    user = world.users["commission_c1"]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    client.force_login(user)
    response = client.get(reverse("notices:bell"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.content == b""
    # A whole page still goes to the stage.
    assert client.get(reverse("notices:list")).status_code == 302
