"""Who is calling the API: a bearer token (scripts) or the browser session (the docs page)."""

from __future__ import annotations

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer

from tanhua.accounts.roles import NEEDS_TOTP
from tanhua.accounts.security import password_expired
from tanhua.api.services import resolve_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer th_…`: resolves to the token's user while both are live.

    A disabled user's tokens stop working at once because the lookup joins on is_active."""

    def authenticate(self, request, token: str):
        row = resolve_token(token)
        if row is None:
            return None
        # Services and the audit trail read request.user; make it the token's owner.
        request.user = row.user
        request.api_token = row
        return row.user


class BrowserSession(APIKeyCookie):
    """The logged-in browser session, so the browsable docs can try requests.

    Only a session that has passed the same gates as the pages counts: password changed and
    not expired, and a second factor where the role needs one. The CSRF check runs only when
    there is a session to protect, so a script without credentials gets 401, not a CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated or not user.is_active:
            return None
        if user.must_change_password or password_expired(user):
            return None
        if settings.REQUIRE_TOTP and user.role_names & NEEDS_TOTP:
            is_verified = getattr(user, "is_verified", None)
            if is_verified is None or not is_verified():
                return None
        return user


api_auth = [BearerToken(), BrowserSession()]
