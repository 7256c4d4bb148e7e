"""Every API error is JSON with a message fit to show a user, in Chinese:
{"detail": "…"} or, for bad input, {"detail": [{"loc": [...], "msg": "…", "type": "…"}]}."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from tanhua.core.scoping import OutOfScope
from tanhua.core.versioning import StaleEdit, parse_if_match

logger = logging.getLogger("tanhua.api")


class FieldError(Exception):
    """A service's ValidationError with the request field it concerns attached."""

    def __init__(self, error: DjangoValidationError, loc: list[str]):
        self.error = error
        self.loc = loc
        super().__init__(error)


class UnknownReference(Http404):
    """A code in the request body that names nothing the caller may see. 404 like any other
    miss, but saying which code, so the caller can fix their request; the words are the same
    whether the code is absent or out of scope."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def expected_version(request) -> int | None:
    """The version an edit was made from, from `If-Match: "N"` (the ETag of the read).
    Absent: the caller chose a write without a version check (README, API)."""
    try:
        return parse_if_match(request.headers.get("If-Match"))
    except ValueError:
        raise FieldError(
            DjangoValidationError(
                _('If-Match 请求头格式无效：请原样带上读取时响应中的 ETag，例如 "3"'),
                code="if_match",
            ),
            ["header", "If-Match"],
        ) from None


def required_version(request) -> int:
    """Like `expected_version`, but a write that must be made from what was read (a person
    confirming a record confirms the version they read) refuses to go without If-Match."""
    version = expected_version(request)
    if version is None:
        raise FieldError(
            DjangoValidationError(
                _(
                    '请先读取记录，并在 If-Match 请求头中带上读取时的 ETag（例如 "3"）：'
                    "确认的须是您读到的版本"
                ),
                code="if_match_required",
            ),
            ["header", "If-Match"],
        )
    return version


def _messages(error: DjangoValidationError) -> list[tuple[str, str]]:
    out = []
    for item in error.error_list if hasattr(error, "error_list") else [error]:
        message = item.message % item.params if item.params else item.message
        out.append((str(message), item.code or "invalid"))
    return out


def _pydantic_message(err: dict) -> str:
    """Pydantic speaks English; users read Chinese. Known types get a sentence, the rest a
    generic one (the location still says which field)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return _("必填项，不能缺少")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("必须是整数")
    if kind in {"bool_parsing", "bool_type"}:
        return _("必须是 true 或 false")
    if kind in {
        "date_parsing",
        "date_from_datetime_parsing",
        "date_type",
        "date_from_datetime_inexact",
    }:
        return _("必须是有效日期，格式为 YYYY-MM-DD")
    if kind in {"string_type", "string_unicode"}:
        return _("必须是文本")
    if kind == "string_too_short":
        return _("不能为空")
    if kind == "too_long":
        return _("最多%(n)s项") % {"n": ctx.get("max_length", "")}
    if kind == "string_too_long":
        return _("不能超过%(n)s个字符") % {"n": ctx.get("max_length", "")}
    if kind == "string_pattern_mismatch":
        # Only codes carry a pattern.
        return _("编码格式无效：只能包含字母、数字、下划线、点和连字符，且不超过32个字符")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("不能小于%(n)s") % {"n": ctx.get("ge", ctx.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("不能大于%(n)s") % {"n": ctx.get("le", ctx.get("lt", ""))}
    if kind in {"enum", "literal_error"}:
        return _("取值无效，可选值：%(v)s") % {"v": ctx.get("expected", "")}
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return _("请求体必须是 JSON 对象")
    if kind == "json_invalid":
        return _("请求体不是有效的 JSON")
    if kind == "extra_forbidden":
        return _("不认识的字段")
    if kind == "tanhua_text":
        return str(err.get("msg", _("文本无效")))
    return _("取值无效")


def _safe_loc(loc) -> list:
    parts = [part if isinstance(part, int) else str(part) for part in loc or []]
    # ninja names the body parameter ("payload"); callers know fields, not our argument names.
    if parts[:2] == ["body", "payload"]:
        del parts[1]
    return parts


def install(api: NinjaAPI) -> None:
    """Register the handlers; the catch-all last, so it only sees what nothing else knew."""

    @api.exception_handler(NinjaValidationError)
    def on_invalid_input(request, exc):
        detail = [
            {"loc": _safe_loc(e.get("loc")), "msg": _pydantic_message(e), "type": e.get("type", "")}
            for e in exc.errors
        ]
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(FieldError)
    def on_field_error(request, exc):
        detail = [{"loc": exc.loc, "msg": m, "type": code} for m, code in _messages(exc.error)]
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(StaleEdit)
    def on_stale_edit(request, exc):
        # 412 Precondition Failed: If-Match named an older version. Nothing was saved.
        response = api.create_response(
            request,
            {"detail": exc.message, "current_version": exc.current_version},
            status=412,
        )
        response["ETag"] = f'"{exc.current_version}"'
        return response

    @api.exception_handler(DjangoValidationError)
    def on_service_refusal(request, exc):
        detail = [{"loc": ["body"], "msg": m, "type": code} for m, code in _messages(exc)]
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        # Out of scope and absent give the same answer, word for word (DESIGN §2).
        # The denied-access audit (tanhua.audit.middleware) reads the reason from here, since
        # ninja handles the exception before that middleware could see it.
        request._audit_denied_reason = (
            "out_of_scope" if isinstance(exc, OutOfScope) else "not_found_or_out_of_scope"
        )
        message = exc.message if isinstance(exc, UnknownReference) else _("未找到")
        return api.create_response(request, {"detail": message}, status=404)

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        return api.create_response(request, {"detail": _("无权执行此操作")}, status=403)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        message = _("未提供有效的 API 令牌：请在请求头中发送 Authorization: Bearer 令牌")
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="tanhua"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        status = exc.status_code
        if status == 400:
            message = _("请求格式无效，请检查请求体是否为 JSON")
        elif status == 403:
            message = _("请求被拒绝：表单校验（CSRF）未通过，请刷新页面后重试")
        elif status == 429:
            message = _("请求过于频繁，请稍后再试")
        else:
            message = _("请求无法处理")
        return api.create_response(request, {"detail": message}, status=status)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        message = _("请求体过大：一次请求合计不超过 %(n)d MB，更大的文件请在页面上传") % {
            "n": max(limit, 1)
        }
        return api.create_response(request, {"detail": message}, status=413)

    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        # The log keeps the traceback; the caller gets the request id to quote, nothing inside.
        logger.exception("API error on %s %s", request.method, request.path)
        message = _("服务器内部错误，请联系系统管理员（请求编号 %(id)s）") % {
            "id": getattr(request, "request_id", "")
        }
        return api.create_response(request, {"detail": message}, status=500)
