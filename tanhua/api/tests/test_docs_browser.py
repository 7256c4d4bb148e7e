"""The browsable API docs in a real browser: Swagger UI renders every operation under the
site's strict CSP, from vendored files only."""

from __future__ import annotations

import pytest

from tanhua.api.root import api
from tanhua.core.browser import VIEWPORT

pytestmark = pytest.mark.browser


def test_the_docs_render_every_operation_without_csp_errors_or_outside_requests(
    browser, live_server
):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "request",
        lambda req: None if req.url.startswith(live_server.url) else outside.append(req.url),
    )
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    operations = sum(len(item) for item in api.get_openapi_schema()["paths"].values())
    assert page.locator(".opblock").count() == operations
    context.close()
    assert not errors, errors
    assert not outside, outside
