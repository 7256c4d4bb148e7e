"""The talk's outline (谈话提纲): staff in scope draft its problems by focus area, submit it to
the talker, who approves it or returns it with a comment. An approved outline is frozen until
the talker returns it; a held talk's outline never changes again.

Every change goes through `save_problems`, which takes the whole list of problems the editor
saw (each with its id where it exists) and the version it was made from: the page's single
edits (add, edit, remove, reorder) and the API's PUT are all that one versioned write. The
preparation stage (issue 10) fills the same Outline/OutlineProblem through it, with its
evidence text, so there is one outline and one write path."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.versioning import check_fresh
from tanhua.talks.models import (
    FocusArea,
    Outline,
    OutlineProblem,
    OutlineStatus,
    Talk,
    TalkRecord,
)
from tanhua.talks.services import outline_history as history
from tanhua.talks.services.state import settled_status

MAX_PROBLEMS = 12
MAX_STATEMENT = 2000
MAX_EVIDENCE = 8000
MAX_COMMENT = 500
OUTLINE_LABELS = {"problems": _lazy("提纲问题"), "status": _lazy("状态")}


@dataclass(frozen=True)
class ProblemDraft:
    """One problem as the editor sent it: `id` of an existing problem of this outline, or
    None for a new one. Order is the list's order."""

    focus_area: str
    statement: str
    evidence: str = ""
    id: int | None = None
    # Source records the evidence cites (OutlineProblem.sources); None keeps what it had.
    sources: tuple | None = None


# --- who may ------------------------------------------------------------------------------


def _visible_talk(actor, talk: Talk) -> Talk:
    """The talk as the actor may act on it (404 otherwise: never their own talk), locked for
    the change. `actor=None` is the operator at the command line (`tanhua prepare`), who
    prepares every talk."""
    if actor is not None:
        scoping.require(Talk.objects.handled_by(actor).filter(pk=talk.pk).exists())
    return (
        Talk.objects.unscoped("locking a talk the actor sees").select_for_update().get(pk=talk.pk)
    )


def may_draft(user, talk: Talk) -> bool:
    """Staff who plan talks and see this one (the visibility is the caller's check); the
    operator (None) at the command line."""
    if user is None:
        return True
    return bool(scoping.user_roles(user) & R.PLAN_TALKS)


def is_talker(user, talk: Talk) -> bool:
    cadre_id = getattr(user, "cadre_id", None)
    return (
        R.Role.TALKER in scoping.user_roles(user)
        and cadre_id is not None
        and cadre_id == talk.talker_id
    )


def _refuse_if_held(talk: Talk) -> None:
    if talk.is_held:
        raise ValidationError(_("谈话已进行，提纲不能再修改"), code="held")


def _locked_outline(talk: Talk) -> Outline:
    outline = (
        Outline.objects.unscoped("the outline of a talk the actor sees, locked for the change")
        .select_for_update()
        .filter(talk_id=talk.pk)
        .first()
    )
    if outline is None:
        raise ValidationError(_("提纲尚未起草"), code="no_outline")
    return outline


def _problems(outline: Outline) -> list[OutlineProblem]:
    return list(
        OutlineProblem.objects.unscoped("the problems of an outline the actor sees").filter(
            outline=outline
        )
    )


def _snapshot(problems) -> list[dict]:
    return [
        {"id": p.pk, "focus_area": p.focus_area, "statement": p.statement, "evidence": p.evidence}
        for p in problems
    ]


def _set_status(talk: Talk) -> None:
    status = settled_status(talk)
    if status != talk.status:
        talk.status = status
        talk.save(update_fields=["status", "updated_at"])


def _talker_users(talk: Talk):
    from tanhua.accounts.models import User

    return list(
        User.objects.filter(
            cadre_id=talk.talker_id, is_active=True, role_grants__role=R.Role.TALKER
        ).distinct()
    )


# --- the write path ----------------------------------------------------------------------


