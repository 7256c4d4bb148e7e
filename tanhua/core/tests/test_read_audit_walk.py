"""Every response that shows a person's data writes a read entry naming them (issue 6, item 4).

The walk goes over every URL and API operation of the access matrix, as every persona the
matrix allows, and fails wherever a response carried a cadre's name without a `cadre.read` /
`cadre.list` entry of that request naming the cadre. A new page or operation that shows people
is covered the day it gets its matrix entry.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tanhua.audit.models import AuditEntry
from tanhua.core import access_matrix
from tanhua.core.testing import build_world
from tanhua.core.tests.test_access_matrix import PERSONAS
from tanhua.talks.testing import add_talks

READ_ACTIONS = ("cadre.read", "cadre.list")


@pytest.fixture(scope="module")
def walk_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = add_talks(build_world())
        from tanhua.accounts.models import ConflictDeclaration

        # A declaration, so the 回避 pages have a person to show.
        ConflictDeclaration.objects.create(
            user=world.users["recorder_c1"],
            cadre=world.cadres["GT111"],
            reason="kin",
            detail="巡查测试",
        )
        yield world
        transaction.set_rollback(True)


def _body_text(response) -> str:
    raw = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    content = raw.decode("utf-8", errors="replace")
    if kind.startswith("application/json"):
        try:
            return json.dumps(json.loads(content), ensure_ascii=False)
        except ValueError:
            return content
    return content


def _people_in(text: str, world) -> set[str]:
    return {code for code, cadre in world.cadres.items() if cadre.name in text}


def _named_since(seq: int) -> set[str]:
    named: set[str] = set()
    for entry in AuditEntry.objects.filter(seq__gt=seq, action__in=READ_ACTIONS):
        named |= set((entry.detail or {}).get("codes", []))
        if entry.object_id:
            named.add(entry.object_id)
    return named


def _last_seq() -> int:
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


PAGE_CASES = [
    pytest.param(name, persona, id=f"{name}-{persona}")
    for name, entry in sorted(access_matrix.ENTRIES.items())
    if not entry.public
    for persona in PERSONAS
]
API_CASES = [
    pytest.param(key, persona, id=f"{key}-{persona}")
    for key, entry in sorted(access_matrix.API_ENTRIES.items())
    for persona in PERSONAS
]


def _assert_recorded(response, world, seq: int, what: str) -> None:
    if response.status_code >= 400:
        return
    shown = _people_in(_body_text(response), world)
    missing = shown - _named_since(seq)
    assert not missing, f"{what} showed {sorted(missing)} without a read entry naming them"


@pytest.mark.parametrize(("name", "persona"), PAGE_CASES)
def test_every_page_that_shows_a_person_records_the_read(db, walk_world, name, persona):
    entry = access_matrix.ENTRIES[name]
    user = walk_world.users[persona]
    if not entry.allowed & user.role_names:
        pytest.skip("not allowed: answers 404 and shows no one")
    args = (walk_world, user) if entry.per_user else (walk_world,)
    url = reverse(name, kwargs=entry.kwargs(*args) if entry.kwargs else None)
    client = Client()
    client.force_login(user)
    seq = _last_seq()
    if entry.method.upper() == "GET":
        response = client.get(url)
    else:
        response = client.generic(
            entry.method.upper(),
            url,
            data=urlencode(entry.data, doseq=True),
            content_type="application/x-www-form-urlencoded",
        )
    _assert_recorded(response, walk_world, seq, f"{entry.method} {url} as {persona}")


@pytest.mark.parametrize(("key", "persona"), API_CASES)
def test_every_api_operation_that_shows_a_person_records_the_read(db, walk_world, key, persona):
    from tanhua.api.services import issue_token

    entry = access_matrix.API_ENTRIES[key]
    user = walk_world.users[persona]
    if not entry.allowed & user.role_names:
        pytest.skip("not allowed: answers 404 and shows no one")
    method, template = key.split(" ", 1)
    path = template.format(**entry.kwargs(walk_world)) if entry.kwargs else template
    _token, plain = issue_token(actor=None, user=user, name="walk")
    headers = {"Authorization": f"Bearer {plain}"}
    seq = _last_seq()
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
    _assert_recorded(response, walk_world, seq, f"{key} as {persona}")


def test_the_walk_notices_a_page_that_shows_people_without_an_entry(db, walk_world):
    """The check itself: a body naming a cadre with no entry after `seq` is caught."""

    class Fake:
        status_code = 200
        content = "甲县书记戊".encode()

        def get(self, _key, default=""):
            return "text/html"

    with pytest.raises(AssertionError, match="GK11"):
        _assert_recorded(Fake(), walk_world, _last_seq(), "a fake page")
