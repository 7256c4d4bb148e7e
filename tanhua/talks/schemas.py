"""The shapes of the talks API (tanhua.talks.api)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from tanhua.api.schemas import PageQuery, text

FocusAreaName = Literal["A1", "A2", "A3", "A4"]
TalkStatusName = Literal[
    "planned", "preparing", "outline_approved", "scheduled", "held", "sealed", "rectifying",
    "closed",
]  # fmt: skip
TalkTypeName = Literal["political_supervision", "work", "admonition", "integrity", "inquiry"]
LongText = text(50_000, min_length=0)


class PersonOut(Schema):
    code: str
    name: str


class TalkOut(Schema):
    """A talk in a list. For the talk's own subject only its id, type, status, time and place:
    the other fields are null (the subject sees their talk's time and place, DESIGN §2)."""

    id: int
    type: str
    type_label: str
    status: str
    status_label: str
    scheduled_start: dt.datetime | None
    scheduled_end: dt.datetime | None
    place: str
    held_on: dt.date | None
    campaign_id: int | None = None
    talker: PersonOut | None = None
    subject: PersonOut | None = None
    subject_title: str | None = None
    subject_org_code: str | None = None
    recorder: str | None = None
    classification: int | None = None
    version: int | None = None


class TalkPage(Schema):
    count: int
    items: list[TalkOut]


class TalkFilter(PageQuery):
    campaign: int | None = Field(None, ge=1, le=2**62, description="谈话工作编号")
    status: TalkStatusName | None = Field(None, description="状态")
    type: TalkTypeName | None = Field(None, description="谈话类型")
    q: text(50, min_length=0) | None = Field(None, description="按被谈话人姓名或编号搜索")


class ProblemOut(Schema):
    id: int
    focus_area: str
    text: str
    outline_problem: int | None = None


class TalkDetailOut(TalkOut):
    outline_status: str | None = None
    record_status: str | None = None
    content_hash: str | None = None
    problems: list[ProblemOut] = []


class OutlineProblemIO(Schema):
    id: int | None = Field(None, description="已有问题的编号；新问题不填")
    focus_area: FocusAreaName
    statement: text(2000)
    evidence: text(8000, min_length=0) = ""


class OutlineOut(Schema):
    talk_id: int
    status: str
    status_label: str
    version: int
    return_comment: str
    approved_at: dt.datetime | None
    problems: list[OutlineProblemIO]


class OutlineIn(Schema):
    problems: list[OutlineProblemIO] = Field(max_length=12)


class OutlineVersionOut(Schema):
    version: int
    action: str
    action_label: str
    status: str
    by: str | None = Field(None, description="保存人（命令行批量起草时为空）")
    at: dt.datetime
    problems: list[OutlineProblemIO]


class OutlineVersionsOut(Schema):
    talk_id: int
    current_version: int
    items: list[OutlineVersionOut]


class DiffSegmentOut(Schema):
    op: str = Field(description="same 未变、added 新增、removed 删除")
    text: str


class DiffFieldOut(Schema):
    field: str
    label: str
    before: str
    after: str
    segments: list[DiffSegmentOut]


class DiffProblemOut(Schema):
    kind: str = Field(description="added、removed、changed、moved、same")
    kind_label: str
    id: int | None
    number_before: int | None
    number_after: int | None
    focus_area: str
    statement: str
    fields: list[DiffFieldOut]


class OutlineDiffOut(Schema):
    talk_id: int
    from_version: int = Field(description="0 表示空白提纲")
    to_version: int
    status_before: str
    status_after: str
    summary: str
    counts: dict[str, int]
    problems: list[DiffProblemOut]


class OutlineDiffQuery(Schema):
    from_version: int | None = Field(
        None,
        alias="from",
        ge=0,
        le=2**31,
        description="起始版本（缺省为目标版本的上一版；0 为空白提纲）",
    )
    to_version: int | None = Field(
        None, alias="to", ge=1, le=2**31, description="目标版本（缺省为最新版）"
    )


class ReturnIn(Schema):
    comment: text(500)


class RecordProblemIn(Schema):
    id: int | None = None
    outline_problem: int | None = None
    focus_area: FocusAreaName
    text: LongText


class RecordIn(Schema):
    overall_evaluation: LongText | None = None
    explanation: LongText | None = None
    suggestions: LongText | None = None
    requirements: LongText | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    problems: list[RecordProblemIn] | None = Field(None, max_length=30)


class RecordOut(Schema):
    talk_id: int
    started: bool
    version: int
    overall_evaluation: str = ""
    explanation: str = ""
    suggestions: str = ""
    requirements: str = ""
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    problems: list[ProblemOut] = []
    talker_confirmed_at: dt.datetime | None = None
    subject_confirmed_at: dt.datetime | None = None
    sealed_at: dt.datetime | None = None
    content_hash: str = ""


class ConfirmIn(Schema):
    password: str = Field(max_length=200)
    token: str = Field("", max_length=32, description="动态口令（已绑定验证器时必填）")
