"""Types shared by every app's API: safe text, codes, pages and the error shapes."""

from __future__ import annotations

from typing import Annotated

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from tanhua.org.models import CODE_PATTERN


def _no_control_chars(value: str) -> str:
    # NUL and lone surrogates pass JSON but break the database driver (PostgreSQL refuses
    # NUL; UTF-8 cannot encode a surrogate): refuse them here, as a field error.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("tanhua_text", str(_("包含无法识别的字符"))) from None
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise PydanticCustomError("tanhua_text", str(_("不能包含控制字符"))) from None
    return value


def text(max_length: int, *, min_length: int = 1):
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_control_chars),
    ]


Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN), AfterValidator(_no_control_chars)]
SearchText = text(100, min_length=0)

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="每页条数，最多 200")


def paginate(qs, query: PageQuery) -> tuple[int, list]:
    start = (query.page - 1) * query.page_size
    return qs.count(), list(qs[start : start + query.page_size])


class ErrorOut(Schema):
    detail: str


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[ErrorItem]


# The answers every authenticated operation may give besides its success.
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 500: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 400: ErrorOut, 403: ErrorOut}


class StaleOut(Schema):
    detail: str
    current_version: int


# Edits of an existing record: also 412 when If-Match names an older version.
EDIT_ERRORS = {**WRITE_ERRORS, 412: StaleOut}
