"""The plan page of a talk (三清单): the subject (or staff for them) files and edits the
problems and measures, records the 民主生活会 analyses and submits; the talker's side
approves or returns; everyone who may read it sees the versions.

Reads start from `visible_to(user)`; the part a visible user plays is
tanhua.rectification.services.rules'. Each POST is one service call (htmx swaps the body)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tanhua.core import scoping
from tanhua.core.versioning import StaleEdit
from tanhua.rectification import forms
from tanhua.rectification.models import (
    LifeMeetingAnalysis,
    Measure,
    MeasureKind,
    PlanStatus,
    PlanVersion,
    Problem,
    RectificationPlan,
)
from tanhua.rectification.services import analysis, edits, rules
from tanhua.rectification.services import plan as plans
from tanhua.talks.models import FocusArea, Talk


def visible_talk(request, pk: int) -> Talk:
    qs = Talk.objects.visible_to(request.user).select_related(
        "campaign__committee", "talker", "subject", "subject_org"
    )
    talk = get_object_or_404(qs, pk=pk)
    scoping.require(rules.may_read_plan(request.user, talk))
    return talk


def plan_context(request, talk: Talk, error: str = "", done: str = "") -> dict:
    user = request.user
    plan = RectificationPlan.objects.visible_to(user).filter(talk=talk).first()
    problems, versions = [], []
    if plan is not None:
        measures: dict[int, list] = {}
        for m in (
            Measure.objects.visible_to(user)
            .filter(problem__plan=plan)
            .select_related("owner_cadre", "owner_org")
        ):
            measures.setdefault(m.problem_id, []).append(m)
        analyses: dict[int, list] = {}
        for a in LifeMeetingAnalysis.objects.visible_to(user).filter(problem__plan=plan):
            analyses.setdefault(a.problem_id, []).append(a)
        problems = [
            {"p": p, "measures": measures.get(p.pk, []), "analyses": analyses.get(p.pk, [])}
            for p in Problem.objects.visible_to(user).filter(plan=plan)
        ]
        versions = list(PlanVersion.objects.visible_to(user).filter(plan=plan).select_related("by"))
    filer = rules.may_file(user, talk)
    supervisor = rules.is_talker_side(user, talk)
    status = plan.status if plan else None
    editable = filer and (plan is None or status in plans.EDITABLE)
    own_submission = plan is not None and plan.filed_by_id == user.pk
    return {
        "talk": talk,
        "plan": plan,
        "problems": problems,
        "versions": versions,
        "may_start": filer and plan is None and talk.status in plans.FILED_STATUSES,
        "editable": editable and plan is not None,
        "may_submit": editable and plan is not None and bool(problems),
        "may_decide": supervisor and status == PlanStatus.SUBMITTED and not own_submission,
        "own_submission": supervisor and status == PlanStatus.SUBMITTED and own_submission,
        "may_analyse": filer and plan is not None,
        "meeting_date": analysis.meeting_date_of(talk),
        "focus_areas": FocusArea.choices,
        "kinds": MeasureKind.choices,
        "error": error,
        "done": done,
    }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _valid(form) -> dict:
    if not form.is_valid():
        raise ValidationError(forms.first_error(form), code="form")
    return form.cleaned_data


def _measure_draft(post, measure_id: int | None) -> plans.MeasureDraft:
    data = _valid(forms.MeasureForm(post))
    return plans.MeasureDraft(
        text=data["text"], owner_code=data["owner_code"], deadline=data["deadline"],
        kind=data["kind"], target_value=data["target_value"],
        target_unit=data["target_unit"], id=measure_id,
    )  # fmt: skip


def _apply(request, talk: Talk) -> str:
    """One POSTed action of the plan page; returns what to tell the user."""
    user, post = request.user, request.POST
    action = post.get("action", "")
    if action == "start":
        plans.ensure_plan(actor=user, talk=talk)
        return _("已开始填报：谈话中指出的问题已列入问题清单，请为每个问题填写整改举措")
    version = _int(post.get("version"))
    if version is None:
        raise ValidationError(_("页面已过期，请刷新后重试"), code="version")
    common = {"actor": user, "talk": talk, "expected_version": version}
    problem_id, measure_id = _int(post.get("problem")), _int(post.get("measure"))
    if action == "add_problem":
        data = _valid(forms.ProblemForm(post))
        edits.add_problem(**common, focus_area=data["focus_area"], text=data["text"])
        return _("已新增问题")
    if action == "edit_problem" and problem_id:
        data = _valid(forms.ProblemForm(post))
        edits.edit_problem(
            **common, problem_id=problem_id, focus_area=data["focus_area"], text=data["text"]
        )
        return _("已保存问题")
    if action == "remove_problem" and problem_id:
        edits.remove_problem(**common, problem_id=problem_id)
        return _("已删除问题")
    if action == "add_measure" and problem_id:
        edits.put_measure(**common, problem_id=problem_id, measure=_measure_draft(post, None))
        return _("已新增整改举措")
    if action == "edit_measure" and problem_id and measure_id:
        edits.put_measure(**common, problem_id=problem_id, measure=_measure_draft(post, measure_id))
        return _("已保存整改举措")
    if action == "remove_measure" and measure_id:
        edits.remove_measure(**common, measure_id=measure_id)
        return _("已删除整改举措")
    if action == "submit":
        plans.submit(**common)
        return _("已提交审核")
    if action == "approve":
        plans.approve(**common)
        return _("整改清单已审核通过")
    if action == "return":
        plans.return_plan(**common, comment=post.get("comment", ""))
        return _("整改清单已退回修改")
    if action == "analysis" and problem_id:
        data = _valid(forms.AnalysisForm(post))
        analysis.record_analysis(
            actor=user, talk=talk, problem_id=problem_id, text=data["text"],
            meeting_date=data["meeting_date"],
        )  # fmt: skip
        return _("已记录对照检查")
    raise ValidationError(_("不认识的操作，请刷新后重试"), code="action")


@login_required
@require_http_methods(["GET", "POST"])
def plan(request, pk: int):
    """The 三清单 of a talk: its problems, their measures (owner, deadline, kind, target)
    and 民主生活会 analyses, and the versions kept at each submission, return and approval."""
    talk = visible_talk(request, pk)
    if request.method == "POST":
        return answer_post(
            request,
            lambda: _apply(request, talk),
            reread=lambda: visible_talk(request, pk),
            page=("rectification:plan", pk),
            partial="rectification/plan_body.html",
            context=lambda obj, error, done: plan_context(request, obj, error, done),
        )
    return render(request, "rectification/plan_detail.html", plan_context(request, talk))


def answer_post(request, apply, *, reread, page, partial, context):
    """One POSTed action of a page, answered the same way on every page of the lists: the
    service's refusal (a stale version, a validation) becomes the page's error line; htmx
    gets the body partial back, a plain form the page again with a message."""
    error, done = "", ""
    try:
        done = apply()
    except StaleEdit as stale:
        error = stale.message
    except ValidationError as refused:
        error = "；".join(refused.messages)
    obj = reread()
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, done)
        return redirect(page[0], pk=page[1])
    return render(request, partial, context(obj, error, done))
