"""The shapes of the 三清单 API (tanhua.rectification.api)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from tanhua.api.schemas import Code, PageQuery, text

FocusAreaName = Literal["A1", "A2", "A3", "A4"]
KindName = Literal["immediate", "long_term"]
MeasureStatusName = Literal["open", "in_progress", "submitted", "closed"]
Amount = Decimal


class OwnerOut(Schema):
    kind: Literal["cadre", "organization"]
    code: str
    name: str


class MeasureBrief(Schema):
    id: int
    text: str
    kind: str
    owner: OwnerOut
    deadline: dt.date
    original_deadline: dt.date
    target_value: Decimal | None
    target_unit: str
    achieved_value: Decimal | None
    status: str
    status_label: str
    version: int


class PlanProblemOut(Schema):
    id: int
    focus_area: str
    text: str
    measures: list[MeasureBrief]


class AnalysisOut(Schema):
    problem_id: int
    meeting_date: dt.date
    text: str


class PlanVersionOut(Schema):
    number: int
    action: str
    action_label: str
    at: dt.datetime
    comment: str
    content: dict


class PlanOut(Schema):
    talk_id: int
    status: str
    status_label: str
    version: int
    return_comment: str
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    problems: list[PlanProblemOut]
    analyses: list[AnalysisOut]
    versions: list[PlanVersionOut]


class MeasureIn(Schema):
    id: int | None = Field(None, ge=1, le=2**62, description="已有举措的编号；新举措不填")
    text: text(2000)
    owner_code: Code = Field(description="责任人（干部编号）或责任单位（组织编码）")
    deadline: dt.date = Field(description="整改时限，须晚于谈话日期")
    kind: KindName = "immediate"
    target_value: Decimal | None = Field(None, ge=0, lt=10**12, decimal_places=2)
    target_unit: text(20, min_length=0) = ""


class PlanProblemIn(Schema):
    id: int | None = Field(None, ge=1, le=2**62, description="已有问题的编号；新问题不填")
    focus_area: FocusAreaName
    text: text(2000)
    measures: list[MeasureIn] = Field(default_factory=list, max_length=20)


class PlanIn(Schema):
    problems: list[PlanProblemIn] = Field(max_length=30)


class CommentIn(Schema):
    comment: text(1000)


class AnalysisIn(Schema):
    problem_id: int = Field(ge=1, le=2**62)
    text: text(8000)
    meeting_date: dt.date | None = Field(
        None, description="民主生活会日期（默认取班子的民主生活会日期）"
    )


class AttachmentOut(Schema):
    id: int
    name: str
    kind: str
    size: int


class ReportOut(Schema):
    id: int
    text: str
    value: Decimal | None
    at: dt.datetime
    by: str
    files: list[AttachmentOut] = []


class CloseRequestOut(Schema):
    id: int
    evidence: str
    requested_by: str
    requested_at: dt.datetime
    decision: str
    decided_at: dt.datetime | None
    reason: str


class ExtensionOut(Schema):
    id: int
    current_deadline: dt.date
    proposed_deadline: dt.date
    reason: str
    requested_at: dt.datetime
    decision: str
    decided_at: dt.datetime | None
    comment: str


class MeasureOut(MeasureBrief):
    talk_id: int
    campaign_id: int
    problem: str
    focus_area: str
    subject: OwnerOut
    closed_at: dt.datetime | None
    reports: list[ReportOut]
    close_requests: list[CloseRequestOut]
    extensions: list[ExtensionOut]


class MeasurePage(Schema):
    count: int
    items: list[MeasureBrief]


class MeasureFilter(PageQuery):
    status: MeasureStatusName | None = Field(None, description="状态")
    campaign: int | None = Field(None, ge=1, le=2**62, description="谈话工作编号")
    mine: bool = Field(False, description="只列我负责的举措")


class AttachmentIn(Schema):
    name: text(200) = Field(description="文件名（类型按内容识别）")
    # No max_length: the request body's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 10 MB; 413
    # past it) bounds it, and a schema bound that large would have the fuzzer build it.
    content_base64: str = Field(min_length=4, description="文件内容，base64 编码")


class ProgressIn(Schema):
    text: text(4000)
    value: Decimal | None = Field(None, ge=0, lt=10**12, decimal_places=2)
    files: list[AttachmentIn] = Field(
        default_factory=list,
        max_length=10,
        description=(
            "佐证附件（每次最多 10 个；整个请求体不超过 10 MB，即文件合计约 7.5 MB；"
            "更大的文件请在举措页面上传）"
        ),
    )


class CloseRequestIn(Schema):
    evidence: text(4000)


class CloseDecisionIn(Schema):
    accept: bool
    reason: text(4000, min_length=0) = ""


class ExtensionIn(Schema):
    proposed_deadline: dt.date
    reason: text(4000)


class ExtensionDecisionIn(Schema):
    approve: bool
    comment: text(1000, min_length=0) = ""
