"""Who may reach which URL: the permission matrix every URL must have an entry in.

The test in tanhua/core/tests/test_access_matrix.py walks the URL conf (and the API schema)
and fails for any named URL without an entry here. For each entry it requests the URL as
every persona of `tanhua.core.testing.build_world()` (business roles based at city C1,
administrators at the province) with an in-scope object, and with an out-of-scope object
(in sibling city C2) where the URL takes one:

- a role in `allowed` gets `ok` (200 unless given) for the in-scope object;
- every other role gets 404 — out of scope looks exactly like absent (DESIGN §2);
- the out-of-scope object answers 404 to every C1-based persona;
- anonymous gets a redirect to the login page (pages) or 401 (API).

`kwargs(world)` / `outside(world)` build the URL's arguments from the world; `None` for a
URL without arguments. `public=True` marks the few pages anyone may open (login, health).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tanhua.accounts import roles as R

Kw = Callable[[object], dict] | None


@dataclass(frozen=True)
class Access:
    allowed: frozenset = frozenset()
    kwargs: Kw = None
    outside: Kw = None
    method: str = "GET"
    ok: int = 200
    public: bool = False
    data: dict = field(default_factory=dict)
    # Extra statuses an allowed role may see instead of `ok` (e.g. 302 after a form redirect).
    also_ok: frozenset = frozenset()


def _org(code):
    return lambda w: {"code": code}


ENTRIES: dict[str, Access] = {
    "core:home": Access(allowed=frozenset(R.Role)),
    "core:healthz": Access(public=True),
    "accounts:login": Access(public=True),
    "accounts:logout": Access(allowed=frozenset(R.Role), method="POST", ok=302),
    "accounts:password_change": Access(allowed=frozenset(R.Role)),
    "accounts:user_list": Access(allowed=R.MANAGE_USERS),
    "org:tree": Access(allowed=R.BROWSE_ORGS),
    "org:organization_detail": Access(
        allowed=R.BROWSE_ORGS, kwargs=_org("K11"), outside=_org("C2")
    ),
    "org:organization_children": Access(
        allowed=R.BROWSE_ORGS, kwargs=_org("C1"), outside=_org("C2")
    ),
    "org:cadre_list": Access(allowed=R.SEE_PEOPLE),
    "org:cadre_detail": Access(
        allowed=R.SEE_PEOPLE,
        kwargs=lambda w: {"code": "GK11"},
        outside=lambda w: {"code": "GC2"},
    ),
    "exchange:upload": Access(allowed=R.EDIT_REGISTRY),
    "audit:log": Access(allowed=R.READ_AUDIT),
}
