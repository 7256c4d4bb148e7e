"""A talk's page (role-aware) and its outline editor.

Who sees what is the scoping layer's (Talk/Outline/TalkRecord.visible_to); the views decide
only which of the visible parts a role's page shows: the subject's page shows the time and
place before the talk and the problems pointed out after it — never the outline."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.core.versioning import StaleEdit
from tanhua.talks.models import (
    FocusArea,
    Outline,
    OutlineProblem,
    OutlineStatus,
    RecordAddendum,
    RecordProblem,
    Talk,
    TalkRecord,
)
from tanhua.talks.services import outline as outlines
from tanhua.talks.services import record as records


@dataclass(frozen=True)
class Part:
    """The user's part in one talk."""

    staff: bool
    talker: bool
    writer: bool
    subject: bool

    @property
    def full(self) -> bool:
        """Sees the whole talk: staff in scope, the talker, the recorder and the 陪谈."""
        return self.staff or self.talker or self.writer


def part_in(user, talk: Talk) -> Part:
    subject = records.is_subject(user, talk)
    return Part(
        # A user who is this talk's subject sees it as its subject, whatever else they are.
        staff=bool(scoping.user_roles(user) & R.PLAN_TALKS) and not subject,
        talker=outlines.is_talker(user, talk) and not subject,
        writer=records.may_write(user, talk) and not subject,
        subject=subject,
    )


def visible_talk(request, pk: int) -> Talk:
    qs = Talk.objects.visible_to(request.user).select_related(
        "campaign", "talker", "subject", "subject_org", "recorder", "companion"
    )
    # Fetched through visible_to: its read entry names its subject and talker
    # (Talk.AUDIT_PERSON).
    return get_object_or_404(qs, pk=pk)


def record_of(user, talk: Talk) -> TalkRecord | None:
    return TalkRecord.objects.visible_to(user).filter(talk=talk).first()


def outline_of(user, talk: Talk) -> Outline | None:
    return Outline.objects.visible_to(user).filter(talk=talk).first()


@login_required
@require_GET
def detail(request, pk: int):
    user = request.user
    talk = visible_talk(request, pk)
    part = part_in(user, talk)
    record = record_of(user, talk)
    problems = list(RecordProblem.objects.visible_to(user).filter(record__talk=talk))
    context = {"talk": talk, "part": part, "record": record, "problems": problems}
    if part.subject:
        context["may_confirm"] = (
            record is not None and records.confirm_refusal(user, talk, record) is None
        )
        return render(request, "talks/detail_subject.html", context)
    outline = outline_of(user, talk)
    context.update(
        outline=outline,
        outline_problems=list(
            OutlineProblem.objects.visible_to(user).filter(outline__talk=talk)
        )
        if outline
        else [],
        addenda=list(RecordAddendum.objects.visible_to(user).filter(record__talk=talk)),
        may_confirm=part.talker and record is not None
        and records.confirm_refusal(user, talk, record) is None,
        start_refusal=records.start_refusal(talk),
    )  # fmt: skip
    return render(request, "talks/detail.html", context)


# --- the outline -----------------------------------------------------------------------------


def _outline_context(request, talk: Talk, part: Part, error: str = "") -> dict:
    outline = outline_of(request.user, talk)
    problems = (
        list(OutlineProblem.objects.visible_to(request.user).filter(outline__talk=talk))
        if outline
        else []
    )
    editable = (
        part.staff
        and not talk.is_held
        and (outline is None or outline.status != OutlineStatus.APPROVED)
    )
    return {
        "talk": talk,
        "part": part,
        "outline": outline,
        "problems": problems,
        "editable": editable,
        "may_submit": editable and outline is not None and outline.status == OutlineStatus.DRAFT,
        "may_decide": part.talker
        and outline is not None
        and not talk.is_held
        and outline.status == OutlineStatus.SUBMITTED,
        "may_return": part.talker
        and outline is not None
        and not talk.is_held
        and outline.status == OutlineStatus.APPROVED,
        "focus_areas": FocusArea.choices,
        "error": error,
        "revisions": _revisions(request.user, talk) if outline else [],
    }


def _revisions(user, talk: Talk) -> list:
    from tanhua.talks.services import outline_history as history

    revisions = history.revisions(user, talk)
    for r in revisions:
        r.action_label = history.action_label(r.action)
    return revisions


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _apply_outline_action(request, talk: Talk) -> str:
    """One POSTed action of the editor; returns what to tell the user."""
    user, post = request.user, request.POST
    action = post.get("action", "")
    version = _int(post.get("version"))
    if version is None:
        raise ValidationError(_("页面已过期，请刷新后重试"), code="version")
    problem_id = _int(post.get("problem"))
    text = {k: post.get(k, "") for k in ("focus_area", "statement", "evidence")}
    common = {"actor": user, "talk": talk, "expected_version": version}
    if action == "add":
        outlines.add_problem(**common, **text)
        return _("已新增问题")
    if action == "edit" and problem_id:
        outlines.edit_problem(**common, problem_id=problem_id, **text)
        return _("已保存")
    if action == "remove" and problem_id:
        outlines.remove_problem(**common, problem_id=problem_id)
        return _("已删除问题")
    if action in {"up", "down"} and problem_id:
        outlines.move_problem(**common, problem_id=problem_id, by=-1 if action == "up" else 1)
        return _("已调整顺序")
    if action == "submit":
        outlines.submit(**common)
        return _("已提交谈话人审定")
    if action == "approve":
        outlines.approve(**common)
        return _("提纲已审定")
    if action == "return":
        outlines.return_outline(**common, comment=post.get("comment", ""))
        return _("提纲已退回修改")
    raise ValidationError(_("不认识的操作，请刷新后重试"), code="action")


@login_required
@require_http_methods(["GET", "POST"])
def outline(request, pk: int):
    """The outline: staff edit it (htmx, one versioned save per action), the talker approves
    or returns it, the recorder and the 陪谈 read it. Never the subject's (404)."""
    talk = visible_talk(request, pk)
    part = part_in(request.user, talk)
    scoping.require(part.full)
    if outline_of(request.user, talk) is None and not part.staff:
        raise scoping.OutOfScope
    if request.method == "POST":
        error, done = "", ""
        try:
            done = _apply_outline_action(request, talk)
        except StaleEdit as stale:
            error = stale.message
        except ValidationError as refused:
            error = "；".join(refused.messages)
        talk = visible_talk(request, pk)
        if not request.htmx:
            if error:
                messages.error(request, error)
            else:
                messages.success(request, done)
            return redirect("talks:outline", pk=talk.pk)
        context = _outline_context(request, talk, part, error)
        context["done"] = done
        return render(request, "talks/_outline.html", context)
    return render(request, "talks/outline.html", _outline_context(request, talk, part))
