"""A resolved token is reused for API_TOKEN_CACHE_SECONDS (issue 7), and forgotten at once
when the token, its user, the user's roles or organizations change in this process."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tanhua.accounts import services as accounts
from tanhua.accounts.models import User
from tanhua.api import services
from tanhua.api.services import issue_token, resolve_token, revoke_token
from tanhua.api.tests.conftest import ApiClient

URL = "/api/v1/cadres"


@pytest.fixture
def cached(settings, world, owner):
    settings.API_TOKEN_CACHE_SECONDS = 60
    services._resolved.clear()
    _token, plain = issue_token(actor=None, user=owner, name="脚本")
    yield plain
    services._resolved.clear()


def _queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(URL).status_code
    return status, len(ctx.captured_queries)


def test_a_second_request_reuses_the_resolved_token_and_roles(cached, settings):
    client = ApiClient(cached)
    settings.API_TOKEN_CACHE_SECONDS = 0
    client.get(URL)  # the first use stamps the token
    uncached = _queries(client)
    settings.API_TOKEN_CACHE_SECONDS = 60
    client.get(URL)
    again = _queries(client)
    assert uncached[0] == again[0] == 200
    # Neither the token lookup nor the role query.
    assert again[1] == uncached[1] - 2


def test_each_request_gets_a_user_of_its_own(cached):
    one, two = resolve_token(cached), resolve_token(cached)
    assert one.user == two.user and one.user is not two.user
    assert one.user.role_names == two.user.role_names == {"commission"}


def test_a_revoked_token_is_refused_at_once(cached):
    client = ApiClient(cached)
    assert client.get(URL).status_code == 200
    revoke_token(actor=None, token=resolve_token(cached))
    assert client.get(URL).status_code == 401


def test_a_disabled_user_is_refused_at_once(cached, world, owner):
    client = ApiClient(cached)
    assert client.get(URL).status_code == 200
    accounts.disable_user(actor=world.users["secadmin"], user=User.objects.get(pk=owner.pk))
    assert client.get(URL).status_code == 401


def test_a_revoked_role_takes_effect_at_once(cached, world, owner):
    client = ApiClient(cached)
    assert client.get(URL).status_code == 200
    accounts.revoke_role(
        actor=world.users["secadmin"], user=User.objects.get(pk=owner.pk), role="commission"
    )
    assert client.get(URL).status_code in (403, 404)


def test_a_change_behind_the_orms_back_is_seen_once_the_entry_expires(cached, owner):
    client = ApiClient(cached)
    assert client.get(URL).status_code == 200
    User.objects.filter(pk=owner.pk).update(is_active=False)  # no signal
    assert client.get(URL).status_code == 200  # still cached
    for digest, (_until, token) in list(services._resolved.items()):
        services._resolved[digest] = (0.0, token)
    assert client.get(URL).status_code == 401
