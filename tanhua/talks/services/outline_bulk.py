"""The operator's bulk path of outlines (`tanhua prepare`): what `save_problems` does to each
talk, for thousands of talks in a few queries, with the same outlines, problems, versions,
revisions and talk statuses as the per-talk path (tanhua.talks.services.outline)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.versioning import check_fresh
from tanhua.talks.models import Outline, OutlineProblem, OutlineRevision, OutlineStatus, Talk
from tanhua.talks.services import outline_history as history
from tanhua.talks.services.outline import (
    OUTLINE_LABELS,
    ProblemDraft,
    _as_text,
    _clean,
    _refuse_if_held,
    _snapshot,
)


@dataclass(frozen=True)
class OutlineDraft:
    """One talk's problems for `save_many`, made from `expected_version` of its outline
    (None: no outline yet, or an unversioned operator write)."""

    talk_id: int
    problems: list[ProblemDraft]
    expected_version: int | None = None


@transaction.atomic
def save_many(*, actor, drafts: list[OutlineDraft]) -> dict[int, int]:
    """What `save_problems` does to each talk of `drafts`, for the operator at the command
    line only (`tanhua prepare`): the same checks and the same resulting outlines, problems,
    versions and talk statuses, in a few queries, with ONE audit entry for the batch
    ("outline.prefill": every outline's problems before and after) instead of two per talk.
    Returns each talk's outline version after the write."""
    scoping.require(actor is None)
    ids = [d.talk_id for d in drafts]
    talks = Talk.objects.unscoped("the operator's batch").select_for_update().in_bulk(ids)
    outlines = {
        o.talk_id: o
        for o in Outline.objects.unscoped("the outlines of the batch, locked")
        .select_for_update()
        .filter(talk_id__in=ids)
    }
    current: dict[int, list[OutlineProblem]] = {}
    for p in OutlineProblem.objects.unscoped("the problems of the batch").filter(
        outline_id__in=[o.pk for o in outlines.values()]
    ):
        current.setdefault(p.outline_id, []).append(p)
    plans = []
    for d in drafts:
        talk = talks.get(d.talk_id)
        scoping.require(talk is not None)
        _refuse_if_held(talk)
        outline = outlines.get(d.talk_id)
        existing = current.get(outline.pk, []) if outline else []
        if outline is not None:
            check_fresh(
                outline, d.expected_version, object_type="outline", object_id=str(talk.pk),
                labels=OUTLINE_LABELS,
            )  # fmt: skip
            if outline.status == OutlineStatus.APPROVED:
                raise ValidationError(
                    _("提纲已经谈话人审定，不能再修改；如需修改，请谈话人退回"), code="approved"
                )
        plans.append((d, outline, existing, _clean(d.problems, {p.pk for p in existing})))
    return _write_many(talks, plans)


def _write_many(talks: dict[int, Talk], plans) -> dict[int, int]:
    now = timezone.now()
    new = [Outline(talk_id=d.talk_id, version=1) for d, o, _e, _c in plans if o is None]
    made = {o.talk_id: o for o in Outline.objects.bulk_create(new)}
    removed, creates, updates, bumped = [], [], [], []
    versions, befores, afters, created_ids = {}, {}, {}, []
    revised: list[tuple[Outline, list[OutlineProblem]]] = []
    for d, outline, existing, cleaned in plans:
        outline = outline or made[d.talk_id]
        by_id = {p.pk: p for p in existing}
        before = _snapshot(existing)
        keep = {c.id for c in cleaned if c.id is not None}
        removed += [pk for pk in by_id if pk not in keep]
        after, touched = [], False
        for order, c in enumerate(cleaned, start=1):
            p = by_id.get(c.id) if c.id is not None else None
            fields = (order, c.focus_area, c.statement, c.evidence)
            if p is None:
                p = OutlineProblem(outline=outline, sources=list(c.sources or ()))
                p.order, p.focus_area, p.statement, p.evidence = fields
                creates.append(p)
                touched = True  # a new id: the per-talk path's snapshots differ too
            elif (p.order, p.focus_area, p.statement, p.evidence) != fields or (
                c.sources is not None and list(c.sources) != p.sources
            ):
                p.order, p.focus_area, p.statement, p.evidence = fields
                if c.sources is not None:
                    p.sources = list(c.sources)
                updates.append(p)
            after.append(p)
        changed = touched or _snapshot(after) != before
        if d.talk_id in made:
            created_ids.append(d.talk_id)
        if changed:
            outline.version += 1
            bumped.append(outline.pk)
            revised.append((outline, after))
            befores[d.talk_id], afters[d.talk_id] = _as_text(before), _as_text(_snapshot(after))
        versions[d.talk_id] = outline.version
    if removed:
        OutlineProblem.objects.unscoped("removing problems of the locked outlines").filter(
            pk__in=removed
        ).delete()
    OutlineProblem.objects.bulk_create(creates, batch_size=500)
    OutlineProblem.objects.unscoped("the batch's changed problems").bulk_update(
        updates, ["order", "focus_area", "statement", "evidence", "sources"], batch_size=500
    )
    # As ensure_outline and save_problems: the empty draft's version, then the filled one
    # (after the INSERT above, so new problems carry their ids).
    history.keep_many(
        [
            OutlineRevision(outline=made[t], version=1, action="create", status=made[t].status)
            for t in created_ids
        ]
        + [
            OutlineRevision(
                outline=o, version=o.version, action="prefill", status=o.status,
                problems=history.snapshot(problems),
            )
            for o, problems in revised
        ]
    )  # fmt: skip
    if bumped:
        from django.db.models import F

        Outline.objects.unscoped("the batch's new versions").filter(pk__in=bumped).update(
            version=F("version") + 1, updated_at=now
        )
    if created_ids:
        # As ensure_outline's _set_status: a planned talk with an outline is being prepared.
        from tanhua.talks.models import HELD_OR_LATER, TalkStatus

        Talk.objects.unscoped("the batch's talks now being prepared").filter(
            pk__in=created_ids
        ).exclude(status__in=[*HELD_OR_LATER, TalkStatus.PREPARING]).update(
            status=TalkStatus.PREPARING, updated_at=now
        )
    if created_ids or afters:
        audit.record(
            "outline.prefill",
            object_type="outline",
            object_id=f"{min(versions)}…{max(versions)}",
            before={"problems": befores},
            after={"problems": afters},
            detail={"created": created_ids, "updated": len(afters), "versions": versions},
            actor=None,
        )
    return versions
