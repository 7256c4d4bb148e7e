"""Shared fixtures: factories live in tanhua/core/testing.py; personas here."""

import os

os.environ.setdefault("TANHUA_TESTING", "1")
os.environ.setdefault("TANHUA_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("TANHUA_AUDIT_KEY", "test-audit-key-not-secret")
os.environ.setdefault("TANHUA_REQUIRE_TOTP", "0")

import pytest

# Empties the append-only audit trail before a transactional test's flush.
pytest_plugins = ["tanhua.audit.pytest_plugin"]

# Fixtures through which a test reaches the database the suite runs on.
_DB_FIXTURES = {
    "db", "transactional_db", "django_db_setup", "live_server",
    "django_db_reset_sequences", "django_db_serialized_rollback",
}  # fmt: skip
# Words by which a module picks the engine itself (a child process given DATABASE_URL, a
# branch on the vendor): its tests depend on the engine even without the fixtures above.
_ENGINE_WORDS = ("DATABASE_URL", "connection.vendor", "postgres")
_module_uses_engine: dict[str, bool] = {}


def _engine_free(item) -> bool:
    if item.get_closest_marker("embedded"):
        return True
    if item.get_closest_marker("django_db") or _DB_FIXTURES & set(item.fixturenames):
        return False
    path = str(item.path)
    if path not in _module_uses_engine:
        text = item.path.read_text(encoding="utf-8")
        _module_uses_engine[path] = any(word in text for word in _ENGINE_WORDS)
    return not _module_uses_engine[path]


def _runs_once(item) -> bool:
    """Whether a test answers alike on either engine: it never touches the suite's database,
    or it drives the pages in Chromium (the pages' own tests run on both engines; the
    browser adds the script and the layout, which the engine does not change)."""
    return item.get_closest_marker("browser") is not None or _engine_free(item)


def pytest_collection_modifyitems(config, items):
    """TANHUA_TEST_ONCE_SHARE=K[,K…]/N (CI, which runs the suite on SQLite and PostgreSQL
    side by side): of the tests that answer alike on either engine, this run takes the
    modules in shares K of N (by a hash of the module's path), the other suite the rest, so
    that each runs once. README's command, without the variable, runs every test."""
    share = os.environ.get("TANHUA_TEST_ONCE_SHARE", "")
    if not share:
        return
    import zlib

    ks, n = share.split("/")
    mine, n = {int(k) for k in ks.split(",")}, int(n)
    skip = pytest.mark.skip(reason="与数据库引擎无关：CI 在另一数据库的测试中运行")
    for item in items:
        if _runs_once(item):
            module = str(item.path.relative_to(config.rootpath))
            if zlib.crc32(module.encode()) % n not in mine:
                item.add_marker(skip)


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
