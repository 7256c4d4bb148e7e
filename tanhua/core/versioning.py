"""No lost updates: every edit carries the version it was made from (issue 8).

A model that people edit derives from `Versioned`: its `version` starts at 1 and every saved
change adds one, in the same UPDATE. A service that edits such a record takes
`expected_version` (forms carry it hidden, the API takes it from `If-Match`), re-reads the row
under `select_for_update`, and calls `check_fresh` before changing anything: a save made from
an older version is refused with what changed meanwhile, read back from the audit trail —
never applied over the newer one. Pages, the API and the talk record's autosave all go
through this one check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# One entry of the trail per saved change of a versioned record: these actions.
_UPDATE_SUFFIXES = (".update",)
_ETAG_RE = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')


class Versioned(models.Model):
    """Abstract base: a version number that every saved change increments."""

    # db_default too: bulk paths that insert with explicit columns (imports) get version 1.
    version = models.PositiveIntegerField(
        gettext_lazy("版本"), default=1, db_default=1, editable=False
    )

    class Meta:
        abstract = True

    def bump_version(self) -> list[str]:
        """Count this save as a new version; returns the field to add to `update_fields`."""
        self.version = (self.version or 0) + 1
        return ["version"]


@dataclass(frozen=True)
class Change:
    """One saved change since the editor's version, as the audit trail recorded it."""

    who: str
    at: object
    fields: dict[str, tuple[object, object]]

    def describe(self, labels: dict[str, str]) -> str:
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")
        parts = "，".join(
            _("%(f)s（%(a)s → %(b)s）") % {"f": labels.get(k, k), "a": _show(a), "b": _show(b)}
            for k, (a, b) in self.fields.items()
        )
        return _("%(who)s 于 %(when)s 修改了 %(parts)s") % {
            "who": self.who or _("系统"),
            "when": when,
            "parts": parts or _("记录"),
        }


def _show(value) -> str:
    if value is None or value == "":
        return _("空")
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    return str(value)


class StaleEdit(Exception):
    """The record changed after the version the edit was made from; nothing was saved."""

    def __init__(self, *, current_version: int, changes: list[Change], labels: dict[str, str]):
        self.current_version = current_version
        self.changes = changes
        self.labels = labels
        super().__init__(self.message)

    @property
    def message(self) -> str:
        head = _("您编辑期间，此记录已被他人修改（当前为第 %(v)s 版），您的修改未保存。") % {
            "v": self.current_version
        }
        details = "；".join(c.describe(self.labels) for c in self.changes)
        tail = _("请刷新后在最新内容上重新修改。")
        return f"{head}{details + '。' if details else ''}{tail}"


def changes_since(object_type: str, object_id: str, since_version: int, current: int) -> list:
    """The saved changes that took the record from `since_version` to `current`: its last
    (current − since) update entries in the trail, oldest first."""
    from tanhua.audit.models import AuditEntry

    missing = max(0, current - since_version)
    if not missing:
        return []
    entries = list(
        AuditEntry.objects.filter(object_type=object_type, object_id=object_id)
        .filter(action__endswith=_UPDATE_SUFFIXES[0])
        .order_by("-seq")[: min(missing, 20)]
    )
    changes = []
    for entry in reversed(entries):
        before, after = entry.before or {}, entry.after or {}
        fields = {k: (before.get(k), after.get(k)) for k in after if before.get(k) != after.get(k)}
        changes.append(Change(who=entry.username, at=entry.at, fields=fields))
    return changes


def check_fresh(
    obj: Versioned,
    expected_version: int | None,
    *,
    object_type: str,
    object_id: str,
    labels: dict[str, str] | None = None,
) -> None:
    """Refuse (StaleEdit) an edit made from another version than the row's current one.
    `obj` must have been re-read under `select_for_update`. None means the caller accepted
    an unversioned edit (the operator's command line, an import confirmed from a preview
    that re-checks its rows itself)."""
    if expected_version is None or int(expected_version) == obj.version:
        return
    raise StaleEdit(
        current_version=obj.version,
        changes=changes_since(object_type, object_id, int(expected_version), obj.version),
        labels=labels or {},
    )


def etag(obj: Versioned) -> str:
    return f'"{obj.version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version an `If-Match: "N"` names; None when absent; ValueError when malformed."""
    if header is None or not header.strip():
        return None
    match = _ETAG_RE.match(header)
    if not match:
        raise ValueError(header)
    return int(match.group(1))
