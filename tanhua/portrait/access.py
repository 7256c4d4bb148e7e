"""Access-matrix entries of the portrait's API (merged into tanhua.core.access_matrix): like
its pages, staff in scope and the talker of C1's talk with the K11 secretary; outside C2's.
The matrix world has no snapshot yet: the sources of none answer 422 with the reason."""

from __future__ import annotations

from tanhua.accounts import roles as R
from tanhua.core.access_matrix import Access
from tanhua.talks.access import _talk

READERS = frozenset(R.PLAN_TALKS | {R.Role.TALKER})

ENTRIES: dict = {}
API_ENTRIES: dict = {
    "GET /api/v1/talks/{id}/portrait": Access(
        allowed=READERS, kwargs=_talk("k11", "id"), outside=_talk("c2", "id"), anchor="K11"
    ),
    "GET /api/v1/talks/{id}/portrait/sources": Access(
        allowed=READERS,
        kwargs=_talk("k11", "id"),
        outside=_talk("c2", "id"),
        anchor="K11",
        also_ok=frozenset({422}),
    ),
    "POST /api/v1/talks/{id}/portrait/prepare": Access(
        allowed=R.PLAN_TALKS,
        method="POST",
        kwargs=_talk("k11", "id"),
        outside=_talk("c2", "id"),
        anchor="K11",
        also_ok=frozenset({422}),
    ),
}
