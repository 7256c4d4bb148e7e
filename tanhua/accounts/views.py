"""Login, second factor, logout and password change. Account management for the security
administrator is in admin_views.py."""

from __future__ import annotations

import django_otp
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tanhua.accounts import security, services
from tanhua.accounts.forms import LoginForm, TokenForm
from tanhua.accounts.middleware import LOGIN_NOTICE_KEY, LOGOUT_REASON_KEY
from tanhua.accounts.personal_views import forget_replacement, replacement_authorized
from tanhua.audit import services as audit
from tanhua.core.middleware import client_ip


def _next_url(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        outcome = security.attempt_login(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            ip=client_ip(request),
        )
        if outcome.user is not None:
            login(request, outcome.user)
            if outcome.notice is not None:
                # Announced once every login stage is passed (AccountPolicyMiddleware).
                request.session[LOGIN_NOTICE_KEY] = outcome.notice.as_session()
            # The middleware now takes the user through 2FA and any forced change.
            return redirect(_next_url(request) or "core:home")
        error = outcome.error
    elif request.method == "POST":
        error = security.generic_failure()
    reason = request.session.pop(LOGOUT_REASON_KEY, None) if request.method == "GET" else None
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "error": error,
            "idle_logout": reason == "idle",
            "next": _next_url(request) or "",
        },
        status=200,
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit.record("auth.logout", object_type="user", object_id=request.user.username)
    logout(request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.change_own_password(
            user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改"))
        return redirect(_next_url(request) or "core:home")
    expired = not request.user.must_change_password and security.password_expired(request.user)
    return render(request, "accounts/password_change.html", {"form": form, "expired": expired})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol an authenticator app: QR code (inline SVG) and the secret in text, then a code
    to confirm; the backup codes are shown once, in the answer to that confirmation."""
    user = request.user
    current = security.confirmed_totp_device(user)
    if current is not None and not user.is_verified():
        # Replacing a device needs the current one first.
        return redirect("accounts:otp_verify")
    if current is not None and not replacement_authorized(request, current):
        # A verified session alone does not replace the device: the password and a current
        # code are asked first (personal page).
        return redirect("accounts:me_otp")
    device = security.start_totp_enrolment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = security.confirm_totp_enrolment(
            user=user, device=device, token=form.cleaned_data["token"]
        )
        if codes is not None:
            device.refresh_from_db()
            django_otp.login(request, device)
            forget_replacement(request)
            return render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "regenerated": current is not None},
            )
        form.add_error("token", _("验证码不正确或已过期，请输入手机上显示的最新 6 位数字"))
    secret = _b32(device)
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "qr_svg": security.qr_svg(device.config_url), "secret": secret},
    )


def _b32(device) -> str:
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request) or "core:home")
    if security.confirmed_totp_device(user) is None:
        return redirect("accounts:otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = security.verify_second_factor(user=user, token=form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_next_url(request) or "core:home")
        form.add_error(
            "token", _("验证码不正确、已使用或尝试过于频繁，请稍后输入新的验证码或备用码")
        )
    return render(request, "accounts/otp_verify.html", {"form": form})
