"""The preparation's write paths: `prepare` computes the portraits of a set of planned talks
(one snapshot per talk per day: the same day replaces it) and drafts each outline from the
chosen candidates through `tanhua.talks.services.outline.save_problems` — the outline's one
write path — but only an outline nobody has edited since (OutlinePrefill holds the version
the draft left it at); `save_scheme` (ecology.py) edits the 政治生态 scheme."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from tanhua.audit import services as audit
from tanhua.portrait import candidates as cands
from tanhua.portrait.build import Portraits, TalkFacts, load
from tanhua.portrait.models import OutlinePrefill, Portrait

CHUNK = 500


@dataclass
class Summary:
    talks: int = 0
    portraits_created: int = 0
    portraits_updated: int = 0
    outlines_drafted: int = 0
    outlines_updated: int = 0
    outlines_unchanged: int = 0
    outlines_kept: int = 0  # edited by a person: never overwritten
    outlines_frozen: int = 0  # submitted or approved
    seconds: float = 0.0
    load_seconds: float = 0.0
    portraits: dict[int, int] = field(default_factory=dict)  # talk -> portrait id

    def line(self) -> str:
        return (
            f"谈话 {self.talks} 人次：画像新建 {self.portraits_created}、更新 "
            f"{self.portraits_updated}；提纲草稿新拟 {self.outlines_drafted}、更新 "
            f"{self.outlines_updated}、无变化 {self.outlines_unchanged}、已有人修改未覆盖 "
            f"{self.outlines_kept}、已提交或审定 {self.outlines_frozen}；"
            f"用时 {self.seconds:.1f} 秒（读取数据 {self.load_seconds:.1f} 秒）。"
        )


def planned_talks(*, year: int, committee_ids: list[int] | None, talk_ids: list[int] | None):
    """The not-yet-held political supervision talks of the year's campaigns (values)."""
    from tanhua.talks.models import HELD_OR_LATER, Talk, TalkType

    qs = (
        Talk.objects.unscoped("tanhua prepare: the planned talks in scope")
        .filter(campaign__year=year, type=TalkType.POLITICAL_SUPERVISION)
        .exclude(status__in=list(HELD_OR_LATER))
    )
    if committee_ids is not None:
        qs = qs.filter(campaign__committee_id__in=committee_ids)
    if talk_ids is not None:
        qs = qs.filter(pk__in=talk_ids)
    return [
        TalkFacts(*row)
        for row in qs.order_by("campaign__committee__path", "pk").values_list(
            "pk",
            "subject_id",
            "subject__name",
            "subject_title",
            "subject_org_id",
            "campaign__committee_id",
            "campaign__committee__path",
            "campaign__year",
        )
    ]


