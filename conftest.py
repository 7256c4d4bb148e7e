"""Shared fixtures: factories live in tanhua/core/testing.py; personas here."""

import os

os.environ.setdefault("TANHUA_TESTING", "1")
os.environ.setdefault("TANHUA_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("TANHUA_AUDIT_KEY", "test-audit-key-not-secret")
os.environ.setdefault("TANHUA_REQUIRE_TOTP", "0")

import pytest

# Empties the append-only audit trail before a transactional test's flush.
pytest_plugins = ["tanhua.audit.pytest_plugin"]


@pytest.fixture
def world(db):
    """A small province: P (province) → C1, C2 (cities) → K11 (county under C1) → T111."""
    from tanhua.core.testing import build_world

    return build_world()


@pytest.fixture
def owner(world):
    """Commission staff at city C1: the owner of C1's subtree."""
    return world.users["commission_c1"]


@pytest.fixture
def colleague(world):
    """Organization-department staff at C1: same scope, other department."""
    return world.users["organization_c1"]


@pytest.fixture
def outsider(world):
    """Commission staff at sibling city C2: must see nothing of C1."""
    return world.users["commission_c2"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (browser tests only)."""
    from tanhua.core.browser import launch, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would then
    # refuse the test's own (synchronous) database access without this.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = launch(playwright)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
