"""TOTP two-factor login: enrolment with a local QR code, verification, single-use backup
codes, and the order password → second factor → forced password change."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tanhua.accounts import security
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.django_db]

SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")


def code(device: TOTPDevice, *, ahead: int = 0) -> str:
    """The authenticator app's code (`ahead` steps later, so a code is not reused)."""
    return str(
        totp(
            device.bin_key,
            step=device.step,
            t0=device.t0,
            digits=device.digits,
            drift=device.drift + ahead,
        )
    ).zfill(device.digits)


def log_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return response


def enrol(client, user) -> list[str]:
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"token": code(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())


@override_settings(REQUIRE_TOTP=True)
def test_a_staff_member_without_a_device_is_sent_to_enrol_after_the_password(client, owner):
    log_in(client, owner)
    response = client.get(reverse("org:cadre_list"))
    assert response.status_code == 302 and response.url == SETUP
    page = client.get(SETUP).content.decode()
    assert "<svg" in page and "otp-secret" in page
    assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )


@override_settings(REQUIRE_TOTP=True)
def test_enrolment_with_a_right_code_confirms_the_device_and_shows_ten_backup_codes_once(
    client, owner
):
    log_in(client, owner)
    codes = enrol(client, owner)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=owner).confirmed
    assert StaticToken.objects.filter(device__user=owner).count() == 10
    assert client.get(reverse("org:cadre_list")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.totp_enrol", result="ok").exists()
    # Shown once: the enrolment page no longer offers codes.
    assert "backup-codes" not in client.get(SETUP).content.decode()


@override_settings(REQUIRE_TOTP=True)
def test_enrolment_with_a_wrong_code_is_refused(client, owner):
    log_in(client, owner)
    client.get(SETUP)
    response = client.post(SETUP, {"token": "000000"})
    assert "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=owner, confirmed=True).exists()
    assert client.get("/").url == SETUP


@override_settings(REQUIRE_TOTP=True)
def test_an_enrolled_user_must_enter_a_code_before_any_other_page(client, owner):
    log_in(client, owner)
    enrol(client, owner)
    client.post(reverse("accounts:logout"))
    log_in(client, owner)
    assert client.get(reverse("org:cadre_list")).url == VERIFY
    assert client.get(SETUP).url == VERIFY  # no re-enrolment around the current device
    device = TOTPDevice.objects.get(user=owner)
    response = client.post(VERIFY, {"token": code(device, ahead=1)})
    assert response.status_code == 302
    assert client.get(reverse("org:cadre_list")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.otp_verify", result="ok").exists()


@override_settings(REQUIRE_TOTP=True)
def test_a_wrong_code_keeps_the_user_at_the_verify_page_and_is_audited(client, owner):
    log_in(client, owner)
    enrol(client, owner)
    client.post(reverse("accounts:logout"))
    log_in(client, owner)
    response = client.post(VERIFY, {"token": "123456"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert client.get("/").url == VERIFY
    assert AuditEntry.objects.filter(action="auth.otp_verify", result="failed").exists()


@override_settings(REQUIRE_TOTP=True)
def test_a_backup_code_works_once_only(client, owner):
    log_in(client, owner)
    codes = enrol(client, owner)
    client.post(reverse("accounts:logout"))
    log_in(client, owner)
    assert client.post(VERIFY, {"token": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    assert security.remaining_backup_codes(owner) == 9
    client.post(reverse("accounts:logout"))
    log_in(client, owner)
    reused = client.post(VERIFY, {"token": codes[0]})
    assert reused.status_code == 200
    assert client.get("/").url == VERIFY


@override_settings(REQUIRE_TOTP=True)
def test_the_viewer_role_needs_no_second_factor(client, world):
    viewer = world.users["viewer_c1"]
    log_in(client, viewer)
    assert client.get("/").status_code == 200


@override_settings(REQUIRE_TOTP=True)
def test_the_second_factor_comes_before_the_forced_password_change(client, owner):
    owner.must_change_password = True
    owner.save(update_fields=["must_change_password"])
    log_in(client, owner)
    assert client.get("/").url == SETUP
    assert client.get(reverse("accounts:password_change")).url == SETUP
    enrol(client, owner)
    assert client.get("/").url == reverse("accounts:password_change")


def test_without_the_setting_no_second_factor_is_asked(client, owner):
    log_in(client, owner)
    assert client.get("/").status_code == 200
