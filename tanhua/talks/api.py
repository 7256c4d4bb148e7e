"""Talks over the REST API: the list and one talk (role-aware like the page), the outline
(GET/PUT with ETag/If-Match, submit, approve, return) and the record (GET/PUT with
ETag/If-Match, 412 with the saved text on a stale save; start, held, confirm).

Reads start from `visible_to(user)` (the read audit follows); writes call
tanhua.talks.services and nothing else. Out of scope answers 404 like absent."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from tanhua.accounts import roles as R
from tanhua.api.errors import expected_version, required_version
from tanhua.api.schemas import EDIT_ERRORS, READ_ERRORS, WRITE_ERRORS, paginate
from tanhua.core import scoping
from tanhua.core.middleware import client_ip
from tanhua.core.versioning import etag
from tanhua.talks.models import (
    Outline,
    OutlineProblem,
    RecordProblem,
    Talk,
    TalkRecord,
    TalkStatus,
    TalkType,
)
from tanhua.talks.schemas import (
    ConfirmIn,
    OutlineDiffOut,
    OutlineDiffQuery,
    OutlineIn,
    OutlineOut,
    OutlineVersionsOut,
    RecordIn,
    RecordOut,
    ReturnIn,
    TalkDetailOut,
    TalkFilter,
    TalkPage,
)
from tanhua.talks.services import outline as outlines
from tanhua.talks.services import outline_history as history
from tanhua.talks.services import record as records
from tanhua.talks.views import part_in

router = Router(tags=["talks"])
MAX_ID = 2**62


class StaleRecordOut(Schema):
    detail: str
    current_version: int
    current: RecordOut


def _talks(user):
    return Talk.objects.visible_to(user).select_related(
        "talker", "subject", "subject_org", "recorder"
    )


def _talk(request, id: int) -> Talk:
    if not 1 <= id < MAX_ID:
        raise scoping.OutOfScope
    talk = _talks(request.auth).filter(pk=id).first()
    scoping.require(talk is not None)
    return talk


def _talk_out(user, talk: Talk) -> dict:
    out = {
        "id": talk.pk,
        "type": talk.type,
        "type_label": str(TalkType(talk.type).label),
        "status": talk.status,
        "status_label": str(TalkStatus(talk.status).label),
        "scheduled_start": talk.scheduled_start,
        "scheduled_end": talk.scheduled_end,
        "place": talk.place,
        "held_on": talk.held_on,
    }
    if records.is_subject(user, talk):
        return out
    recorder = talk.recorder
    return {
        **out,
        "campaign_id": talk.campaign_id,
        "talker": {"code": talk.talker.code, "name": talk.talker.name},
        "subject": {"code": talk.subject.code, "name": talk.subject.name},
        "subject_title": talk.subject_title,
        "subject_org_code": talk.subject_org.code,
        "recorder": (recorder.get_full_name() or recorder.username) if recorder else None,
        "classification": talk.classification,
        "version": talk.version,
    }


def _problem_out(p: RecordProblem) -> dict:
    return {
        "id": p.pk,
        "focus_area": p.focus_area,
        "text": p.text,
        "outline_problem": p.outline_problem_id,
    }


@router.get(
    "/talks",
    response={200: TalkPage, **READ_ERRORS},
    summary="谈话列表",
    operation_id="list_talks",
)
def list_talks(request, filters: Query[TalkFilter]):
    user = request.auth
    scoping.require(scoping.has_any(user, R.PLAN_TALKS | R.TAKE_PART_IN_TALKS))
    qs = _talks(user)
    if filters.campaign:
        qs = qs.filter(campaign_id=filters.campaign)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.q:
        qs = qs.filter(Q(subject__name__icontains=filters.q) | Q(subject__code=filters.q))
    count, rows = paginate(qs.order_by("scheduled_start", "pk"), filters)
    return {"count": count, "items": [_talk_out(user, t) for t in rows]}


@router.get(
    "/talks/{id}",
    response={200: TalkDetailOut, **READ_ERRORS},
    summary="谈话详情（被谈话人只见时间、地点，谈话后见指出的问题）",
    operation_id="get_talk",
)
def get_talk(request, response: HttpResponse, id: int):
    user = request.auth
    talk = _talk(request, id)
    out = _talk_out(user, talk)
    record = TalkRecord.objects.visible_to(user).filter(talk=talk).first()
    problems = RecordProblem.objects.visible_to(user).filter(record__talk=talk)
    out["problems"] = [_problem_out(p) for p in problems]
    if record is not None:
        out["record_status"] = "sealed" if record.is_sealed else "open"
        out["content_hash"] = record.content_hash or None
    if not records.is_subject(user, talk):
        outline = Outline.objects.visible_to(user).filter(talk=talk).first()
        out["outline_status"] = outline.status if outline else None
        response["ETag"] = etag(talk)
    return out


# --- the outline -----------------------------------------------------------------------------


def _outline_out(user, talk: Talk, response: HttpResponse) -> dict:
    outline = Outline.objects.visible_to(user).filter(talk=talk).first()
    if outline is None:
        # Not drafted yet: an empty outline of version 0 (a PUT drafts the first version).
        return {
            "talk_id": talk.pk, "status": "", "status_label": _("尚未起草"), "version": 0,
            "return_comment": "", "approved_at": None, "problems": [],
        }  # fmt: skip
    problems = OutlineProblem.objects.visible_to(user).filter(outline__talk=talk)
    response["ETag"] = etag(outline)
    return {
        "talk_id": talk.pk,
        "status": outline.status,
        "status_label": outline.get_status_display(),
        "version": outline.version,
        "return_comment": outline.return_comment,
        "approved_at": outline.approved_at,
        "problems": [
            {
                "id": p.pk,
                "focus_area": p.focus_area,
                "statement": p.statement,
                "evidence": p.evidence,
            }
            for p in problems
        ],
    }


def _full(request, id: int) -> Talk:
    talk = _talk(request, id)
    scoping.require(part_in(request.auth, talk).full)
    return talk


@router.get(
    "/talks/{id}/outline",
    response={200: OutlineOut, **READ_ERRORS},
    summary="谈话提纲（被谈话人不可见）",
    operation_id="get_talk_outline",
)
def get_outline(request, response: HttpResponse, id: int):
    talk = _full(request, id)
    return _outline_out(request.auth, talk, response)


@router.put(
    "/talks/{id}/outline",
    response={200: OutlineOut, **EDIT_ERRORS},
    summary="修改谈话提纲的问题（整体替换；If-Match 带读取时的 ETag）",
    operation_id="put_talk_outline",
)
def put_outline(request, response: HttpResponse, id: int, payload: OutlineIn):
    user = request.auth
    talk = _full(request, id)
    scoping.require(outlines.may_draft(user, talk) and part_in(user, talk).staff)
    drafts = [
        outlines.ProblemDraft(
            focus_area=p.focus_area, statement=p.statement, evidence=p.evidence, id=p.id
        )
        for p in payload.problems
    ]
    outlines.save_problems(
        actor=user, talk=talk, problems=drafts, expected_version=expected_version(request)
    )
    return _outline_out(user, talk, response)


@router.post(
    "/talks/{id}/outline/submit",
    response={200: OutlineOut, **EDIT_ERRORS},
    summary="提交谈话人审定",
    operation_id="submit_talk_outline",
)
def submit_outline(request, response: HttpResponse, id: int):
    user = request.auth
    talk = _full(request, id)
    scoping.require(part_in(user, talk).staff)
    outlines.submit(actor=user, talk=talk, expected_version=expected_version(request))
    return _outline_out(user, talk, response)


@router.post(
    "/talks/{id}/outline/approve",
    response={200: OutlineOut, **EDIT_ERRORS},
    summary="谈话人审定提纲",
    operation_id="approve_talk_outline",
)
def approve_outline(request, response: HttpResponse, id: int):
    user = request.auth
    talk = _full(request, id)
    scoping.require(part_in(user, talk).talker)
    outlines.approve(actor=user, talk=talk, expected_version=expected_version(request))
    return _outline_out(user, talk, response)


@router.post(
    "/talks/{id}/outline/return",
    response={200: OutlineOut, **EDIT_ERRORS},
    summary="谈话人退回提纲（附退回意见）",
    operation_id="return_talk_outline",
)
def return_outline(request, response: HttpResponse, id: int, payload: ReturnIn):
    user = request.auth
    talk = _full(request, id)
    scoping.require(part_in(user, talk).talker)
    outlines.return_outline(
        actor=user, talk=talk, comment=payload.comment, expected_version=expected_version(request)
    )
    return _outline_out(user, talk, response)


def _revision_out(r) -> dict:
    return {
        "version": r.version,
        "action": r.action,
        "action_label": history.action_label(r.action),
        "status": r.status,
        "by": (r.by.get_full_name() or r.by.username) if r.by_id else None,
        "at": r.at,
        "problems": r.problems,
    }


@router.get(
    "/talks/{id}/outline/versions",
    response={200: OutlineVersionsOut, **READ_ERRORS},
    summary="谈话提纲的全部版本（新的在前）",
    operation_id="list_talk_outline_versions",
)
def outline_versions(request, id: int):
    # As GET …/outline: an outline not drafted yet has no versions (an empty list).
    talk = _full(request, id)
    revisions = history.revisions(request.auth, talk)
    return {
        "talk_id": talk.pk,
        "current_version": revisions[0].version if revisions else 0,
        "items": [_revision_out(r) for r in revisions],
    }


@router.get(
    "/talks/{id}/outline/diff",
    response={200: OutlineDiffOut, **READ_ERRORS},
    summary="比较谈话提纲的两个版本（from 缺省为 to 的上一版，to 缺省为最新版）",
    operation_id="diff_talk_outline_versions",
)
def outline_diff(request, id: int, query: Query[OutlineDiffQuery]):
    user = request.auth
    talk = _full(request, id)
    revisions = history.revisions(user, talk)
    if not revisions:
        raise ValidationError(_("提纲尚未起草，还没有版本"), code="no_outline")
    old, new, missing = history.pick(revisions, query.from_version, query.to_version)
    if missing is not None:
        raise ValidationError(_("没有第 %(v)s 版") % {"v": missing}, code="version")
    return {"talk_id": talk.pk, **history.diff(old, new).as_dict()}


# --- the record ------------------------------------------------------------------------------


def _record_out(user, talk: Talk, response: HttpResponse | None = None) -> dict:
    record = TalkRecord.objects.visible_to(user).filter(talk=talk).first()
    if record is None:
        return {"talk_id": talk.pk, "started": False, "version": 0}
    problems = RecordProblem.objects.visible_to(user).filter(record=record)
    if response is not None:
        response["ETag"] = etag(record)
    return {
        "talk_id": talk.pk,
        "started": True,
        "version": record.version,
        **{name: getattr(record, name) for name in records.SECTIONS},
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "problems": [_problem_out(p) for p in problems],
        "talker_confirmed_at": record.talker_confirmed_at,
        "subject_confirmed_at": record.subject_confirmed_at,
        "sealed_at": record.sealed_at,
        "content_hash": record.content_hash,
    }


@router.get(
    "/talks/{id}/record",
    response={200: RecordOut, **READ_ERRORS},
    summary="谈话记录（被谈话人于谈话后可见）",
    operation_id="get_talk_record",
)
def get_record(request, response: HttpResponse, id: int):
    user = request.auth
    talk = _talk(request, id)
    part = part_in(user, talk)
    if part.subject:
        scoping.require(TalkRecord.objects.visible_to(user).filter(talk=talk).exists())
    return _record_out(user, talk, response)


@router.put(
    "/talks/{id}/record",
    response={200: RecordOut, 412: StaleRecordOut, **WRITE_ERRORS},
    summary="保存谈话记录（只改所给的部分；If-Match 带 ETag，过期则 412 并返回已保存的内容）",
    operation_id="put_talk_record",
)
def put_record(request, response: HttpResponse, id: int, payload: RecordIn):
    user = request.auth
    talk = _talk(request, id)
    scoping.require(records.may_write(user, talk))
    sent = payload.model_fields_set
    extra = {k: getattr(payload, k) for k in ("started_at", "ended_at") if k in sent}
    problems = None
    if payload.problems is not None:
        problems = [
            records.ProblemDraft(
                focus_area=p.focus_area, text=p.text, id=p.id, outline_problem=p.outline_problem
            )
            for p in payload.problems
        ]
    sections = {k: getattr(payload, k) for k in records.SECTIONS if getattr(payload, k) is not None}
    try:
        records.save(
            actor=user,
            talk=talk,
            expected_version=expected_version(request),
            sections=sections,
            problems=problems,
            **extra,
        )
    except records.StaleRecord as stale:
        response = Status(
            412,
            {
                "detail": stale.message,
                "current_version": stale.current_version,
                "current": _record_out(user, talk),
            },
        )
        return response
    return _record_out(user, talk, response)


@router.post(
    "/talks/{id}/record/start",
    response={200: RecordOut, **WRITE_ERRORS},
    summary="开始记录（须提纲已审定、已指定记录人）",
    operation_id="start_talk_record",
)
def start_record(request, response: HttpResponse, id: int):
    user = request.auth
    talk = _talk(request, id)
    scoping.require(records.may_write(user, talk))
    records.start(actor=user, talk=talk)
    return _record_out(user, talk, response)


@router.post(
    "/talks/{id}/record/held",
    response={200: RecordOut, **WRITE_ERRORS},
    summary="标记为已谈话（通知谈话人和被谈话人确认记录）",
    operation_id="mark_talk_held",
)
def mark_held(request, response: HttpResponse, id: int):
    user = request.auth
    talk = _talk(request, id)
    scoping.require(records.may_write(user, talk))
    records.mark_held(actor=user, talk=talk)
    return _record_out(user, talk, response)


@router.post(
    "/talks/{id}/confirm",
    response={200: RecordOut, **EDIT_ERRORS},
    summary=(
        "谈话人或被谈话人确认记录（请求体带密码，已绑定验证器时带动态口令；"
        "If-Match 必带读取时的 ETag）"
    ),
    operation_id="confirm_talk_record",
)
def confirm_record(request, response: HttpResponse, id: int, payload: ConfirmIn):
    user = request.auth
    talk = _talk(request, id)
    part = part_in(user, talk)
    scoping.require(part.talker or part.subject)
    records.confirm(
        actor=user,
        talk=talk,
        password=payload.password,
        token=payload.token,
        expected_version=required_version(request),
        ip=client_ip(request),
    )
    return _record_out(user, talk, response)
