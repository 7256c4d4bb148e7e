"""The whole login in a real browser on a server that requires TOTP: the password, enrolling
an authenticator with a code computed from the key the page shows, the backup codes, the
forced password change, then work. Before the last stage the token page is out of reach."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp

from tanhua.accounts.models import User
from tanhua.core.testing import TEST_PASSWORD, make_user
from tanhua.core.tests.test_browser import page, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Fresh-Journey-Passphrase-58"


def authenticator_code(secret_text: str, *, drift: int = 0) -> str:
    """What a phone shows for the base32 key printed on the enrolment page."""
    raw = secret_text.replace(" ", "").upper()
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    return str(totp(key, step=30, t0=0, digits=6, drift=drift)).zfill(6)


def test_a_new_staff_member_passes_password_totp_enrolment_and_the_forced_change(
    page,  # noqa: F811
    shot,  # noqa: F811
    world,
    settings,
):
    settings.REQUIRE_TOTP = True
    newcomer = make_user("newcomer", org=world.orgs["C1"], roles=["commission"])
    newcomer.must_change_password = True
    newcomer.save(update_fields=["must_change_password"])

    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("用户名").fill("newcomer")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    shot(page, "password")
    page.get_by_role("button", name="登录").click()

    # Stage 1: the second factor. Nothing else opens, the token page included.
    page.wait_for_url(re.compile(r"/accounts/otp/setup/$"))
    assert page.get_by_role("heading", name="设置双因素认证").is_visible()
    assert page.locator("figure.qr svg").count() == 1
    shot(page, "enrol")
    page.goto("/api/tokens/")
    page.wait_for_url(re.compile(r"/accounts/otp/setup/$"))
    secret = page.locator("#otp-secret").inner_text()
    page.get_by_label("验证码").fill(authenticator_code(secret))
    page.get_by_role("button", name="确认绑定").click()
    page.get_by_role("heading", name="双因素认证已启用").wait_for()
    assert page.locator("#backup-codes li").count() == 10
    shot(page, "backup-codes")
    page.get_by_role("link", name="我已保存，继续").click()

    # Stage 2: the one-time password must be replaced before any work.
    page.wait_for_url(re.compile(r"/accounts/password/$"))
    assert "首次登录" in page.locator(".notice").inner_text()
    page.goto("/api/tokens/")
    page.wait_for_url(re.compile(r"/accounts/password/$"))
    shot(page, "forced-change")
    page.get_by_label("旧密码").fill(TEST_PASSWORD)
    page.get_by_label(re.compile(r"^新密码[:：]?$")).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存").click()

    # Every stage passed: work, and the token page, open.
    page.get_by_role("heading", name="工作台").wait_for()
    shot(page, "home")
    page.goto("/api/tokens/")
    assert page.url.endswith("/api/tokens/")
    shot(page, "tokens")
    newcomer = User.objects.get(username="newcomer")
    assert not newcomer.must_change_password and newcomer.check_password(NEW_PASSWORD)
