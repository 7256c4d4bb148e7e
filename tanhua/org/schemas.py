"""Request and response shapes of the registry API (tanhua.org.api)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from tanhua.api.schemas import Code, PageQuery, SearchText, text
from tanhua.core.classification import Classification

LevelName = Literal["province", "city", "county", "township"]
TierName = Literal["central", "provincial", "city", "county"]
GenderName = Literal["male", "female", ""]
ClassificationValue = Literal[1, 2, 3]


class OrganizationOut(Schema):
    code: str
    name: str
    level: LevelName
    level_label: str
    kind: str
    parent_code: str | None = Field(None, description="上级组织编码；超出查看范围时为空")
    depth: int
    version: int = Field(description="版本号：修改时在 If-Match 请求头中带上（与 ETag 相同）")


class OrganizationDetailOut(OrganizationOut):
    children_count: int


class OrganizationPage(Schema):
    count: int
    items: list[OrganizationOut]


class OrganizationFilter(PageQuery):
    level: LevelName | None = Field(None, description="层级")
    parent: Code | None = Field(None, description="上级组织编码：只列其直接下级")
    q: SearchText | None = Field(None, description="按名称或编码搜索")


class OrganizationIn(Schema):
    code: Code = Field(examples=["K12"])
    name: text(100) = Field(examples=["东城乙县委"])
    level: LevelName = Field(examples=["county"])
    kind: text(32) = "党委"
    parent_code: Code | None = Field(None, examples=["C1"], description="上级组织编码；根组织为空")


class OrganizationPatch(Schema):
    name: text(100) | None = None
    kind: text(32) | None = None
    level: LevelName | None = None
    parent_code: Code | None = Field(None, description="新的上级组织编码；显式为 null 表示设为根")


class PositionOut(Schema):
    id: int
    cadre_code: str
    cadre_name: str
    org_code: str
    org_name: str
    title: str
    principal: bool
    start: dt.date
    end: dt.date | None
    version: int = Field(description="版本号：修改时在 If-Match 请求头中带上")


class CadreOut(Schema):
    code: str
    name: str
    tier: TierName
    tier_label: str
    gender: GenderName
    classification: ClassificationValue
    classification_label: str
    version: int = Field(description="版本号：修改时在 If-Match 请求头中带上（与 ETag 相同）")


class CadreDetailOut(CadreOut):
    positions: list[PositionOut]


class CadrePage(Schema):
    count: int
    items: list[CadreOut]


class CadreFilter(PageQuery):
    q: SearchText | None = Field(None, description="按姓名或干部编号搜索")
    tier: TierName | None = Field(None, description="管理层级")


class CadreIn(Schema):
    code: Code = Field(examples=["GNEW1"])
    name: text(50) = Field(examples=["新干部辛"])
    tier: TierName
    gender: GenderName = ""
    classification: ClassificationValue = Classification.INTERNAL.value


class CadrePatch(Schema):
    name: text(50) | None = None
    tier: TierName | None = None
    gender: GenderName | None = None
    classification: ClassificationValue | None = None


class PositionPage(Schema):
    count: int
    items: list[PositionOut]


class PositionFilter(PageQuery):
    org_code: Code | None = Field(None, description="组织编码")
    cadre_code: Code | None = Field(None, description="干部编号")
    current: bool | None = Field(None, description="true 只列现任，false 只列已离任")


class PositionIn(Schema):
    cadre_code: Code = Field(examples=["GK11"])
    org_code: Code = Field(examples=["T111"])
    title: text(100) = Field(examples=["兼职委员"])
    principal: bool = False
    start: dt.date = Field(examples=["2024-01-01"])
    end: dt.date | None = None


class PositionPatch(Schema):
    principal: bool | None = None
    end: dt.date | None = Field(None, description="免职日期；显式为 null 表示仍在任")