@transaction.atomic
def ensure_outline(*, actor, talk: Talk) -> Outline:
    """The talk's outline, created empty (a draft) where it has none."""
    talk = _visible_talk(actor, talk)
    scoping.require(may_draft(actor, talk))
    existing = Outline.objects.unscoped("does the talk have an outline").filter(talk=talk).first()
    if existing is not None:
        return existing
    _refuse_if_held(talk)
    outline = Outline.objects.create(talk=talk, drafted_by=actor)
    history.keep(outline=outline, problems=[], action="create", actor=actor)
    audit.record(
        "outline.create",
        object_type="outline",
        object_id=str(talk.pk),
        after={"status": outline.status},
        actor=actor,
    )
    _set_status(talk)
    return outline


def _clean(drafts: list[ProblemDraft], existing_ids: set[int]) -> list[ProblemDraft]:
    if len(drafts) > MAX_PROBLEMS:
        raise ValidationError(
            _("提纲最多%(n)d个问题（一般为3—4个），请精简") % {"n": MAX_PROBLEMS}, code="too_many"
        )
    out = []
    for i, d in enumerate(drafts, start=1):
        if d.focus_area not in FocusArea.values:
            raise ValidationError(
                _("第%(i)d个问题：请选择重点方面（A1—A4）") % {"i": i}, code="focus_area"
            )
        statement = (d.statement or "").strip()
        if not statement:
            raise ValidationError(_("第%(i)d个问题：问题表述不能为空") % {"i": i}, code="statement")
        if len(statement) > MAX_STATEMENT or len(d.evidence or "") > MAX_EVIDENCE:
            raise ValidationError(_("第%(i)d个问题：内容过长") % {"i": i}, code="too_long")
        if d.id is not None and d.id not in existing_ids:
            raise ValidationError(
                _("第%(i)d个问题已不在此提纲中，请刷新后重试") % {"i": i}, code="unknown_problem"
            )
        out.append(
            ProblemDraft(
                focus_area=d.focus_area,
                statement=statement,
                evidence=(d.evidence or "").strip(),
                id=d.id,
                sources=None if d.sources is None else tuple(d.sources),
            )
        )
    if len({d.id for d in out if d.id is not None}) != len([d for d in out if d.id is not None]):
        raise ValidationError(_("同一问题出现了两次，请刷新后重试"), code="duplicate")
    return out


@transaction.atomic
def save_problems(
    *, actor, talk: Talk, problems: list[ProblemDraft], expected_version: int | None
) -> Outline:
    """Replace the outline's problems by `problems` (in this order), as one new version.
    Refused while approved (the talker returns it first) and once the talk is held."""
    talk = _visible_talk(actor, talk)
    scoping.require(may_draft(actor, talk))
    _refuse_if_held(talk)
    if not Outline.objects.unscoped("does the talk have an outline").filter(talk=talk).exists():
        ensure_outline(actor=actor, talk=talk)
    outline = _locked_outline(talk)
    check_fresh(
        outline,
        expected_version,
        object_type="outline",
        object_id=str(talk.pk),
        labels=OUTLINE_LABELS,
    )
    if outline.status == OutlineStatus.APPROVED:
        raise ValidationError(
            _("提纲已经谈话人审定，不能再修改；如需修改，请谈话人退回"), code="approved"
        )
    current = _problems(outline)
    by_id = {p.pk: p for p in current}
    drafts = _clean(problems, set(by_id))
    before = _snapshot(current)
    keep = {d.id for d in drafts if d.id is not None}
    removed = [pk for pk in by_id if pk not in keep]
    if removed:
        OutlineProblem.objects.unscoped("removing problems of the locked outline").filter(
            pk__in=removed
        ).delete()
    saved = []
    for order, d in enumerate(drafts, start=1):
        p = by_id.get(d.id) if d.id is not None else None
        if p is None:
            p = OutlineProblem(outline=outline)
        p.order, p.focus_area, p.statement, p.evidence = (
            order,
            d.focus_area,
            d.statement,
            d.evidence,
        )
        if d.sources is not None:
            p.sources = list(d.sources)
        p.save()
        saved.append(p)
    after = _snapshot(saved)
    if after == before:
        return outline
    outline.bump_version()
    outline.save(update_fields=["version", "updated_at"])
    history.keep(outline=outline, problems=history.snapshot(saved), action="update", actor=actor)
    audit.record(
        "outline.update",
        object_type="outline",
        object_id=str(talk.pk),
        before={"problems": _as_text(before)},
        after={"problems": _as_text(after)},
        detail={"version": outline.version, "count": len(after), "removed": len(removed)},
        actor=actor,
    )
    return outline


