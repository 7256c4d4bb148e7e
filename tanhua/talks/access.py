"""Access-matrix entries of the outline's versions (page and API), merged into
tanhua.core.access_matrix: like the outline, the staff in scope, the talker and the recorder
of C1's talk with the K11 secretary; C2's talk (no outline) answers 404 to everyone."""

from __future__ import annotations

from tanhua.accounts import roles as R
from tanhua.core.access_matrix import Access


def _talk(name: str, key: str):
    def kwargs(world) -> dict:
        from tanhua.core.access_matrix import _with_talks

        return {key: _with_talks(world).talks[name].pk}

    return kwargs


OUTLINE_READERS = frozenset(R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER})

ENTRIES: dict = {
    "talks:outline_versions": Access(
        allowed=OUTLINE_READERS,
        kwargs=_talk("k11", "pk"),
        outside=_talk("c2", "pk"),
        anchor="K11",
    ),
}
API_ENTRIES: dict = {
    "GET /api/v1/talks/{id}/outline/versions": Access(
        allowed=OUTLINE_READERS,
        kwargs=_talk("k11", "id"),
        outside=_talk("c2", "id"),
        anchor="K11",
    ),
    # C2's talk has no outline yet: its own city's staff are told there is nothing to compare.
    "GET /api/v1/talks/{id}/outline/diff": Access(
        allowed=OUTLINE_READERS,
        also_ok=frozenset({422}),
        kwargs=_talk("k11", "id"),
        outside=_talk("c2", "id"),
        anchor="K11",
    ),
}
