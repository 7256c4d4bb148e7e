"""The REST API of the 三清单: a talk's plan (GET/PUT with ETag/If-Match, submit, approve,
return, analyses) and measures (the list in scope, one measure, progress, close request and
decision, extension request and decision; If-Match where they change the measure).

Reads start from `visible_to(user)` (the read audit follows) and the part a visible user
plays is tanhua.rectification.services.rules'; writes call the services and nothing else.
Out of scope answers 404 like absent."""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from tanhua.accounts import roles as R
from tanhua.api.errors import FieldError, expected_version
from tanhua.api.schemas import EDIT_ERRORS, READ_ERRORS, paginate
from tanhua.core import scoping
from tanhua.core.versioning import etag
from tanhua.files.content import FileRefused
from tanhua.rectification.models import (
    CloseRequest,
    ExtensionRequest,
    LifeMeetingAnalysis,
    Measure,
    PlanVersion,
    Problem,
    ProgressReport,
    RectificationPlan,
)
from tanhua.rectification.schemas import (
    AnalysisIn,
    CloseDecisionIn,
    CloseRequestIn,
    CommentIn,
    ExtensionDecisionIn,
    ExtensionIn,
    MeasureFilter,
    MeasureOut,
    MeasurePage,
    PlanIn,
    PlanOut,
    ProgressIn,
)
from tanhua.rectification.services import analysis, closing, extension, progress, rules
from tanhua.rectification.services import plan as plans
from tanhua.talks.models import Talk

router = Router(tags=["整改"])
MAX_ID = 2**62


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _talk(request, id: int) -> Talk:
    if not 1 <= id < MAX_ID:
        raise scoping.OutOfScope
    talk = (
        Talk.objects.visible_to(request.auth)
        .select_related("campaign__committee", "subject", "subject_org")
        .filter(pk=id)
        .first()
    )
    scoping.require(talk is not None and rules.may_read_plan(request.auth, talk))
    return talk


def _owner(m: Measure) -> dict:
    if m.owner_cadre_id:
        return {"kind": "cadre", "code": m.owner_cadre.code, "name": m.owner_cadre.name}
    return {"kind": "organization", "code": m.owner_org.code, "name": m.owner_org.name}


def _brief(m: Measure) -> dict:
    return {
        "id": m.pk,
        "text": m.text,
        "kind": m.kind,
        "owner": _owner(m),
        "deadline": m.deadline,
        "original_deadline": m.original_deadline,
        "target_value": m.target_value,
        "target_unit": m.target_unit,
        "achieved_value": m.achieved_value,
        "status": m.status,
        "status_label": m.get_status_display(),
        "version": m.version,
    }


def _plan_out(user, talk: Talk, response: HttpResponse | None = None) -> dict:
    plan = RectificationPlan.objects.visible_to(user).filter(talk=talk).first()
    if plan is None:
        # Not filed yet: an empty plan of version 0 (a PUT files the first version).
        return {
            "talk_id": talk.pk, "status": "", "status_label": _("尚未填报"), "version": 0,
            "return_comment": "", "submitted_at": None, "approved_at": None, "problems": [],
            "analyses": [], "versions": [],
        }  # fmt: skip
    if response is not None:
        response["ETag"] = etag(plan)
    measures: dict[int, list] = {}
    for m in (
        Measure.objects.visible_to(user)
        .filter(problem__plan=plan)
        .select_related("owner_cadre", "owner_org")
    ):
        measures.setdefault(m.problem_id, []).append(_brief(m))
    return {
        "talk_id": talk.pk,
        "status": plan.status,
        "status_label": plan.get_status_display(),
        "version": plan.version,
        "return_comment": plan.return_comment,
        "submitted_at": plan.submitted_at,
        "approved_at": plan.approved_at,
        "problems": [
            {
                "id": p.pk,
                "focus_area": p.focus_area,
                "text": p.text,
                "measures": measures.get(p.pk, []),
            }
            for p in Problem.objects.visible_to(user).filter(plan=plan)
        ],
        "analyses": [
            {"problem_id": a.problem_id, "meeting_date": a.meeting_date, "text": a.text}
            for a in LifeMeetingAnalysis.objects.visible_to(user).filter(problem__plan=plan)
        ],
        "versions": [
            {
                "number": v.number,
                "action": v.action,
                "action_label": v.get_action_display(),
                "at": v.at,
                "comment": v.comment,
                "content": v.content,
            }
            for v in PlanVersion.objects.visible_to(user).filter(plan=plan)
        ],
    }


