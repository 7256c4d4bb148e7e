"""Account policy on every request, in this order: idle timeout, second factor, first-login
password change, password age. Each stage lets through only the pages needed to pass it.

The stages themselves are decided by `security.pending_stage`, which the API's session
authentication asks too: a session that has not passed every stage reaches neither a page
(the token pages included) nor an API operation."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from tanhua.accounts import security

_ALWAYS_ALLOWED_PREFIXES = ("/static/", "/healthz")
# The REST API answers for itself (401 in JSON, never a redirect to an HTML page): its
# authentication asks the same `security.pending_stage` as this middleware.
API_PREFIX = "/api/v1/"
LAST_ACTIVITY_KEY = "tanhua_last_activity"
# The activity stamp is renewed once it is this old, not on every request: renewing it made
# every page a session write (three queries, and on SQLite the one write lock, which the
# read audit's entries wait for). A session may so end up to this much before the idle
# timeout, never after it; the session row's own expiry is renewed with the stamp.
ACTIVITY_STAMP_SECONDS = 60
LOGOUT_REASON_KEY = "tanhua_logout_reason"
# The previous login and the failures since, stored at the password step (login view).
LOGIN_NOTICE_KEY = "tanhua_login_notice"

# The pages each stage lets through (besides logging out).
_STAGE_PAGES = {
    security.STAGE_SECOND_FACTOR_VERIFY: (
        security.STAGE_SECOND_FACTOR_VERIFY,
        security.STAGE_SECOND_FACTOR_ENROL,
    ),
    security.STAGE_SECOND_FACTOR_ENROL: (
        security.STAGE_SECOND_FACTOR_VERIFY,
        security.STAGE_SECOND_FACTOR_ENROL,
    ),
    security.STAGE_PASSWORD_CHANGE: (security.STAGE_PASSWORD_CHANGE,),
}


def stamp_login_as_activity(sender, request, user, **kwargs) -> None:
    """Logging in is activity: stamped into the new session, which is saved anyway, so that
    the first page after it has nothing to write (connected in AccountsConfig.ready)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_ACTIVITY_KEY] = time.time()


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
        is_api = request.path.startswith(API_PREFIX)

        # Server-side idle timeout: the cookie's age alone is up to the browser.
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        idle = settings.IDLE_TIMEOUT_MINUTES * 60
        if idle > 0 and last is not None and now - float(last) > idle:
            logout(request)
            request.session[LOGOUT_REASON_KEY] = "idle"
            if is_api:  # now anonymous: the API answers 401 unless a token is sent
                return self.get_response(request)
            return redirect("accounts:login")
        if last is None or now - float(last) >= min(ACTIVITY_STAMP_SECONDS, idle / 10 or 60):
            request.session[LAST_ACTIVITY_KEY] = now

        if is_api:
            return self.get_response(request)
        stage = security.pending_stage(user)
        # The page's navigation (tanhua.core.context_processors) hides itself before a stage.
        request.login_stage = stage
        if stage is None:
            return self.get_response(request)
        allowed = {reverse(name) for name in _STAGE_PAGES[stage]}
        allowed.add(reverse("accounts:logout"))
        if request.path not in allowed:
            if request.headers.get("HX-Request") == "true":
                # An htmx fragment would swap the stage's whole page into its target: send
                # the browser there instead.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse(stage)
                return response
            return redirect(stage)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Announce the previous login once, on the first page after the last login stage
        (not before the second factor: the password alone learns nothing). It runs after
        every middleware's request phase, so the messages storage is in place."""
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is None or LOGIN_NOTICE_KEY not in session:
            return None
        # Only on a page being shown: a POST (logging out, say) would carry it off unseen.
        if request.method != "GET":
            return None
        if request.path.startswith(API_PREFIX) or not security.passed_every_stage(user):
            return None
        from tanhua.accounts.login_history import LoginNotice

        notice = LoginNotice.from_session(session.pop(LOGIN_NOTICE_KEY))
        level = messages.WARNING if notice.failures else messages.INFO
        messages.add_message(request, level, notice.message())
        return None
