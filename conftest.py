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