@router.get(
    "/talks/{id}/plan",
    response={200: PlanOut, **READ_ERRORS},
    summary="谈话的整改清单（问题清单、举措清单、时限清单）及历史版本",
    operation_id="get_rectification_plan",
)
def get_plan(request, response: HttpResponse, id: int):
    return _plan_out(request.auth, _talk(request, id), response)


@router.put(
    "/talks/{id}/plan",
    response={200: PlanOut, **EDIT_ERRORS},
    summary="填报或修改整改清单（整体替换；If-Match 带读取时的 ETag）",
    operation_id="put_rectification_plan",
)
def put_plan(request, response: HttpResponse, id: int, payload: PlanIn):
    user = request.auth
    talk = _talk(request, id)
    scoping.require(rules.may_file(user, talk))
    drafts = [
        plans.ProblemDraft(
            focus_area=p.focus_area, text=p.text, id=p.id,
            measures=tuple(
                plans.MeasureDraft(
                    text=m.text, owner_code=m.owner_code, deadline=m.deadline, kind=m.kind,
                    target_value=m.target_value, target_unit=m.target_unit, id=m.id,
                )
                for m in p.measures
            ),
        )
        for p in payload.problems
    ]  # fmt: skip
    plans.save_plan(
        actor=user, talk=talk, problems=drafts, expected_version=expected_version(request)
    )
    return _plan_out(user, talk, response)


@router.post(
    "/talks/{id}/plan/submit",
    response={200: PlanOut, **EDIT_ERRORS},
    summary="提交整改清单审核",
    operation_id="submit_rectification_plan",
)
def submit_plan(request, response: HttpResponse, id: int):
    user = request.auth
    talk = _talk(request, id)
    scoping.require(rules.may_file(user, talk))
    plans.submit(actor=user, talk=talk, expected_version=expected_version(request))
    return _plan_out(user, talk, response)


@router.post(
    "/talks/{id}/plan/approve",
    response={200: PlanOut, **EDIT_ERRORS},
    summary="审核通过整改清单（谈话人或本级工作人员，不能是提交人）",
    operation_id="approve_rectification_plan",
)
def approve_plan(request, response: HttpResponse, id: int):
    user = request.auth
    talk = _talk(request, id)
    scoping.require(rules.is_talker_side(user, talk))
    plans.approve(actor=user, talk=talk, expected_version=expected_version(request))
    return _plan_out(user, talk, response)


@router.post(
    "/talks/{id}/plan/return",
    response={200: PlanOut, **EDIT_ERRORS},
    summary="退回整改清单（附退回意见）",
    operation_id="return_rectification_plan",
)
def return_plan(request, response: HttpResponse, id: int, payload: CommentIn):
    user = request.auth
    talk = _talk(request, id)
    scoping.require(rules.is_talker_side(user, talk))
    plans.return_plan(
        actor=user, talk=talk, comment=payload.comment, expected_version=expected_version(request)
    )
    return _plan_out(user, talk, response)


@router.post(
    "/talks/{id}/plan/analyses",
    response={200: PlanOut, **EDIT_ERRORS},
    summary="记录某个问题在民主生活会上的对照检查",
    operation_id="add_life_meeting_analysis",
)
def add_analysis(request, response: HttpResponse, id: int, payload: AnalysisIn):
    user = request.auth
    talk = _talk(request, id)
    scoping.require(rules.may_file(user, talk))
    analysis.record_analysis(
        actor=user, talk=talk, problem_id=payload.problem_id, text=payload.text,
        meeting_date=payload.meeting_date,
    )  # fmt: skip
    return _plan_out(user, talk, response)


