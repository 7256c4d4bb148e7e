"""Login hardening: lockout, same answer for unknown names, audit, idle timeout, disabled
accounts, password age, and the order of the steps after the password."""

import datetime as dt
import re
import time
from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tanhua.accounts import security, services
from tanhua.accounts.middleware import LAST_ACTIVITY_KEY
from tanhua.accounts.models import LoginFailure
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def page(response, name: str) -> str:
    """The answer with the typed name and the per-response CSRF mask taken out."""
    text = response.content.decode().replace(name, "NAME")
    return re.sub(r'(csrf[^"]*"|value=")[A-Za-z0-9]{64}"', r"\1TOKEN", text)


def fail(username, n, *, start, step=dt.timedelta(minutes=1)):
    for i in range(n):
        out = security.attempt_login(
            None,
            username=username,
            password="wrong-password-1",
            ip="10.0.0.1",
            now=start + i * step,
        )
        assert out.user is None


def test_a_correct_password_logs_in_and_is_audited(client, owner):
    response = post_login(client, owner.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    entry = AuditEntry.objects.filter(action="auth.login").last()
    assert entry.object_id == owner.username and entry.result == "ok"


def test_a_wrong_password_is_refused_with_a_generic_message_and_audited(client, owner):
    response = post_login(client, owner.username, "not-the-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    entry = AuditEntry.objects.filter(action="auth.login_failed").last()
    assert entry.object_id == owner.username and entry.result == "failed"
    assert LoginFailure.objects.filter(username=owner.username).count() == 1


def test_an_unknown_name_gets_exactly_the_answer_a_wrong_password_gets(client, owner):
    known = post_login(client, owner.username, "not-the-password")
    unknown = post_login(client, "nobody-here", "not-the-password")
    assert known.status_code == unknown.status_code == 200
    assert page(known, owner.username) == page(unknown, "nobody-here")


def test_an_unknown_name_costs_one_password_hash_like_a_known_name(owner):
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as spy:
        security.attempt_login(None, username=owner.username, password="x" * 12, ip="")
        known_calls = spy.call_count
        spy.reset_mock()
        security.attempt_login(None, username="ghost-user", password="x" * 12, ip="")
        assert spy.call_count == known_calls >= 1


def test_five_failures_within_thirty_minutes_lock_the_account_even_for_the_right_password(owner):
    start = timezone.now()
    fail(owner.username, 5, start=start)
    out = security.attempt_login(
        None,
        username=owner.username,
        password=TEST_PASSWORD,
        ip="",
        now=start + dt.timedelta(minutes=6),
    )
    assert out.user is None and out.locked
    assert "锁定" in out.error
    assert AuditEntry.objects.filter(action="auth.locked", result="denied").exists()


def test_the_lock_ends_after_thirty_minutes(owner):
    start = timezone.now() - dt.timedelta(hours=2)
    fail(owner.username, 5, start=start)
    fifth = start + dt.timedelta(minutes=4)
    still = security.attempt_login(
        None,
        username=owner.username,
        password=TEST_PASSWORD,
        ip="",
        now=fifth + dt.timedelta(minutes=29),
    )
    assert still.locked
    later = security.attempt_login(
        None,
        username=owner.username,
        password=TEST_PASSWORD,
        ip="",
        now=fifth + dt.timedelta(minutes=31),
    )
    assert later.user == owner and not later.locked


def test_five_failures_spread_over_more_than_thirty_minutes_do_not_lock(owner):
    start = timezone.now() - dt.timedelta(hours=1)
    fail(owner.username, 5, start=start, step=dt.timedelta(minutes=10))
    out = security.attempt_login(
        None,
        username=owner.username,
        password=TEST_PASSWORD,
        ip="",
        now=start + dt.timedelta(minutes=41),
    )
    assert out.user == owner


def test_an_unknown_name_is_locked_with_the_same_message_as_a_known_one(client, owner):
    for _ in range(5):
        post_login(client, owner.username, "not-the-password")
        post_login(client, "ghost-user", "not-the-password")
    known = post_login(client, owner.username, TEST_PASSWORD)
    unknown = post_login(client, "ghost-user", TEST_PASSWORD)
    assert "临时锁定" in known.content.decode()
    assert page(known, owner.username) == page(unknown, "ghost-user")


def test_a_successful_login_clears_the_failure_count(owner):
    fail(owner.username, 4, start=timezone.now() - dt.timedelta(minutes=5))
    assert security.attempt_login(None, username=owner.username, password=TEST_PASSWORD, ip="").user
    assert not LoginFailure.objects.filter(username=owner.username).exists()


def test_a_session_idle_for_more_than_thirty_minutes_is_ended(client, owner):
    client.force_login(owner)
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert "自动退出" in client.get(reverse("accounts:login")).content.decode()
    assert client.get("/").status_code == 302


def test_an_active_session_is_kept_while_the_user_works(client, owner):
    client.force_login(owner)
    client.get("/")
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - 29 * 60
    session.save()
    assert client.get("/").status_code == 200


def test_disabling_an_account_ends_its_open_session_at_once(client, owner, world):
    client.force_login(owner)
    assert client.get("/").status_code == 200
    services.disable_user(actor=world.users["secadmin"], user=owner)
    assert client.get("/").status_code == 302
    # Enabling again does not revive the old session.
    services.enable_user(actor=world.users["secadmin"], user=owner)
    assert client.get("/").status_code == 302


def test_a_disabled_account_cannot_log_in_and_gets_the_generic_message(client, owner, world):
    services.disable_user(actor=world.users["secadmin"], user=owner)
    response = post_login(client, owner.username, TEST_PASSWORD)
    assert "用户名或密码错误" in response.content.decode()


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_a_password_older_than_the_maximum_age_must_be_changed(client, owner):
    owner.password_changed_at = timezone.now() - dt.timedelta(days=91)
    owner.save(update_fields=["password_changed_at"])
    client.force_login(owner)
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")
    assert "使用期限" in client.get(reverse("accounts:password_change")).content.decode()


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_a_recent_password_is_not_asked_for_again(client, owner):
    owner.password_changed_at = timezone.now() - dt.timedelta(days=89)
    owner.save(update_fields=["password_changed_at"])
    client.force_login(owner)
    assert client.get("/").status_code == 200


def test_the_first_login_sends_to_the_password_change_and_the_change_frees_the_user(client, owner):
    owner.must_change_password = True
    owner.save(update_fields=["must_change_password"])
    post_login(client, owner.username, TEST_PASSWORD)
    assert client.get("/").url == reverse("accounts:password_change")
    new = "Brand-New-Passphrase-77"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    owner.refresh_from_db()
    assert not owner.must_change_password and owner.password_changed_at is not None


def test_a_short_or_common_new_password_is_refused(client, owner):
    client.force_login(owner)
    for bad in ("Short-1", "password123"):
        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": TEST_PASSWORD, "new_password1": bad, "new_password2": bad},
        )
        assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.check_password(TEST_PASSWORD)


def test_an_outside_next_url_is_ignored_after_login(client, owner):
    response = client.post(
        LOGIN + "?next=https://evil.example/",
        {"username": owner.username, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/"


def test_logout_is_audited(client, owner):
    client.force_login(owner)
    client.post(reverse("accounts:logout"))
    assert AuditEntry.objects.filter(action="auth.logout", object_id=owner.username).exists()