def _as_text(snapshot: list[dict]) -> str:
    """The problems as one line each, so a refused stale edit can say what changed."""
    return "；".join(f"{p['focus_area']} {p['statement'][:40]}" for p in snapshot)


def current_drafts(outline: Outline) -> list[ProblemDraft]:
    return [
        ProblemDraft(focus_area=p.focus_area, statement=p.statement, evidence=p.evidence, id=p.pk)
        for p in _problems(outline)
    ]


def add_problem(*, actor, talk, focus_area, statement, evidence="", expected_version) -> Outline:
    outline = ensure_outline(actor=actor, talk=talk)
    drafts = [*current_drafts(outline), ProblemDraft(focus_area, statement, evidence)]
    return save_problems(actor=actor, talk=talk, problems=drafts, expected_version=expected_version)


def edit_problem(
    *, actor, talk, problem_id: int, focus_area, statement, evidence="", expected_version
) -> Outline:
    outline = ensure_outline(actor=actor, talk=talk)
    drafts = [
        ProblemDraft(focus_area, statement, evidence, d.id) if d.id == problem_id else d
        for d in current_drafts(outline)
    ]
    return save_problems(actor=actor, talk=talk, problems=drafts, expected_version=expected_version)


def remove_problem(*, actor, talk, problem_id: int, expected_version) -> Outline:
    outline = ensure_outline(actor=actor, talk=talk)
    drafts = [d for d in current_drafts(outline) if d.id != problem_id]
    return save_problems(actor=actor, talk=talk, problems=drafts, expected_version=expected_version)


def move_problem(*, actor, talk, problem_id: int, by: int, expected_version) -> Outline:
    """Move one problem up (by=-1) or down (by=1)."""
    outline = ensure_outline(actor=actor, talk=talk)
    drafts = current_drafts(outline)
    ids = [d.id for d in drafts]
    if problem_id in ids:
        i = ids.index(problem_id)
        j = max(0, min(len(drafts) - 1, i + by))
        drafts[i], drafts[j] = drafts[j], drafts[i]
    return save_problems(actor=actor, talk=talk, problems=drafts, expected_version=expected_version)


@transaction.atomic
def submit(*, actor, talk: Talk, expected_version: int | None) -> Outline:
    """Staff hand the draft to the talker for approval (the talker is told)."""
    talk = _visible_talk(actor, talk)
    scoping.require(may_draft(actor, talk))
    _refuse_if_held(talk)
    outline = _locked_outline(talk)
    check_fresh(
        outline, expected_version, object_type="outline", object_id=str(talk.pk),
        labels=OUTLINE_LABELS,
    )  # fmt: skip
    if outline.status != OutlineStatus.DRAFT:
        raise ValidationError(_("提纲已提交或已审定，无需再次提交"), code="status")
    if not _problems(outline):
        raise ValidationError(_("提纲还没有问题，请先填写要指出的问题"), code="empty")
    outline.status = OutlineStatus.SUBMITTED
    outline.drafted_by = actor
    outline.bump_version()
    outline.save(update_fields=["status", "drafted_by", "version", "updated_at"])
    history.keep_status(outline=outline, action="submit", actor=actor)
    audit.record(
        "outline.submit",
        object_type="outline",
        object_id=str(talk.pk),
        before={"status": OutlineStatus.DRAFT},
        after={"status": outline.status},
        detail={"version": outline.version},
        actor=actor,
    )
    from tanhua.notices.services import notify

    notify(
        recipients=_talker_users(talk),
        event_key=f"outline:{outline.pk}:submitted:{outline.version}",
        kind="outline_submitted",
        title=_("谈话提纲待您审定"),
        body=_("谈话时间：%(t)s") % {"t": _when(talk)},
        url=reverse("talks:outline", kwargs={"pk": talk.pk}),
    )
    return outline


