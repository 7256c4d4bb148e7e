"""The permission matrix, generated from the URL conf and the API schema.

Every named URL must have an entry in tanhua.core.access_matrix.ENTRIES (and every API
operation one in API_ENTRIES); each entry is then requested as every persona of the test
world, with an in-scope object and an out-of-scope one, and the answer checked against the
rules in that module's docstring.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tanhua.core import access_matrix
from tanhua.core.testing import add_scope_probes, build_world
from tanhua.search.testing import add_text_probes
from tanhua.talks.testing import add_talks

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
        add_talks(world)
        add_text_probes(world, records=False)
        _sign_in_every_persona(world)
        yield world
        transaction.set_rollback(True)


def _sign_in_every_persona(world) -> None:
    """A session and an API token per persona, made once for the module (a login and a token
    per request were a fifth of the matrix's time). What a request does to them — a logout,
    a password change, a revoked token — is rolled back with the test's savepoint."""
    from tanhua.api.services import issue_token

    world.sessions, world.tokens = {}, {}
    for user in world.users.values():
        client = Client()
        client.force_login(user)
        world.sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
        world.tokens[user.pk] = issue_token(actor=None, user=user, name="matrix")[1]


def _signed_in(world, user) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[user.pk]
    return client


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
    client = _signed_in(matrix_world, user)
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

    entry = API_ENTRIES[key]
    method, template = key.split(" ", 1)
    build = entry.kwargs if where == INSIDE else entry.outside
    path = template.format(**build(matrix_world)) if build else template
    headers = {}
    if persona != ANONYMOUS:
        user = matrix_world.users[persona]
        headers["Authorization"] = f"Bearer {matrix_world.tokens[user.pk]}"
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


# --- hidden objects where they could leak: request bodies and list rows ----------------------

# The personas who may write the registry and whose scope holds the C1 objects the write
# entries start from; a guard below keeps the list equal to what the world says.
WRITERS = ("commission_c1", "organization_c1", "commission_p")
UNKNOWN_CODE = "ZZ9NOSUCHCODE"


def _hidden_codes(user, kind: str) -> list[str]:
    """The codes of `kind` that exist but that the persona may not see."""
    from tanhua.org.models import Cadre, Organization

    if kind == "organization":
        every, seen = Organization.objects.all(), Organization.objects.visible_to(user)
    else:
        every = Cadre.objects.unscoped("matrix: what the persona may not see")
        seen = Cadre.objects.visible_to(user)
    return sorted(
        set(every.values_list("code", flat=True)) - set(seen.values_list("code", flat=True))
    )


def _all_codes(kind: str) -> list[str]:
    from tanhua.org.models import Cadre, Organization

    qs = Organization.objects if kind == "organization" else Cadre.objects.unscoped("matrix")
    return sorted(qs.values_list("code", flat=True))


def _api_call(user, key: str, entry: access_matrix.Access, world, data=None, query=None):

    method, template = key.split(" ", 1)
    path = template.format(**entry.kwargs(world)) if entry.kwargs else template
    headers = {"Authorization": f"Bearer {world.tokens[user.pk]}"}
    if method == "GET":
        return Client().get(path, query or {}, headers=headers)
    body = json.dumps(entry.data if data is None else data)
    return Client().generic(method, path, body, content_type="application/json", headers=headers)


def test_the_writers_are_the_personas_who_may_write_in_c1(db, matrix_world):
    from tanhua.accounts import roles as R

    writers = [
        name
        for name, user in matrix_world.users.items()
        if user.role_names & R.EDIT_REGISTRY and _reaches(user, INSIDE, matrix_world)
    ]
    assert sorted(writers) == sorted(WRITERS)


def test_the_world_hides_an_object_of_every_kind_from_the_c1_commission(db, matrix_world):
    user = matrix_world.users["commission_c1"]
    # Out of scope (a sibling city), above clearance (机密), declared (回避).
    assert {"GC2", "GSECRET", "GDECL"} <= set(_hidden_codes(user, "cadre"))
    assert {"C2", "P"} <= set(_hidden_codes(user, "organization"))


CODE_FIELD_CASES = [
    pytest.param(key, name, persona, id=f"{key}-{name}-{persona}")
    for key, entry in sorted(API_ENTRIES.items())
    for name in sorted(entry.code_fields)
    for persona in WRITERS
]


@pytest.mark.parametrize(("key", "field_name", "persona"), CODE_FIELD_CASES)
def test_a_hidden_code_in_a_request_body_answers_like_an_unknown_one(
    db, matrix_world, key, field_name, persona
):
    from tanhua.audit.models import AuditEntry

    entry = API_ENTRIES[key]
    user = matrix_world.users[persona]

    def answer(code: str) -> tuple[int, bytes]:
        response = _api_call(user, key, entry, matrix_world, data={**entry.data, field_name: code})
        # The message may quote the caller's own code; past that, byte for byte the same.
        return response.status_code, response.content.replace(code.encode(), b"<CODE>")

    unknown = answer(UNKNOWN_CODE)
    assert unknown[0] == 404, unknown
    for code in _hidden_codes(user, entry.code_fields[field_name]):
        before = AuditEntry.objects.filter(action="code.unavailable", object_id=code).count()
        assert answer(code) == unknown, f"{key} {field_name}={code} as {persona}"
        after = AuditEntry.objects.filter(action="code.unavailable", object_id=code).count()
        assert after == before + 1, f"the refusal of {code} was not audited"


NEW_CODE_CASES = [
    pytest.param(key, name, persona, id=f"{key}-{name}-{persona}")
    for key, entry in sorted(API_ENTRIES.items())
    for name in sorted(entry.new_codes)
    for persona in WRITERS
]


@pytest.mark.parametrize(("key", "field_name", "persona"), NEW_CODE_CASES)
def test_a_taken_code_answers_one_message_wherever_its_holder_lies(
    db, matrix_world, key, field_name, persona
):
    from tanhua.audit.models import AuditEntry
    from tanhua.org.messages import CODE_UNAVAILABLE

    entry = API_ENTRIES[key]
    user = matrix_world.users[persona]
    answers = {}
    for code in _all_codes(entry.new_codes[field_name]):
        response = _api_call(user, key, entry, matrix_world, data={**entry.data, field_name: code})
        answers[code] = (response.status_code, response.content)
        assert code.encode() not in response.content
    assert len(set(answers.values())) == 1, answers
    status, body = next(iter(answers.values()))
    assert status == 422 and str(CODE_UNAVAILABLE) in json.loads(body)["detail"][0]["msg"]
    refused = AuditEntry.objects.filter(action="code.unavailable", detail__field=field_name)
    assert sorted(refused.values_list("object_id", flat=True)) == sorted(answers)


def _what_is_hidden(user) -> tuple[set[str], set[str]]:
    """(codes, texts) that would betray an object the persona may not see: codes and names of
    hidden organizations and cadres, titles of hidden posts. What the persona sees otherwise
    (their own organization, an organization through a visible post, a text that also occurs
    in something visible) is left out: showing it betrays nothing."""
    from tanhua.org.models import Cadre, Organization, Position

    posts = Position.objects.visible_to(user).select_related("organization", "cadre")
    seen_orgs = set(Organization.objects.visible_to(user).values_list("code", flat=True))
    seen_orgs |= {p.organization.code for p in posts}
    if user.organization is not None:
        seen_orgs.add(user.organization.code)
    seen_cadres = set(Cadre.objects.visible_to(user).values_list("code", flat=True))
    orgs = list(Organization.objects.all())
    cadres = list(Cadre.objects.unscoped("matrix: what the persona may not see"))
    every_post = Position.objects.unscoped("matrix: what the persona may not see")
    seen_texts = (
        {o.name for o in orgs if o.code in seen_orgs}
        | {c.name for c in cadres if c.code in seen_cadres}
        | {p.title for p in posts}
    )
    codes = {o.code for o in orgs if o.code not in seen_orgs}
    codes |= {c.code for c in cadres if c.code not in seen_cadres}
    texts = {o.name for o in orgs if o.code not in seen_orgs}
    texts |= {c.name for c in cadres if c.code not in seen_cadres}
    texts |= set(every_post.exclude(pk__in=posts.values("pk")).values_list("title", flat=True))
    return codes, {t for t in texts if not any(t in seen for seen in seen_texts)}


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _betrayals(body: bytes, is_json: bool, codes: set[str], texts: set[str]) -> list[str]:
    if is_json:
        found = set()
        for s in _strings(json.loads(body)):
            found |= {c for c in codes if s == c} | {t for t in texts if t in s}
        return sorted(found)
    html = body.decode()
    found = {t for t in texts if t in html}
    # A code as a token of its own: not a piece of a longer code or word.
    found |= {c for c in codes if re.search(rf"(?<![\w.\-]){re.escape(c)}(?![\w.\-])", html)}
    return sorted(found)


def _list_targets():
    for name, entry in sorted(access_matrix.ENTRIES.items()):
        if entry.lists:
            yield name, entry, False
    for key, entry in sorted(API_ENTRIES.items()):
        if entry.lists:
            yield key, entry, True


LIST_CASES = [
    pytest.param(name, persona, id=f"{name}-{persona}")
    for name, _entry, _api in _list_targets()
    for persona in PERSONAS
]
LISTS = {name: (entry, api) for name, entry, api in _list_targets()}


# Per-request tokens are the only bytes allowed to differ between two renderings.
_PER_REQUEST_TOKENS = re.compile(rb'(data-csrf=|name="csrfmiddlewaretoken" value=)"[^"]*"')


def _fetch_one(name: str, user, world, variant: dict) -> tuple[int, bytes]:
    """One query variant of a list entry, as the persona: (status, normalized body)."""
    entry, is_api = LISTS[name]
    if is_api:
        response = _api_call(user, name, entry, world, query=variant)
    else:
        client = _signed_in(world, user)
        url = reverse(name, kwargs=entry.kwargs(world) if entry.kwargs else None)
        response = client.get(url, variant)
    return response.status_code, _PER_REQUEST_TOKENS.sub(rb"\1", response.content)


def _fetch_lists(name: str, user, world) -> dict[str, tuple[int, bytes]]:
    """Every query variant of a list entry, as the persona."""
    entry, _is_api = LISTS[name]
    return {urlencode(v): _fetch_one(name, user, world, v) for v in entry.lists}


def _lists_for(name: str, user, world) -> bool:
    """Whether the persona may open the list at all. A persona it refuses gets the 404 of an
    absent page whatever the query; the matrix above checks that without a query, and here
    one filtered variant confirms a filter does not open it."""
    entry, _is_api = LISTS[name]
    ok = _expected(entry, user, _anchor(entry, INSIDE), world)
    return 404 not in ok


def _refuses_every_variant(name: str, user, world) -> None:
    entry, _is_api = LISTS[name]
    variant = entry.lists[-1]
    status, _body = _fetch_one(name, user, world, variant)
    assert status == 404, f"{name}?{urlencode(variant)} answered {status} to a refused persona"


def _change_what_is_hidden(user) -> None:
    """Change, in the database, everything the persona may not see: hidden posts go, hidden
    cadres and organizations take other tiers, levels and names. No answer may move."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from tanhua.org.models import Cadre, Organization, Position

    posts = Position.objects.visible_to(user)
    keep_orgs = set(Organization.objects.visible_to(user).values_list("pk", flat=True))
    keep_orgs |= set(posts.values_list("organization_id", flat=True))
    keep_orgs.add(user.organization_id)
    hidden_cadres = Cadre.objects.unscoped("matrix: change what the persona may not see").exclude(
        pk__in=list(Cadre.objects.visible_to(user).values_list("pk", flat=True))
    )
    Position.objects.unscoped("matrix: change what the persona may not see").exclude(
        pk__in=list(posts.values_list("pk", flat=True))
    ).delete()
    hidden_cadres.update(tier="central", gender="female", name=Concat(F("name"), Value("改")))
    Organization.objects.exclude(pk__in=keep_orgs).update(
        level="township", kind="党组", name=Concat(F("name"), Value("改"))
    )


@pytest.mark.parametrize(("name", "persona"), LIST_CASES)
def test_no_list_shows_or_counts_a_row_hidden_from_the_persona(db, matrix_world, name, persona):
    """Every variant shows no hidden row, and answers byte for byte the same once every
    hidden object changed (filters, orderings and counts over what the persona may see)."""
    _entry, is_api = LISTS[name]
    user = matrix_world.users[persona]
    if not _lists_for(name, user, matrix_world):
        _refuses_every_variant(name, user, matrix_world)
        return
    codes, texts = _what_is_hidden(user)
    before = _fetch_lists(name, user, matrix_world)
    for variant, (status, body) in before.items():
        # The persona's own query is theirs to see echoed back.
        typed = {v for values in parse_qs(variant).values() for v in values}
        leaks = _betrayals(body, is_api and status == 200, codes - typed, texts - typed)
        assert not leaks, f"{name}?{variant} as {persona} ({status}) shows hidden {leaks}"
    _change_what_is_hidden(user)
    after = _fetch_lists(name, user, matrix_world)
    moved = [variant for variant in before if before[variant] != after[variant]]
    assert not moved, f"{name} as {persona} answers differently under {moved}"


@pytest.mark.parametrize(("name", "persona"), LIST_CASES)
def test_a_hidden_code_in_a_filter_answers_like_an_unknown_one(db, matrix_world, name, persona):
    entry, _is_api = LISTS[name]
    user = matrix_world.users[persona]
    if not _lists_for(name, user, matrix_world):
        _refuses_every_variant(name, user, matrix_world)
        return
    hidden, _texts = _what_is_hidden(user)
    probes = [
        (variant, key, value)
        for variant in entry.lists
        for key, value in variant.items()
        if value in hidden
    ]
    for variant, key, code in probes:
        seen = _fetch_one(name, user, matrix_world, variant)
        absent = _fetch_one(name, user, matrix_world, {**variant, key: UNKNOWN_CODE})
        # A page may echo the caller's own query; past that, byte for byte the same.
        assert (seen[0], seen[1].replace(code.encode(), b"<CODE>")) == (
            absent[0],
            absent[1].replace(UNKNOWN_CODE.encode(), b"<CODE>"),
        ), f"{name}?{key}={code} as {persona} answers unlike an unknown code"
