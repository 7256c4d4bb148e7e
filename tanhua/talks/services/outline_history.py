"""An outline's versions (提纲版本) and the diff between any two.

Every change of an outline's version — drafted, problems saved, prefilled from the portrait,
submitted, approved, returned — keeps one OutlineRevision with the problems as they then
were, written by the outline's write path (tanhua.talks.services.outline) in the same
transaction; nothing else writes them. Reads start from OutlineRevision.visible_to (the
outline's scope: never the subject's).

The diff pairs problems by the id they had in both versions (an edit keeps a problem's id;
a removed and re-added one is a new problem) and compares each text with difflib over
characters: Chinese has no spaces, so words are not a useful unit here."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tanhua.talks.models import FocusArea, Outline, OutlineRevision, OutlineStatus, Talk

ACTIONS = {
    "create": _lazy("起草提纲"),
    "update": _lazy("修改问题"),
    "prefill": _lazy("按画像起草"),
    "submit": _lazy("提交审定"),
    "approve": _lazy("审定"),
    "return": _lazy("退回修改"),
}
FIELDS = {
    "focus_area": _lazy("重点方面"),
    "statement": _lazy("问题"),
    "evidence": _lazy("数据和事例"),
}
# Above this many characters a side, difflib's quadratic matching is not worth its time: the
# field is shown as replaced whole.
MAX_DIFF_CHARS = 20000
# Matching runs shorter than this inside a change are shown as part of it.
MIN_KEPT = 2


# --- writing (the outline's write path only) ---------------------------------------------


def snapshot(problems) -> list[dict]:
    """The problems as a revision keeps them (saved OutlineProblem rows, in order)."""
    return [
        {"id": p.pk, "focus_area": p.focus_area, "statement": p.statement, "evidence": p.evidence}
        for p in problems
    ]


def keep(*, outline: Outline, problems: list[dict], action: str, actor) -> OutlineRevision:
    """The outline's current version as one revision (inside the caller's transaction)."""
    return OutlineRevision.objects.create(
        outline=outline,
        version=outline.version,
        action=action,
        status=outline.status,
        problems=problems,
        by=actor if actor is not None and actor.pk else None,
    )


def keep_status(*, outline: Outline, action: str, actor) -> OutlineRevision:
    """A version that changed only the status: the problems as the last revision had them."""
    last = (
        OutlineRevision.objects.unscoped("the last version of the locked outline")
        .filter(outline=outline)
        .order_by("-version")
        .values_list("problems", flat=True)
        .first()
    )
    if last is None:
        from tanhua.talks.models import OutlineProblem

        last = snapshot(
            OutlineProblem.objects.unscoped("the problems of the locked outline").filter(
                outline=outline
            )
        )
    return keep(outline=outline, problems=last, action=action, actor=actor)


def keep_many(rows: list[OutlineRevision]) -> None:
    """The bulk path's revisions (tanhua prepare), in a few INSERTs."""
    OutlineRevision.objects.bulk_create(rows, batch_size=500)


# --- reading -------------------------------------------------------------------------------


def revisions(user, talk: Talk) -> list[OutlineRevision]:
    """The talk's outline versions the user may see, newest first."""
    return list(
        OutlineRevision.objects.visible_to(user).filter(outline__talk=talk).order_by("-version")
    )


def revision(user, talk: Talk, version: int) -> OutlineRevision | None:
    return (
        OutlineRevision.objects.visible_to(user).filter(outline__talk=talk, version=version).first()
    )


def pick(revisions: list[OutlineRevision], want_from: int | None, want_to: int | None):
    """The two versions to compare, of `revisions` (newest first): `want_to` (default the
    newest) against `want_from` (default the one before it; 0 the empty outline before the
    first version). Returns (old, new, missing): `missing` is a version number asked for
    that does not exist (the pages fall back to the newest two, the API refuses)."""
    by_version = {r.version: r for r in revisions}
    new = by_version.get(want_to) if want_to is not None else (revisions[0] if revisions else None)
    if new is None:
        return None, None, want_to
    if want_from is None:
        return next((r for r in revisions if r.version < new.version), None), new, None
    if want_from == 0:
        return None, new, None
    old = by_version.get(want_from)
    return (old, new, None) if old is not None else (None, None, want_from)


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


