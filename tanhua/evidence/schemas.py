"""Request and response shapes of the evidence API (tanhua.evidence.api)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from tanhua.api.schemas import Code, PageQuery, text

FocusAreaName = Literal["A1", "A2", "A3", "A4"]
SourceName = Literal[
    "assessment", "personnel", "development", "supervision", "investigation", "inspection",
    "audit", "petition",
]  # fmt: skip
FocusAreaSourceName = Literal["imported", "proposed", "corrected", ""]


class FindingOut(Schema):
    code: str
    org_code: str
    cadre_code: str | None = Field(None, description="干部编号；超出查看范围时为空")
    source: SourceName
    source_label: str
    date: dt.date
    severity: int = Field(description="严重程度：1 轻、2 中、3 重")
    focus_area: FocusAreaName | Literal[""]
    focus_area_source: FocusAreaSourceName = Field(
        description="重点方面来源：imported 导入、proposed 系统建议、corrected 人工校正"
    )
    proposed_focus_area: FocusAreaName | Literal[""]
    confidence: float | None = Field(None, description="系统建议的置信度（0–1）")
    text: str
    version: int


class FindingPage(Schema):
    count: int
    items: list[FindingOut]


class FindingFilter(PageQuery):
    org_code: Code | None = Field(None, description="组织编码（含其下级）")
    focus_area: FocusAreaName | None = None
    focus_area_source: Literal["imported", "proposed", "corrected"] | None = None
    source: SourceName | None = None


class FocusAreaIn(Schema):
    focus_area: FocusAreaName


class ClassifyIn(Schema):
    texts: list[text(4000)] = Field(min_length=1, max_length=1000, examples=[["插手工程招投标"]])


class ProposalOut(Schema):
    focus_area: FocusAreaName
    confidence: float