# --- measures --------------------------------------------------------------------------------


def _measures(user):
    """The measures the user plays a part in: staff over them, the talker, the subject, the
    owner (the recorder's view of a talk stops at its record)."""
    scoping.require(scoping.has_any(user, R.BUSINESS_ROLES))
    qs = Measure.objects.visible_to(user).select_related(
        "talk__campaign__committee", "problem__plan", "owner_cadre", "owner_org", "subject"
    )
    if not scoping.has_any(user, R.PLAN_TALKS | {R.Role.TALKER, R.Role.SUBJECT}):
        qs = qs.filter(owner_cadre_id=getattr(user, "cadre_id", None) or 0)
    return qs


def _measure(request, id: int) -> Measure:
    if not 1 <= id < MAX_ID:
        raise scoping.OutOfScope
    found = _measures(request.auth).filter(pk=id).first()
    scoping.require(found is not None and rules.may_read_measure(request.auth, found))
    return found


def _measure_out(user, m: Measure, response: HttpResponse | None = None) -> dict:
    if response is not None:
        response["ETag"] = etag(m)
    subject = m.subject
    return {
        **_brief(m),
        "talk_id": m.talk_id,
        "campaign_id": m.campaign_id,
        "problem": m.problem.text,
        "focus_area": m.focus_area,
        "subject": {"kind": "cadre", "code": subject.code, "name": subject.name},
        "closed_at": m.closed_at,
        "reports": _reports_out(user, m),
        "close_requests": [
            {
                "id": c.pk,
                "evidence": c.evidence,
                "requested_by": _who(c.requested_by),
                "requested_at": c.requested_at,
                "decision": c.decision,
                "decided_at": c.decided_at,
                "reason": c.reason,
            }
            for c in CloseRequest.objects.visible_to(user)
            .filter(measure=m)
            .select_related("requested_by")
        ],
        "extensions": [
            {
                "id": e.pk,
                "current_deadline": e.current_deadline,
                "proposed_deadline": e.proposed_deadline,
                "reason": e.reason,
                "requested_at": e.requested_at,
                "decision": e.decision,
                "decided_at": e.decided_at,
                "comment": e.comment,
            }
            for e in ExtensionRequest.objects.visible_to(user).filter(measure=m)
        ],
    }


def _reread(request, m: Measure, response: HttpResponse) -> dict:
    return _measure_out(request.auth, _measure(request, m.pk), response)


