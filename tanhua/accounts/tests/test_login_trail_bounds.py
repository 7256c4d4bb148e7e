"""Guessing names or hammering a locked one cannot grow the chained trail (issue 6, item 6)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tanhua.audit.models import AnonymousRefusal, AuditEntry, RefusalKind

LOGIN = reverse("accounts:login")


def attempt(client, username, password="wrong-password"):  # noqa: S107 - a wrong password on purpose
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_failed_logins_for_names_that_are_no_account_are_counted_not_chained(client, world):
    before = AuditEntry.objects.count()
    for i in range(20):
        attempt(client, f"no-such-user-{i}")
    assert AuditEntry.objects.count() == before
    counted = AnonymousRefusal.objects.filter(kind=RefusalKind.LOGIN_UNKNOWN_USER)
    assert sum(counted.values_list("count", flat=True)) == 20


def test_a_failed_login_on_a_real_account_is_still_in_the_trail(client, world):
    attempt(client, "commission_c1")
    assert AuditEntry.objects.filter(action="auth.login_failed", object_id="commission_c1").exists()


def test_attempts_on_a_locked_name_are_counted_after_the_lock_is_recorded(client, world):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(client, "commission_c1")
    assert AuditEntry.objects.filter(action="auth.locked").count() == 1
    chained = AuditEntry.objects.count()
    for _ in range(30):
        attempt(client, "commission_c1")
    assert AuditEntry.objects.count() == chained
    assert AnonymousRefusal.objects.filter(kind=RefusalKind.LOGIN_WHILE_LOCKED).exists()