# --- the diff --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of one problem, before and after, with its differing runs:
    `segments` is [(op, text)], op one of "same", "added", "removed"."""

    field: str
    label: str
    before: str
    after: str
    segments: list[tuple[str, str]]


@dataclass
class ProblemChange:
    """One problem across two versions: `kind` is added, removed, changed, moved or same;
    `number_before` / `number_after` its position (1-based) in each version, None where
    it is absent."""

    kind: str
    id: int | None
    number_before: int | None
    number_after: int | None
    focus_area: str
    statement: str
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(PROBLEM_KINDS[self.kind])


PROBLEM_KINDS = {
    "added": _lazy("新增"),
    "removed": _lazy("删除"),
    "changed": _lazy("修改"),
    "moved": _lazy("调整顺序"),
    "same": _lazy("未变"),
}


@dataclass
class OutlineDiff:
    old_version: int
    new_version: int
    status_before: str
    status_after: str
    problems: list[ProblemChange]

    @property
    def status_changed(self) -> bool:
        return self.status_before != self.status_after

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(PROBLEM_KINDS, 0)
        for p in self.problems:
            out[p.kind] += 1
        return out

    @property
    def unchanged(self) -> bool:
        return not self.status_changed and all(p.kind == "same" for p in self.problems)

    @property
    def summary(self) -> str:
        c = self.counts
        parts = [
            f"{PROBLEM_KINDS[k]}{c[k]}个" for k in ("added", "removed", "changed", "moved") if c[k]
        ]
        if self.status_changed:
            parts.append(
                _("状态：%(a)s → %(b)s")
                % {"a": _status_label(self.status_before), "b": _status_label(self.status_after)}
            )
        return "；".join(parts) if parts else _("两个版本的问题完全相同")

    def as_dict(self) -> dict:
        return {
            "from_version": self.old_version,
            "to_version": self.new_version,
            "status_before": self.status_before,
            "status_after": self.status_after,
            "summary": self.summary,
            "counts": self.counts,
            "problems": [
                {
                    "kind": p.kind,
                    "kind_label": p.label,
                    "id": p.id,
                    "number_before": p.number_before,
                    "number_after": p.number_after,
                    "focus_area": p.focus_area,
                    "statement": p.statement,
                    "fields": [
                        {
                            "field": f.field,
                            "label": f.label,
                            "before": f.before,
                            "after": f.after,
                            "segments": [{"op": op, "text": t} for op, t in f.segments],
                        }
                        for f in p.fields
                    ],
                }
                for p in self.problems
            ],
        }


def _status_label(status: str) -> str:
    return str(OutlineStatus(status).label) if status in OutlineStatus.values else status


def _show(name: str, value: str) -> str:
    if name == "focus_area" and value in FocusArea.values:
        return f"{value} {FocusArea(value).label}"
    return value or ""


def segments(before: str, after: str) -> list[tuple[str, str]]:
    """The runs of `before` → `after`: kept, removed and added text, in reading order."""
    if len(before) > MAX_DIFF_CHARS or len(after) > MAX_DIFF_CHARS:
        return [(op, t) for op, t in (("removed", before), ("added", after)) if t]
    runs: list[tuple[str, str, str]] = []  # (op, before's text, after's text)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        kept = tag == "equal" and (i2 - i1 >= MIN_KEPT or i1 == 0 or i2 == len(before))
        runs.append(("same" if kept else "change", before[i1:i2], after[j1:j2]))
    # A one-character match between two changes ("的", "，") reads as noise: it is folded
    # into the change around it, so a rewritten sentence shows as one removed, one added run.
    out: list[tuple[str, str]] = []
    removed = added = ""
    for op, a, b in runs:
        if op == "change":
            removed, added = removed + a, added + b
            continue
        out += [s for s in (("removed", removed), ("added", added)) if s[1]]
        removed = added = ""
        out.append(("same", a))
    out += [s for s in (("removed", removed), ("added", added)) if s[1]]
    return out


def _field_changes(old: dict, new: dict) -> list[FieldChange]:
    changes = []
    for name, label in FIELDS.items():
        a, b = _show(name, old.get(name, "")), _show(name, new.get(name, ""))
        if a != b:
            seg = [("removed", a), ("added", b)] if name == "focus_area" else segments(a, b)
            changes.append(FieldChange(name, str(label), a, b, [s for s in seg if s[1]]))
    return changes


def diff(old: OutlineRevision | None, new: OutlineRevision) -> OutlineDiff:
    """What changed from `old` (None: the empty outline before the first version) to `new`."""
    before = list(old.problems) if old is not None else []
    after = list(new.problems)
    old_by_id = {p["id"]: (n, p) for n, p in enumerate(before, start=1) if p.get("id")}
    new_ids = {p.get("id") for p in after}
    # Positions among the problems both versions hold: a problem "moved" only when its place
    # relative to the others changed, not because one before it was added or removed.
    common_old = [p["id"] for p in before if p.get("id") in new_ids]
    common_new = [p.get("id") for p in after if p.get("id") in old_by_id]
    problems: list[ProblemChange] = []
    for n, p in enumerate(after, start=1):
        hit = old_by_id.get(p.get("id"))
        if hit is None:
            problems.append(
                ProblemChange(
                    "added",
                    p.get("id"),
                    None,
                    n,
                    p["focus_area"],
                    p["statement"],
                    _field_changes({}, p),
                )
            )
            continue
        m, q = hit
        fields = _field_changes(q, p)
        moved = common_old.index(q["id"]) != common_new.index(p["id"])
        kind = "changed" if fields else "moved" if moved else "same"
        problems.append(ProblemChange(kind, p["id"], m, n, p["focus_area"], p["statement"], fields))
    for m, q in enumerate(before, start=1):
        if q.get("id") not in new_ids or not q.get("id"):
            problems.append(
                ProblemChange(
                    "removed",
                    q.get("id"),
                    m,
                    None,
                    q["focus_area"],
                    q["statement"],
                    _field_changes(q, {}),
                )
            )
    return OutlineDiff(
        old_version=old.version if old is not None else 0,
        new_version=new.version,
        status_before=old.status if old is not None else "",
        status_after=new.status,
        problems=problems,
    )
