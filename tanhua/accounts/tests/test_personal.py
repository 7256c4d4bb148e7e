"""The personal page (个人中心): one's own account, password, second factor, API tokens and
recent logins; the previous login announced after each login (等保 身份鉴别)."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tanhua.accounts import login_history, security
from tanhua.accounts.models import LoginFailure
from tanhua.accounts.tests.test_totp import code, enrol, log_in
from tanhua.api.services import issue_token
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import TEST_PASSWORD

pytestmark = pytest.mark.django_db

ME = reverse("accounts:me")
ME_OTP = reverse("accounts:me_otp")
ME_CODES = reverse("accounts:me_backup_codes")
SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")
LOGIN = reverse("accounts:login")


def fail_login(client, username, times=1):
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong-password-9"})
        assert response.status_code == 200


def notices(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def codes_in(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())


# --- the page ----------------------------------------------------------------------


def test_the_personal_page_shows_my_account_and_the_top_bar_links_my_name_to_it(client, owner):
    client.force_login(owner)
    page = client.get(ME)
    assert page.status_code == 200
    text = page.content.decode()
    assert "个人中心" in text and owner.username in text and owner.organization.name in text
    assert "纪委监委工作人员" in text
    home = client.get("/").content.decode()
    assert re.search(r'<a class="who" href="/accounts/me/"', home)
    # The token link left the top bar for the personal page.
    assert 'href="/api/tokens/"' not in home.split("</header>")[0]


def test_the_api_token_section_shows_for_roles_that_use_the_api(client, owner, world):
    client.force_login(owner)
    assert 'id="api-tokens"' in client.get(ME).content.decode()
    client.force_login(world.users["viewer_c1"])
    assert 'id="api-tokens"' in client.get(ME).content.decode()
    # A source unit's submitter may send materials from a script (the material-request API).
    client.force_login(world.users["submitter_c1"])
    assert 'id="api-tokens"' in client.get(ME).content.decode()


def test_a_role_without_api_use_is_not_offered_tokens(client, world):
    for name in ("recorder_c1", "subject_k11", "auditor", "sysadmin"):
        client.force_login(world.users[name])
        page = client.get(ME).content.decode()
        assert 'id="api-tokens"' not in page and "/api/tokens/" not in page, name


def test_a_token_still_held_by_a_role_without_api_use_stays_listed_to_be_revoked(client, world):
    recorder = world.users["recorder_c1"]
    issue_token(actor=None, user=recorder, name="旧脚本")
    client.force_login(recorder)
    page = client.get(ME).content.decode()
    assert 'id="api-tokens"' in page and "旧脚本" in page and "/api/tokens/" in page


def test_recent_logins_list_my_logins_and_the_failures_on_my_name_only(client, owner, outsider):
    fail_login(client, owner.username)
    fail_login(client, outsider.username, times=2)
    log_in(client, owner)
    page = client.get(ME).content.decode()
    section = page.split('id="recent-logins"')[1]
    assert section.count("登录成功") == 1
    assert section.count("密码错误") == 1
    assert "127.0.0.1" in section
    events = login_history.recent_logins(owner)
    assert [e.ok for e in events] == [True, False]


def test_the_login_history_is_read_through_the_service_newest_first(client, owner):
    log_in(client, owner)
    fail_login(client, owner.username)
    log_in(client, owner)
    labels = [e.label for e in login_history.recent_logins(owner)]
    assert labels == ["登录成功", "密码错误", "登录成功"]


# --- the announcement after each login ---------------------------------------------------


def test_the_first_login_is_announced_with_the_failures_before_it(client, owner):
    fail_login(client, owner.username, times=2)
    log_in(client, owner)
    response = client.get("/")
    assert notices(response) == ["这是您的首次登录；此后有 2 次失败的登录尝试"]


def test_a_login_announces_the_previous_login_and_the_failures_since_once(client, owner):
    log_in(client, owner)
    previous = AuditEntry.objects.filter(action="auth.login").last()
    client.post(reverse("accounts:logout"))
    fail_login(client, owner.username, times=3)
    log_in(client, owner)
    response = client.get("/")
    [message] = notices(response)
    when = login_history._local(previous.at)
    assert message == f"上次登录：{when}，来自 127.0.0.1；此后有 3 次失败的登录尝试"
    assert "上次登录" in response.content.decode()
    # Once only.
    assert notices(client.get("/")) == []


def test_a_login_without_failures_since_says_so(client, owner):
    log_in(client, owner)
    client.post(reverse("accounts:logout"))
    log_in(client, owner)
    [message] = notices(client.get("/"))
    assert message.startswith("上次登录：") and message.endswith("此后没有失败的登录尝试")


def test_failures_before_the_previous_login_are_not_counted_again(client, owner):
    fail_login(client, owner.username, times=2)
    log_in(client, owner)
    client.get("/")
    client.post(reverse("accounts:logout"))
    log_in(client, owner)
    [message] = notices(client.get("/"))
    assert message.endswith("此后没有失败的登录尝试")


@override_settings(REQUIRE_TOTP=True)
def test_the_announcement_waits_until_the_second_factor_is_passed(client, owner):
    log_in(client, owner)
    enrol(client, owner)
    client.get("/")
    client.post(reverse("accounts:logout"))
    fail_login(client, owner.username)
    log_in(client, owner)
    verify_page = client.get(VERIFY)
    assert notices(verify_page) == []
    device = TOTPDevice.objects.get(user=owner)
    client.post(VERIFY, {"token": code(device, ahead=1)})
    [message] = notices(client.get("/"))
    assert message.startswith("上次登录：") and "此后有 1 次失败的登录尝试" in message


# --- replacing the authenticator ------------------------------------------------------


@pytest.fixture
def enrolled(client, owner, settings):
    """The owner logged in with a confirmed authenticator and a verified session."""
    settings.REQUIRE_TOTP = True
    log_in(client, owner)
    codes = enrol(client, owner)
    client.get("/")
    return codes


def test_a_verified_session_alone_cannot_replace_the_authenticator(client, owner, enrolled):
    response = client.get(SETUP)
    assert response.status_code == 302 and response.url == ME_OTP
    assert not TOTPDevice.objects.filter(user=owner, confirmed=False).exists()


def test_replacing_the_authenticator_takes_the_password_and_a_current_code(client, owner, enrolled):
    old = TOTPDevice.objects.get(user=owner)
    response = client.post(ME_OTP, {"password": TEST_PASSWORD, "token": code(old, ahead=1)})
    assert response.status_code == 302 and response.url == SETUP
    assert client.get(SETUP).status_code == 200
    new = TOTPDevice.objects.get(user=owner, confirmed=False)
    done = client.post(SETUP, {"token": code(new)})
    assert done.status_code == 200 and len(codes_in(done)) == 10
    assert "新的备用码" in done.content.decode()
    assert list(TOTPDevice.objects.filter(user=owner).values_list("pk", flat=True)) == [new.pk]
    # The old backup codes are gone with the old device.
    assert not StaticToken.objects.filter(device__user=owner, token=enrolled[0]).exists()
    assert AuditEntry.objects.filter(
        action="auth.totp_replace_authorize", result="ok", username=owner.username
    ).exists()
    assert AuditEntry.objects.filter(action="auth.totp_enrol", detail__replaced=True).exists()
    # The permission is spent: another replacement asks again.
    assert client.get(SETUP).url == ME_OTP


def test_a_wrong_password_refuses_the_replacement_counts_towards_lockout_and_is_audited(
    client, owner, enrolled
):
    old = TOTPDevice.objects.get(user=owner)
    response = client.post(ME_OTP, {"password": "not-mine-123", "token": code(old, ahead=1)})
    assert response.status_code == 200
    assert "当前密码不正确" in response.content.decode()
    assert client.get(SETUP).url == ME_OTP
    assert LoginFailure.objects.filter(username=owner.username).count() == 1
    assert AuditEntry.objects.filter(action="auth.reauth_failed", result="failed").exists()
    assert AuditEntry.objects.filter(action="auth.totp_replace_authorize", result="failed").exists()
    labels = [e.label for e in login_history.recent_logins(owner)]
    assert "确认身份时密码错误" in labels


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_guessing_the_password_on_the_personal_page_locks_the_name(client, owner, enrolled):
    for _ in range(2):
        client.post(ME_OTP, {"password": "guess-123", "token": "000000"})
    locked = client.post(ME_OTP, {"password": TEST_PASSWORD, "token": "000000"})
    assert "临时锁定" in locked.content.decode()
    assert security.locked_until(owner.username) is not None


def test_a_wrong_current_code_refuses_the_replacement(client, owner, enrolled):
    response = client.post(ME_OTP, {"password": TEST_PASSWORD, "token": "123456"})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get(SETUP).url == ME_OTP


def test_a_lost_phone_is_replaced_with_a_backup_code_which_is_used_up(client, owner, enrolled):
    response = client.post(ME_OTP, {"password": TEST_PASSWORD, "token": enrolled[0]})
    assert response.status_code == 302 and response.url == SETUP
    assert not StaticToken.objects.filter(device__user=owner, token=enrolled[0]).exists()


def test_blank_replacement_fields_get_chinese_errors_by_field(client, enrolled):
    response = client.post(ME_OTP, {"password": "", "token": ""})
    form = response.context["form"]
    assert set(form.errors) == {"password", "token"}
    assert re.search(r"[\u4e00-\u9fff]", form.errors["password"][0])


def test_without_an_authenticator_the_pages_offer_to_bind_one(client, owner):
    client.force_login(owner)
    for url in (ME_OTP, ME_CODES):
        page = client.get(url)
        assert page.status_code == 200 and "绑定验证器" in page.content.decode()
    assert client.post(ME_CODES, {"password": TEST_PASSWORD}).status_code == 200
    assert not StaticToken.objects.filter(device__user=owner).exists()


# --- backup codes ---------------------------------------------------------------------


def test_regenerating_backup_codes_takes_the_password_shows_new_ones_once_and_is_audited(
    client, owner, enrolled
):
    response = client.post(ME_CODES, {"password": TEST_PASSWORD})
    assert response.status_code == 200
    fresh = codes_in(response)
    assert len(fresh) == 10 and not set(fresh) & set(enrolled)
    assert response["Cache-Control"].startswith("max-age=0")
    assert set(StaticToken.objects.filter(device__user=owner).values_list("token", flat=True)) == (
        set(fresh)
    )
    assert AuditEntry.objects.filter(action="auth.backup_codes_regenerate", result="ok").exists()
    # Shown once: the page afterwards does not show them.
    again = client.get(ME_CODES).content.decode()
    assert not any(c in again for c in fresh)
    assert not any(c in client.get(ME).content.decode() for c in fresh)


def test_a_wrong_password_keeps_the_old_backup_codes(client, owner, enrolled):
    response = client.post(ME_CODES, {"password": "not-mine-123"})
    assert response.status_code == 200 and "当前密码不正确" in response.content.decode()
    assert security.remaining_backup_codes(owner) == 10
    assert StaticToken.objects.filter(device__user=owner, token=enrolled[0]).exists()
    assert AuditEntry.objects.filter(
        action="auth.backup_codes_regenerate", result="failed"
    ).exists()


def test_the_personal_page_counts_the_backup_codes_left(client, owner, enrolled):
    page = client.get(ME).content.decode()
    assert "已绑定身份验证器" in page and "剩余 10 个备用码" in page


# --- password -------------------------------------------------------------------------


def test_changing_the_password_from_the_personal_page_returns_there(client, owner):
    client.force_login(owner)
    page = client.get(ME).content.decode()
    assert "/accounts/password/?next=/accounts/me/" in page
    new = "Brand-New-Passphrase-77"
    response = client.post(
        "/accounts/password/?next=/accounts/me/",
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response.url == ME
    owner.refresh_from_db()
    assert owner.check_password(new)
    assert AuditEntry.objects.filter(action="user.password_change").exists()


def test_the_password_change_ignores_a_next_address_off_this_site(client, owner):
    client.force_login(owner)
    new = "Brand-New-Passphrase-77"
    response = client.post(
        "/accounts/password/?next=https://evil.example/",
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response.url == "/"
