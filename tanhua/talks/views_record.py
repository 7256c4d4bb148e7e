"""The record: the recorder's live page (autosaved JSON saves, tanhua/js/record.js), its
confirmation by the talker and the subject, and the printable record."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.middleware import client_ip
from tanhua.core.versioning import StaleEdit
from tanhua.talks import printing
from tanhua.talks.models import FocusArea, OutlineProblem, RecordAddendum, RecordProblem
from tanhua.talks.services import record as records
from tanhua.talks.views import outline_of, part_in, record_of, visible_talk

MAX_BODY = 600_000


def _refused(error: ValidationError) -> str:
    return "；".join(error.messages)


def _drafts(raw) -> list[records.ProblemDraft]:
    if not isinstance(raw, list):
        raise ValidationError(_("“指出的问题”格式无效"), code="invalid")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValidationError(_("“指出的问题”格式无效"), code="invalid")
        out.append(
            records.ProblemDraft(
                focus_area=str(item.get("focus_area") or ""),
                text=str(item.get("text") or ""),
                id=_int(item.get("id")),
                outline_problem=_int(item.get("outline_problem")),
            )
        )
    return out


def _int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("编号无效"), code="invalid") from None


def save_from_json(request, talk) -> JsonResponse:
    """The autosave: {"version", "sections": {...}, "started_at", "ended_at", "problems"}.
    200 with the saved record; 409 with the saved text on a version conflict; 422 with the
    reason when refused."""
    if len(request.body) > MAX_BODY:
        return JsonResponse({"ok": False, "message": _("内容过长，无法保存")}, status=422)
    try:
        body = json.loads(request.body.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"ok": False, "message": _("请求格式无效")}, status=400)
    try:
        version = _int(body.get("version"))
        if version is None:
            raise ValidationError(_("缺少版本号，请刷新页面"), code="version")
        sections = body.get("sections") or {}
        if not isinstance(sections, dict):
            raise ValidationError(_("请求格式无效"), code="invalid")
        extra = {k: body[k] for k in ("started_at", "ended_at") if k in body}
        problems = _drafts(body["problems"]) if "problems" in body else None
        record = records.save(
            actor=request.user,
            talk=talk,
            expected_version=version,
            sections={k: str(v) for k, v in sections.items()},
            problems=problems,
            **extra,
        )
    except records.StaleRecord as stale:
        message = _(
            "您编辑期间，他人已保存了第 %(v)s 版，您的这次修改未保存。下面逐项列出不同之处："
            "左侧为已保存的内容，右侧为您的内容，请选择或合并后保存。"
        ) % {"v": stale.current_version}
        return JsonResponse(
            {"ok": False, "conflict": True, "message": message, "current": stale.current},
            status=409,
        )
    except ValidationError as refused:
        return JsonResponse({"ok": False, "message": _refused(refused)}, status=422)
    return JsonResponse({"ok": True, **records.payload(record)})


def _record_action(request, talk) -> None:
    action = request.POST.get("action", "")
    if action == "start":
        records.start(actor=request.user, talk=talk)
        messages.success(request, _("记录已开始，内容将自动保存"))
    elif action == "held":
        records.mark_held(actor=request.user, talk=talk)
        messages.success(request, _("已标记为已谈话，已通知谈话人和被谈话人确认记录"))
    elif action == "addendum":
        records.add_addendum(actor=request.user, talk=talk, text=request.POST.get("text", ""))
        messages.success(request, _("补正已添加"))
    else:
        raise ValidationError(_("不认识的操作，请刷新后重试"), code="action")


@login_required
@require_http_methods(["GET", "POST"])
def record(request, pk: int):
    """GET: the live page for the recorder (and the 陪谈), the record read-only for staff and
    the talker. POST JSON: the autosave. POST form: start, mark held, add an addendum."""
    user = request.user
    talk = visible_talk(request, pk)
    part = part_in(user, talk)
    scoping.require(part.full)
    if request.method == "POST":
        if request.content_type == "application/json":
            return save_from_json(request, talk)
        try:
            _record_action(request, talk)
        except ValidationError as refused:
            messages.error(request, _refused(refused))
        return redirect("talks:record", pk=talk.pk)
    rec = record_of(user, talk)
    problems = list(RecordProblem.objects.visible_to(user).filter(record__talk=talk))
    outline = outline_of(user, talk)
    outline_problems = (
        list(OutlineProblem.objects.visible_to(user).filter(outline__talk=talk)) if outline else []
    )
    context = {
        "talk": talk,
        "part": part,
        "record": rec,
        "problems": problems,
        "outline": outline,
        "outline_problems": outline_problems,
        "focus_areas": FocusArea.choices,
        "start_refusal": records.start_refusal(talk),
        "live": rec is not None and not rec.is_sealed and part.writer,
        "addenda": list(RecordAddendum.objects.visible_to(user).filter(record__talk=talk)),
        "may_add_addendum": rec is not None
        and rec.is_sealed
        and records.may_add_addendum(user, talk),
        "payload": records.payload(rec, problems) if rec is not None else None,
    }
    return render(request, "talks/record.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, pk: int):
    """The talker or the subject reads the held record and confirms it with their password
    (and second factor). Others: 404."""
    from tanhua.accounts import security

    user = request.user
    talk = visible_talk(request, pk)
    part = part_in(user, talk)
    scoping.require(part.talker or part.subject)
    error = ""
    if request.method == "POST":
        try:
            records.confirm(
                actor=user,
                talk=talk,
                password=request.POST.get("password", ""),
                token=request.POST.get("token", ""),
                expected_version=_int(request.POST.get("version")),
                ip=client_ip(request),
            )
        except StaleEdit:
            error = _("记录在您阅读期间已被修改，请重新核对后再确认")
        except ValidationError as refused:
            error = _refused(refused)
        else:
            messages.success(request, _("您已确认谈话记录"))
            return redirect("talks:confirm", pk=talk.pk)
    rec = record_of(user, talk)
    needs_token = security.confirmed_totp_device(user) is not None or security.needs_second_factor(
        user
    )
    context = {
        "talk": talk,
        "part": part,
        "record": rec,
        "problems": list(RecordProblem.objects.visible_to(user).filter(record__talk=talk)),
        "refusal": records.confirm_refusal(user, talk, rec),
        "needs_token": needs_token,
        "error": error,
    }
    return render(request, "talks/confirm.html", context, status=422 if error else 200)


@login_required
@require_GET
def print_record(request, pk: int):
    """The printable record: .docx, or ?format=pdf through LibreOffice where installed."""
    user = request.user
    talk = visible_talk(request, pk)
    part = part_in(user, talk)
    scoping.require(part.full)
    rec = record_of(user, talk)
    problems = list(RecordProblem.objects.visible_to(user).filter(record__talk=talk))
    addenda = list(RecordAddendum.objects.visible_to(user).filter(record__talk=talk))
    data = printing.record_docx(talk, rec, problems, addenda)
    fmt = "pdf" if request.GET.get("format") == "pdf" else "docx"
    name = f"谈话记录-{talk.pk}"
    if fmt == "pdf":
        pdf = printing.to_pdf(data)
        if pdf is None:
            messages.error(request, _("本服务器未安装 LibreOffice，无法生成 PDF，请下载 Word 版"))
            return redirect("talks:record", pk=talk.pk)
        data, content_type = pdf, "application/pdf"
    else:
        content_type = printing.DOCX_TYPE
    audit.record_export(
        "talk_record",
        1,
        actor=user,
        fmt=fmt,
        object_id=str(talk.pk),
        filters={"sealed": bool(rec and rec.is_sealed)},
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = printing.disposition(f"{name}.{fmt}")
    return response