def prepare(
    *,
    actor,
    year: int,
    committee_ids: list[int] | None = None,
    talk_ids: list[int] | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Portraits and draft outlines of the planned talks in scope (`actor=None`: the
    operator at the command line; a staff member's scope is the caller's check)."""
    started = time.monotonic()
    as_of = as_of or timezone.localdate()
    talks = planned_talks(year=year, committee_ids=committee_ids, talk_ids=talk_ids)
    summary = Summary(talks=len(talks))
    if not talks:
        summary.seconds = time.monotonic() - started
        return summary
    store = load(sorted({t.committee_path for t in talks}), year, {t.subject_id for t in talks})
    summary.load_seconds = time.monotonic() - started
    portraits = Portraits(store, as_of)
    # In chunks: a province's 9,000 portraits held at once would cost gigabytes.
    for start in range(0, len(talks), CHUNK):
        chunk = talks[start : start + CHUNK]
        datas = {t.id: portraits.portrait(t) for t in chunk}
        _store_portraits(datas, as_of, summary)
        _prefill_all(actor, chunk, datas, summary, progress)
        del datas
    audit.record(
        "portrait.compute",
        object_type="portrait",
        object_id=str(year),
        after={"talks": len(talks), "as_of": as_of.isoformat()},
        detail={"created": summary.portraits_created, "updated": summary.portraits_updated},
        actor=actor,
    )
    summary.seconds = time.monotonic() - started
    return summary


@transaction.atomic
def _store_portraits(datas: dict[int, dict], as_of: dt.date, summary: Summary) -> None:
    existing = dict(
        Portrait.objects.unscoped("tanhua prepare: today's snapshots")
        .filter(as_of=as_of, talk_id__in=list(datas))
        .values_list("talk_id", "pk")
    )
    now = timezone.now()
    new = [t for t in datas if t not in existing]
    update = [t for t in datas if t in existing]
    # Plain executemany: Django's bulk_create on PostgreSQL sends the batch as arrays
    # (UNNEST) whose every JSON quote psycopg escapes one regex match at a time, and
    # bulk_update's CASE WHEN repeats each large snapshot in one statement (both seconds per
    # chunk at province scale). The table name is the model's own, never input.
    table = connection.ops.quote_name(Portrait._meta.db_table)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    insert = (
        f"INSERT INTO {table} (talk_id, as_of, data, computed_at) VALUES (%s, %s, %s{cast}, %s)"  # noqa: S608
    )
    change = f"UPDATE {table} SET data = %s{cast}, computed_at = %s WHERE id = %s"  # noqa: S608
    with connection.cursor() as cur:
        if new:
            cur.executemany(insert, [(t, as_of, json.dumps(datas[t]), now) for t in new])
        if update:
            cur.executemany(change, [(json.dumps(datas[t]), now, existing[t]) for t in update])
    summary.portraits_created += len(new)
    summary.portraits_updated += len(update)
    summary.portraits.update(existing)
    summary.portraits.update(
        Portrait.objects.unscoped("tanhua prepare: ids of the new snapshots")
        .filter(as_of=as_of, talk_id__in=new)
        .values_list("talk_id", "pk")
    )


def _prefill_all(actor, talks, datas, summary: Summary, progress) -> None:
    from tanhua.talks.models import Outline, OutlineProblem, OutlineStatus

    ids = [t.id for t in talks]
    outlines = {
        t: (pk, v, s)
        for t, pk, v, s in Outline.objects.unscoped("tanhua prepare: outlines of the talks")
        .filter(talk_id__in=ids)
        .values_list("talk_id", "pk", "version", "status")
    }
    problems: dict[int, list[int]] = {}
    for oid, pk in (
        OutlineProblem.objects.unscoped("tanhua prepare: problems of the outlines")
        .filter(outline_id__in=[o[0] for o in outlines.values()])
        .order_by("outline_id", "order", "pk")
        .values_list("outline_id", "pk")
    ):
        problems.setdefault(oid, []).append(pk)
    marks = dict(
        OutlinePrefill.objects.filter(talk_id__in=ids).values_list("talk_id", "outline_version")
    )
    todo = []
    for t in talks:
        outline = outlines.get(t.id)
        if outline is not None and outline[2] != OutlineStatus.DRAFT:
            summary.outlines_frozen += 1
        elif outline is not None and not _untouched(
            outline, problems.get(outline[0], []), marks.get(t.id)
        ):
            summary.outlines_kept += 1
        else:
            draft = _draft(t, datas[t.id], outline, problems.get(outline[0], []) if outline else [])
            if draft is not None:
                todo.append((draft, outline))
    _prefill_many(actor, todo, summary)
    if progress:
        progress(len(talks))


def _untouched(outline, problem_ids, mark) -> bool:
    """Nobody edited it: it is as the last draft left it, or empty and never saved."""
    _pk, version, _status = outline
    if mark is not None:
        return mark == version
    return not problem_ids and version == 1


def _draft(t: TalkFacts, data: dict, outline, problem_ids):
    """The outline the chosen candidates make, reusing the outline's problem ids in order
    (the per-talk path's drafts); None where there is nothing to draft."""
    from tanhua.talks.services.outline import OutlineDraft, ProblemDraft

    chosen = [c for c in data["candidates"] if c.get("chosen")]
    chosen.sort(key=lambda c: -c["score"])
    drafts = [
        ProblemDraft(
            focus_area=c["focus_area"],
            statement=c["statement"],
            evidence=cands.evidence_text(c, data),
            id=problem_ids[n] if n < len(problem_ids) else None,
            sources=tuple(cands.sources(c)),
        )
        for n, c in enumerate(chosen)
    ]
    if not drafts and outline is None:
        return None
    return OutlineDraft(t.id, drafts, outline[1] if outline else None)


def _prefill_many(actor, todo, summary: Summary) -> None:
    """The chunk's drafts in one write (the operator at the command line: one audit entry
    per chunk), or talk by talk through save_problems for a person (one entry each)."""
    from tanhua.talks.models import Talk
    from tanhua.talks.services.outline import save_many, save_problems

    if not todo:
        return
    with transaction.atomic():
        if actor is None:
            versions = save_many(actor=None, drafts=[d for d, _o in todo])
        else:
            versions = {
                d.talk_id: save_problems(
                    actor=actor, talk=Talk(pk=d.talk_id), problems=d.problems,
                    expected_version=d.expected_version,
                ).version
                for d, _o in todo
            }  # fmt: skip
        marks = dict(
            OutlinePrefill.objects.filter(talk_id__in=list(versions)).values_list("talk_id", "pk")
        )
        now = timezone.now()
        rows = [
            OutlinePrefill(
                pk=marks.get(t), talk_id=t, outline_version=v,
                portrait_id=summary.portraits.get(t), at=now,
            )
            for t, v in versions.items()
        ]  # fmt: skip
        OutlinePrefill.objects.bulk_create([r for r in rows if r.pk is None], batch_size=500)
        OutlinePrefill.objects.bulk_update(
            [r for r in rows if r.pk is not None], ["outline_version", "portrait", "at"],
            batch_size=500,
        )  # fmt: skip
    for draft, outline in todo:
        if outline is None:
            summary.outlines_drafted += 1
        elif versions[draft.talk_id] == outline[1]:
            summary.outlines_unchanged += 1
        else:
            summary.outlines_updated += 1
