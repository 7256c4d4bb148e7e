"""Account policy on every request, in this order: idle timeout, second factor, first-login
password change, password age. Each stage lets through only the pages needed to pass it."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from tanhua.accounts import security

_ALWAYS_ALLOWED_PREFIXES = ("/static/", "/healthz", "/api/")
LAST_ACTIVITY_KEY = "tanhua_last_activity"
LOGOUT_REASON_KEY = "tanhua_logout_reason"


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(_ALWAYS_ALLOWED_PREFIXES)
        ):
            return self.get_response(request)

        # Server-side idle timeout: the cookie's age alone is up to the browser.
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        idle = settings.IDLE_TIMEOUT_MINUTES * 60
        if idle > 0 and last is not None and now - float(last) > idle:
            logout(request)
            request.session[LOGOUT_REASON_KEY] = "idle"
            return redirect("accounts:login")
        request.session[LAST_ACTIVITY_KEY] = now

        logout_url = reverse("accounts:logout")
        if security.needs_second_factor(user) and not user.is_verified():
            allowed = {reverse("accounts:otp_verify"), reverse("accounts:otp_setup"), logout_url}
            if request.path not in allowed:
                if security.confirmed_totp_device(user) is not None:
                    return redirect("accounts:otp_verify")
                return redirect("accounts:otp_setup")
            return self.get_response(request)

        if user.must_change_password or security.password_expired(user):
            allowed = {reverse("accounts:password_change"), logout_url}
            if request.path not in allowed:
                return redirect("accounts:password_change")
        return self.get_response(request)
