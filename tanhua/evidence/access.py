"""Access-matrix entries of evidence's later pages (attachments' upload pages, closing a
material request), merged into tanhua.core.access_matrix. A finding's page is staff's in
scope (C1's finding, with a file on it; outside C2's); a talk's papers are its staff's, its
talker's and its recorder's (C1's talk with the K11 secretary; outside C2's), never the
subject's."""

from __future__ import annotations

from tanhua.accounts import roles as R
from tanhua.core.access_matrix import (
    PLAIN,
    Access,
    _finding,
    _finding_attachment,
    _material_request,
    _with_talks,
)


def _finding_with_file(org_code: str):
    def kwargs(world) -> dict:
        _finding_attachment(org_code)(world)
        return _finding(org_code)(world)

    return kwargs


def _talk(name: str):
    return lambda world: {"pk": _with_talks(world).talks[name].pk}


ENTRIES: dict = {
    "evidence:finding_files": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_finding_with_file("C1"),
        outside=_finding_with_file("C2"),
        lists=PLAIN,
    ),
    "talks:files": Access(
        allowed=R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER},
        kwargs=_talk("k11"),
        outside=_talk("c2"),
        anchor="K11",
    ),
    "evidence:request_close": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_material_request("C1"),
        outside=_material_request("C2"),
        method="POST",
        ok=302,
    ),
}
API_ENTRIES: dict = {
    "POST /api/v1/material-requests/{request_id}/close": Access(
        allowed=R.PLAN_TALKS,
        method="POST",
        kwargs=_material_request("C1", "request_id"),
        outside=_material_request("C2", "request_id"),
    ),
}
