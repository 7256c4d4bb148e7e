"""The permission matrix, generated from the URL conf and the API schema.

Every named URL must have an entry in tanhua.core.access_matrix.ENTRIES (and every API
operation one in API_ENTRIES); each entry is then requested as every persona of the test
world, with an in-scope object and an out-of-scope one, and the answer checked against the
rules in that module's docstring.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tanhua.core import access_matrix
from tanhua.core.testing import add_scope_probes, build_world

# The personas of build_world(); a guard test below keeps this list equal to the world's,
# so a persona added there is added to the matrix too.
PERSONAS = (
    "commission_c1",
    "organization_c1",
    "commission_c2",
    "commission_p",
    "talker_c1",
    "recorder_c1",
    "subject_k11",
    "submitter_c1",
    "viewer_c1",
    "sysadmin",
    "secadmin",
    "auditor",
)
ANONYMOUS = "anonymous"
# In-scope objects sit in city C1's subtree; out-of-scope ones in its sibling C2.
INSIDE, OUTSIDE = "C1", "C2"


def _api_namespace() -> str | None:
    try:
        from tanhua.api.root import api
    except ImportError:  # pragma: no cover - the API app is always installed
        return None
    return api.urls_namespace


def named_urls(resolver: URLResolver | None = None, prefix: tuple[str, ...] = ()) -> set[str]:
    """Every 'namespace:name' the URL conf can reverse, minus the ninja-generated API URLs
    (the API is checked operation by operation from its schema) and static files."""
    resolver = resolver or get_resolver()
    api_ns = _api_namespace()
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace and pattern.namespace == api_ns:
                continue
            ns = (*prefix, pattern.namespace) if pattern.namespace else prefix
            names |= named_urls(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            module = getattr(pattern.callback, "__module__", "") or ""
            if module.startswith(("ninja.", "django.contrib.staticfiles", "django.views.static")):
                continue
            names.add(":".join((*prefix, pattern.name)))
    return names


def test_every_named_url_has_an_entry_in_the_access_matrix():
    missing = sorted(named_urls() - set(access_matrix.ENTRIES))
    assert not missing, "URLs without an entry in tanhua/core/access_matrix.py: " + ", ".join(
        missing
    )


def test_every_access_matrix_entry_names_a_url():
    stale = sorted(set(access_matrix.ENTRIES) - named_urls())
    assert not stale, "access_matrix entries that name no URL: " + ", ".join(stale)


def test_the_matrix_covers_every_persona_of_the_world(db):
    assert sorted(build_world().users) == sorted(PERSONAS)


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """One world for the whole matrix, rolled back at the end; each test runs in a savepoint
    inside it (pytest-django's `db`), so what a request writes does not leak to the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = add_scope_probes(build_world())
        yield world
        transaction.set_rollback(True)


def _reaches(user, anchor_code: str | None, world) -> bool:
    """Whether the object's organization lies in the persona's scope (own organization and
    below): staff at the province reach both cities, staff at C1 reach C1 and below. A
    persona below the object's organization does not reach it — scope never looks upward."""
    if anchor_code is None:
        return True
    if user.organization is None:
        return False
    return world.orgs[anchor_code].path.startswith(user.organization.path)


def _anchor(entry: access_matrix.Access, where: str) -> str | None:
    """The organization an entry's object sits in: the out-of-scope city, or the in-scope
    object's own organization (C1 unless the entry names a deeper one); None for a URL
    without an object."""
    if where == OUTSIDE:
        return OUTSIDE
    return (entry.anchor or INSIDE) if entry.kwargs else None


def _expected(entry: access_matrix.Access, user, anchor: str | None, world) -> set[int]:
    if entry.public:
        return {200}
    if entry.allowed & user.role_names and _reaches(user, anchor, world):
        return {entry.ok, *entry.also_ok}
    return {404}


def _request(client: Client, entry: access_matrix.Access, url: str):
    method = entry.method.upper()
    if method == "GET":
        return client.get(url)
    # The test client skips the CSRF check unless asked to enforce it.
    return client.generic(
        method,
        url,
        data=urlencode(entry.data, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def _url(name: str, entry: access_matrix.Access, world, where: str, user=None) -> str | None:
    build = entry.kwargs if where == INSIDE else entry.outside
    if where == OUTSIDE and build is None:
        return None
    args = (world, user) if entry.per_user else (world,)
    return reverse(name, kwargs=build(*args) if build else None)


CASES = [
    pytest.param(name, persona, where, id=f"{name}-{persona}-{where}")
    for name, entry in sorted(access_matrix.ENTRIES.items())
    for persona in (*PERSONAS, ANONYMOUS)
    for where in (INSIDE, OUTSIDE)
    if where == INSIDE or (entry.outside is not None and persona != ANONYMOUS)
]


@pytest.mark.parametrize(("name", "persona", "where"), CASES)
def test_each_url_answers_each_persona_as_the_matrix_says(db, matrix_world, name, persona, where):
    entry = access_matrix.ENTRIES[name]
    url = _url(name, entry, matrix_world, where, matrix_world.users.get(persona))
    client = Client()
    if persona == ANONYMOUS:
        response = _request(client, entry, url)
        if entry.public:
            assert response.status_code == 200, f"{entry.method} {url} anonymous"
        else:
            login = reverse(settings.LOGIN_URL)
            assert response.status_code == 302, f"{entry.method} {url} anonymous"
            assert response.url.startswith(login), f"{url} redirects to {response.url}"
        return
    user = matrix_world.users[persona]
    client.force_login(user)
    expected = _expected(entry, user, _anchor(entry, where), matrix_world)
    if entry.per_user:
        # Owned objects: the persona's own is in scope anywhere; another user's never is.
        expected = _expected(entry, user, None, matrix_world) if where == INSIDE else {404}
    response = _request(client, entry, url)
    assert response.status_code in expected, (
        f"{entry.method} {url} as {persona} ({', '.join(sorted(user.role_names))}) "
        f"answered {response.status_code}, expected {sorted(expected)}"
    )


# --- the REST API ----------------------------------------------------------------------

API_ENTRIES: dict[str, access_matrix.Access] = access_matrix.API_ENTRIES


def api_operations() -> set[str]:
    """Every 'METHOD /path' of the API's OpenAPI schema, paths as /api/v1/openapi.json has them."""
    from tanhua.api.root import api

    schema = api.get_openapi_schema()
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in methods
    }


def test_every_api_operation_has_an_entry_in_the_access_matrix():
    missing = sorted(api_operations() - set(API_ENTRIES))
    assert not missing, "API operations without an entry in API_ENTRIES: " + ", ".join(missing)


def test_every_api_entry_names_an_operation():
    stale = sorted(set(API_ENTRIES) - api_operations())
    assert not stale, "API_ENTRIES that name no operation: " + ", ".join(stale)


API_CASES = [
    pytest.param(key, persona, where, id=f"{key}-{persona}-{where}")
    for key, entry in sorted(API_ENTRIES.items())
    for persona in (*PERSONAS, ANONYMOUS)
    for where in (INSIDE, OUTSIDE)
    if where == INSIDE or (entry.outside is not None and persona != ANONYMOUS)
]


@pytest.mark.parametrize(("key", "persona", "where"), API_CASES)
def test_each_api_operation_answers_each_persona_as_the_matrix_says(
    db, matrix_world, key, persona, where
):
    from tanhua.api.services import issue_token

    entry = API_ENTRIES[key]
    method, template = key.split(" ", 1)
    build = entry.kwargs if where == INSIDE else entry.outside
    path = template.format(**build(matrix_world)) if build else template
    headers = {}
    if persona != ANONYMOUS:
        user = matrix_world.users[persona]
        _token, plain = issue_token(actor=None, user=user, name="matrix")
        headers["Authorization"] = f"Bearer {plain}"
    if method == "GET":
        response = Client().get(path, headers=headers)
    else:
        response = Client().generic(
            method,
            path,
            data=json.dumps(entry.data),
            content_type="application/json",
            headers=headers,
        )
    if persona == ANONYMOUS:
        assert response.status_code == 401, f"{key} anonymous answered {response.status_code}"
        return
    expected = _expected(entry, user, _anchor(entry, where), matrix_world)
    assert response.status_code in expected, (
        f"{method} {path} as {persona} ({', '.join(sorted(user.role_names))}) answered "
        f"{response.status_code} {response.content[:200]!r}, expected {sorted(expected)}"
    )


def test_reaching_never_looks_upward(db, matrix_world):
    world = matrix_world
    subject, staff = world.users["subject_k11"], world.users["commission_c1"]
    assert _reaches(staff, "K11", world) and _reaches(staff, "C1", world)
    assert _reaches(subject, "K11", world)
    assert not _reaches(subject, "C1", world)  # K11 lies below C1: C1's objects are outside
    assert not _reaches(staff, "P", world) and not _reaches(staff, "C2", world)