def _when(talk: Talk) -> str:
    if talk.scheduled_start is None:
        return _("尚未安排")
    return timezone.localtime(talk.scheduled_start).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def approve(*, actor, talk: Talk, expected_version: int | None) -> Outline:
    """The talker approves the outline they were sent; it is frozen from now on."""
    talk = _visible_talk(actor, talk)
    scoping.require(is_talker(actor, talk))
    _refuse_if_held(talk)
    outline = _locked_outline(talk)
    check_fresh(
        outline, expected_version, object_type="outline", object_id=str(talk.pk),
        labels=OUTLINE_LABELS,
    )  # fmt: skip
    if outline.status != OutlineStatus.SUBMITTED:
        message = (
            _("提纲已审定")
            if outline.status == OutlineStatus.APPROVED
            else _("提纲尚未提交审定，请工作人员先提交")
        )
        raise ValidationError(message, code="status")
    outline.status = OutlineStatus.APPROVED
    outline.approved_by = actor
    outline.approved_at = timezone.now()
    outline.return_comment = ""
    outline.bump_version()
    outline.save(
        update_fields=[
            "status", "approved_by", "approved_at", "return_comment", "version", "updated_at",
        ]
    )  # fmt: skip
    history.keep_status(outline=outline, action="approve", actor=actor)
    audit.record(
        "outline.approve",
        object_type="outline",
        object_id=str(talk.pk),
        before={"status": OutlineStatus.SUBMITTED},
        after={"status": outline.status},
        detail={"version": outline.version},
        actor=actor,
    )
    _set_status(talk)
    _tell_staff(talk, outline, "approved", _("谈话提纲已审定"), "")
    return outline


@transaction.atomic
def return_outline(*, actor, talk: Talk, comment: str, expected_version: int | None) -> Outline:
    """The talker sends the outline back to staff with what to change (also an approved one,
    until the talk is held)."""
    talk = _visible_talk(actor, talk)
    scoping.require(is_talker(actor, talk))
    _refuse_if_held(talk)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("请填写退回意见，说明需要修改什么"), code="comment")
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("退回意见不能超过%(n)d个字") % {"n": MAX_COMMENT}, code="comment")
    outline = _locked_outline(talk)
    check_fresh(
        outline, expected_version, object_type="outline", object_id=str(talk.pk),
        labels=OUTLINE_LABELS,
    )  # fmt: skip
    if outline.status == OutlineStatus.DRAFT:
        raise ValidationError(_("提纲尚未提交审定，无需退回"), code="status")
    if TalkRecord.objects.unscoped("has the talk's record started").filter(talk=talk).exists():
        raise ValidationError(_("谈话记录已开始，提纲不能再退回"), code="record_started")
    before = outline.status
    outline.status = OutlineStatus.DRAFT
    outline.return_comment = comment
    outline.approved_by = None
    outline.approved_at = None
    outline.bump_version()
    outline.save(
        update_fields=[
            "status", "return_comment", "approved_by", "approved_at", "version", "updated_at",
        ]
    )  # fmt: skip
    history.keep_status(outline=outline, action="return", actor=actor)
    audit.record(
        "outline.return",
        object_type="outline",
        object_id=str(talk.pk),
        before={"status": before},
        after={"status": outline.status},
        detail={"version": outline.version, "comment": comment},
        actor=actor,
    )
    _set_status(talk)
    _tell_staff(talk, outline, "returned", _("谈话提纲被退回修改"), comment)
    return outline


def _tell_staff(talk: Talk, outline: Outline, what: str, title: str, body: str) -> None:
    from tanhua.notices.services import notify

    notify(
        recipients=[outline.drafted_by] if outline.drafted_by_id else [],
        event_key=f"outline:{outline.pk}:{what}:{outline.version}",
        kind=f"outline_{what}",
        title=title,
        body=body,
        url=reverse("talks:outline", kwargs={"pk": talk.pk}),
    )


# The operator's bulk path (tanhua prepare) lives beside this module; callers import it here.
from tanhua.talks.services.outline_bulk import OutlineDraft, save_many  # noqa: E402

__all__ = ["OutlineDraft", "ProblemDraft", "save_many", "save_problems"]
