"""The personal page (个人中心): one's own account, password, second factor, API tokens and
recent logins. Every change goes through tanhua.accounts.security / services; the reads of
the login history through tanhua.accounts.login_history."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tanhua.accounts import login_history, security
from tanhua.accounts import roles as R
from tanhua.accounts.forms import PasswordConfirmForm, ReplaceTotpForm
from tanhua.core.middleware import client_ip

# The session's permission to enrol a new authenticator in place of the confirmed one,
# granted by the password and a current code, for that device and a few minutes only.
TOTP_REPLACE_KEY = "tanhua_totp_replace"
TOTP_REPLACE_SECONDS = 10 * 60


def replacement_authorized(request, device) -> bool:
    grant = request.session.get(TOTP_REPLACE_KEY) or {}
    return grant.get("device") == device.pk and float(grant.get("until") or 0) > time.time()


def forget_replacement(request) -> None:
    request.session.pop(TOTP_REPLACE_KEY, None)


def uses_api(user) -> bool:
    return bool(user.role_names & R.USE_API)


@never_cache
@login_required
@require_GET
def me(request):
    from tanhua.api.models import ApiToken

    user = request.user
    device = security.confirmed_totp_device(user)
    live_tokens = list(ApiToken.objects.visible_to(user).active().order_by("-created_at"))
    expires = None
    if settings.PASSWORD_MAX_AGE_DAYS > 0:
        changed = user.password_changed_at or user.date_joined
        expires = changed + dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    labels = dict(R.Role.choices)
    return render(
        request,
        "accounts/me.html",
        {
            "role_labels": [str(labels[r]) for r in sorted(user.role_names) if r in labels],
            "password_expires": expires,
            "device": device,
            "totp_required": security.needs_second_factor(user),
            "backup_left": security.remaining_backup_codes(user) if device else 0,
            # A role without API use is not offered tokens; one it still holds stays
            # listed so it can be revoked.
            "show_tokens": uses_api(user) or bool(live_tokens),
            "live_tokens": live_tokens,
            "logins": login_history.recent_logins(user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def me_otp(request):
    """Replacing the authenticator: the current password and a current code first, then
    the enrolment page for the new one."""
    user = request.user
    device = security.confirmed_totp_device(user)
    form = ReplaceTotpForm(request.POST or None)
    if device is not None and request.method == "POST" and form.is_valid():
        errors = security.authorize_totp_replacement(
            user=user,
            password=form.cleaned_data["password"],
            token=form.cleaned_data["token"],
            ip=client_ip(request),
        )
        for field, message in errors.items():
            form.add_error(field, message)
        if not errors:
            request.session[TOTP_REPLACE_KEY] = {
                "device": device.pk,
                "until": time.time() + TOTP_REPLACE_SECONDS,
            }
            return redirect("accounts:otp_setup")
    return render(request, "accounts/me_otp.html", {"form": form, "device": device})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def me_backup_codes(request):
    user = request.user
    device = security.confirmed_totp_device(user)
    form = PasswordConfirmForm(request.POST or None)
    if device is not None and request.method == "POST" and form.is_valid():
        codes, error = security.regenerate_backup_codes(
            user=user, password=form.cleaned_data["password"], ip=client_ip(request)
        )
        if codes:
            # Shown in this answer only: never stored in the clear, never redirected with.
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "regenerated": True}
            )
        form.add_error("password", error)
    return render(
        request,
        "accounts/me_backup_codes.html",
        {"form": form, "device": device, "backup_left": security.remaining_backup_codes(user)},
    )
