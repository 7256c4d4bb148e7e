"""API test helpers: tokens for personas and a client that sends them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tanhua.api.services import issue_token


class ApiClient:
    """The Django test client speaking JSON with a bearer token, as a script would."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(path, params or {}, headers=self.headers)

    def _send(self, method: str, path: str, body, headers: dict | None = None):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.generic(
            method,
            path,
            data,
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def post(self, path: str, body):
        return self._send("POST", path, body)

    def patch(self, path: str, body, if_match: str | None = None):
        return self._send("PATCH", path, body, {"If-Match": if_match} if if_match else None)


@pytest.fixture
def token_of():
    def make(user, name: str = "测试令牌") -> str:
        _token, plain = issue_token(actor=None, user=user, name=name)
        return plain

    return make


@pytest.fixture
def api_as(world, token_of):
    """`api_as("commission_c1")` → a client calling as that persona."""

    def make(persona: str) -> ApiClient:
        return ApiClient(token_of(world.users[persona]))

    return make


@pytest.fixture
def api(api_as):
    """The owner (commission staff at C1) calling the API."""
    return api_as("commission_c1")
