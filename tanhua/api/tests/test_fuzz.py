"""Schemathesis against the live schema: no input makes the API answer 5xx, and every answer
conforms to the schema (status, content type, body)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tanhua.api.services import issue_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app():
    """The real WSGI app, inside the test's transaction: Django would close the connection
    between requests (and so end the transaction) unless told not to, as its test client is."""
    from tanhua.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
# CI runs the suite on SQLite and on PostgreSQL. Each engine takes a share of the phases, so
# that together they try every input once instead of the same ones twice: SQLite the
# schema's boundaries (the coverage phase: lengths, extremes, formats, every enum value),
# PostgreSQL 10 random inputs an operation (the fuzzing phase, seeded: each run the same
# ones). Both try the schema's own examples. Run alone, either engine is still fuzzed.
PHASES = ["examples", "fuzzing"] if ON_POSTGRES else ["examples", "coverage"]


@pytest.fixture
def api_schema(world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    schema.config.phases.update(phases=PHASES)
    return schema


@pytest.fixture
def bearer(world):
    _token, plain = issue_token(actor=None, user=world.users["commission_c1"], name="fuzz")
    return {"Authorization": f"Bearer {plain}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@seed(20261201)
@settings(
    max_examples=10,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_the_api_fail_or_break_its_schema(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