@router.get(
    "/measures",
    response={200: MeasurePage, **READ_ERRORS},
    summary="整改举措列表（本人范围内）",
    operation_id="list_measures",
)
def list_measures(request, filters: Query[MeasureFilter]):
    user = request.auth
    qs = _measures(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.campaign:
        qs = qs.filter(campaign_id=filters.campaign)
    if filters.mine:
        cadre_id = getattr(user, "cadre_id", None) or 0
        qs = qs.filter(Q(owner_cadre_id=cadre_id) | Q(subject_id=cadre_id))
    count, rows = paginate(qs.order_by("deadline", "pk"), filters)
    return {"count": count, "items": [_brief(m) for m in rows]}


@router.get(
    "/measures/{id}",
    response={200: MeasureOut, **READ_ERRORS},
    summary="整改举措详情（进展、销号和延期记录）",
    operation_id="get_measure",
)
def get_measure(request, response: HttpResponse, id: int):
    return _measure_out(request.auth, _measure(request, id), response)


def _reports_out(user, m: Measure) -> list[dict]:
    from tanhua.files.models import Attachment

    reports = list(ProgressReport.objects.visible_to(user).filter(measure=m).select_related("by"))
    files: dict[int, list[dict]] = {}
    for a in Attachment.objects.visible_to(user).filter(
        owner_kind=progress.ATTACHMENT_KIND, owner_id__in=[r.pk for r in reports]
    ):
        files.setdefault(a.owner_id, []).append(
            {"id": a.pk, "name": a.filename, "kind": a.kind, "size": a.size}
        )
    return [
        {"id": r.pk, "text": r.text, "value": r.value, "at": r.at, "by": _who(r.by),
         "files": files.get(r.pk, [])}
        for r in reports
    ]  # fmt: skip


def _decoded(files) -> list[tuple[str, bytes]]:
    """The request's files as (name, bytes); a file that is not base64 is refused by its
    place in the request, before anything is saved."""
    out = []
    for i, f in enumerate(files):
        try:
            # Line-wrapped base64 (the `base64` tool, MIME libraries) is base64 too.
            compact = "".join(f.content_base64.split())
            out.append((f.name, base64.b64decode(compact, validate=True)))
        except (binascii.Error, ValueError):
            error = ValidationError(_("附件内容不是有效的 base64 编码"), code="base64")
            raise FieldError(error, ["body", "payload", "files", i, "content_base64"]) from None
    return out


@router.post(
    "/measures/{id}/progress",
    response={200: MeasureOut, **EDIT_ERRORS},
    summary="报告整改进展（责任人；可附佐证文件，base64 编码，一次合计不超过 10 MB）",
    operation_id="report_measure_progress",
)
def report(request, response: HttpResponse, id: int, payload: ProgressIn):
    m = _measure(request, id)
    files = _decoded(payload.files)
    try:
        progress.report_progress(
            actor=request.auth, measure=m, text=payload.text, value=payload.value,
            files=files, expected_version=expected_version(request),
        )  # fmt: skip
    except FileRefused as refused:
        # As on the page: a refused file refuses the whole report, and says why.
        raise ValidationError(str(refused), code="file") from None
    return _reread(request, m, response)


@router.post(
    "/measures/{id}/close-request",
    response={200: MeasureOut, **EDIT_ERRORS},
    summary="申请销号（附整改成效及佐证）",
    operation_id="request_measure_close",
)
def request_close(request, response: HttpResponse, id: int, payload: CloseRequestIn):
    m = _measure(request, id)
    closing.request_close(
        actor=request.auth, measure=m, evidence=payload.evidence,
        expected_version=expected_version(request),
    )  # fmt: skip
    return _reread(request, m, response)


@router.post(
    "/measures/{id}/close-request/decide",
    response={200: MeasureOut, **EDIT_ERRORS},
    summary="审批销号申请（另一人：不能是责任人或申请人；退回须写理由）",
    operation_id="decide_measure_close",
)
def decide_close(request, response: HttpResponse, id: int, payload: CloseDecisionIn):
    m = _measure(request, id)
    closing.decide_close(
        actor=request.auth, measure=m, accept=payload.accept, reason=payload.reason,
        expected_version=expected_version(request),
    )  # fmt: skip
    return _reread(request, m, response)


@router.post(
    "/measures/{id}/extension",
    response={200: MeasureOut, **EDIT_ERRORS},
    summary="申请延期（原定时限保留）",
    operation_id="request_measure_extension",
)
def request_extension(request, response: HttpResponse, id: int, payload: ExtensionIn):
    m = _measure(request, id)
    extension.request_extension(
        actor=request.auth, measure=m, proposed_deadline=payload.proposed_deadline,
        reason=payload.reason, expected_version=expected_version(request),
    )  # fmt: skip
    return _reread(request, m, response)


@router.post(
    "/measures/{id}/extension/decide",
    response={200: MeasureOut, **EDIT_ERRORS},
    summary="审批延期申请（谈话人或本级工作人员，不能是申请人）",
    operation_id="decide_measure_extension",
)
def decide_extension(request, response: HttpResponse, id: int, payload: ExtensionDecisionIn):
    m = _measure(request, id)
    extension.decide_extension(
        actor=request.auth, measure=m, approve=payload.approve, comment=payload.comment,
        expected_version=expected_version(request),
    )  # fmt: skip
    return _reread(request, m, response)
