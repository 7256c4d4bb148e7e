"""Who is calling the API: a bearer token (scripts) or the browser session (the docs page)."""

from __future__ import annotations

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer

from tanhua.accounts import security
from tanhua.api.services import resolve_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer th_…`: resolves to the token's user while both are live.

    A disabled user's tokens stop working at once because the lookup joins on is_active.
    So do the tokens of a user who must change their password (a one-time password not yet
    replaced, or one past its age): the account's owner has to log in and act first. No
    second factor is asked of a script; a token is only minted after one (or by the operator)."""

    def authenticate(self, request, token: str):
        row = resolve_token(token)
        if row is None or security.password_change_due(row.user):
            return None
        # Services and the audit trail read request.user; make it the token's owner.
        request.user = row.user
        request.api_token = row
        return row.user


class BrowserSession(APIKeyCookie):
    """The logged-in browser session, so the browsable docs can try requests.

    Only a session that has passed every login stage counts, decided by the same
    `security.passed_every_stage` as the pages' middleware. The CSRF check runs only when
    there is a session to protect, so a script without credentials gets 401, not a CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if key is None or not security.passed_every_stage(user):
            return None
        return user


api_auth = [BearerToken(), BrowserSession()]
