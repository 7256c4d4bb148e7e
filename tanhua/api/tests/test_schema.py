"""The OpenAPI schema and the browsable docs: served, valid, and without a CDN."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tanhua.core.access_matrix import API_ENTRIES


def test_the_openapi_schema_is_served_at_api_v1_openapi_json(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organizations/{code}" in schema["paths"]
    assert "/api/v1/cadres/{code}" in schema["paths"]


def test_the_schema_is_a_valid_openapi_document(db):
    import schemathesis

    schema = schemathesis.openapi.from_dict(Client().get("/api/v1/openapi.json").json())
    schema.validate()
    assert len(list(schema.get_all_operations())) == len(API_ENTRIES)


def test_every_operation_declares_bearer_auth_and_json_errors(db):
    schema = Client().get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    for path, item in schema["paths"].items():
        for method, op in item.items():
            assert op["security"], (method, path)
            assert {"401", "404", "422"} <= set(op["responses"]), (method, path)


def test_every_operation_has_an_access_matrix_entry(db):
    schema = Client().get("/api/v1/openapi.json").json()
    operations = {
        f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item
    }
    assert operations == set(API_ENTRIES)


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.inline_scripts += 1


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_docs_page_loads_only_vendored_assets_under_the_strict_csp(world, owner, logged_in):
    client = Client()
    if logged_in:
        client.force_login(owner)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    refs = _Refs()
    refs.feed(html)
    assert refs.urls and all(u.startswith("/static/") for u in refs.urls), refs.urls
    assert not re.search(r"(?i)\bhttps?://|//cdn", html)
    # No inline script, so script-src 'self' stands; nothing exempts this page from the CSP.
    assert refs.inline_scripts == 0
    directives = dict(
        d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";")
    )
    assert directives["script-src"] == "'self'"
    for url in refs.urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert body, url


def test_the_swagger_bundle_fetches_nothing_from_the_internet_by_default(world):
    html = Client().get("/api/v1/docs").content.decode()
    # Swagger UI would fetch a validator badge from swagger.io unless told not to.
    assert '"validatorUrl": null' in html


def test_an_unknown_api_path_answers_json_404(db):
    response = Client().get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到"}


def test_the_api_enumerations_match_the_model_choices():
    from typing import get_args

    from tanhua.core.classification import Classification
    from tanhua.org import api as org_api
    from tanhua.org.models import Gender, Level, Tier

    assert set(get_args(org_api.LevelName)) == set(Level.values)
    assert set(get_args(org_api.TierName)) == set(Tier.values)
    assert set(get_args(org_api.GenderName)) == {*Gender.values, ""}
    assert set(get_args(org_api.ClassificationValue)) == set(Classification.values)
