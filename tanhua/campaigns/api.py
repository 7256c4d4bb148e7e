"""Campaigns over the REST API: the list and one campaign in scope, its plan, its figures and
its talks. Reads start from `visible_to(user)`; the plan calls the same service as the page's
button and the CLI. Out of scope answers 404 like absent."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from tanhua.api.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery, SearchText, paginate
from tanhua.campaigns import services, stats
from tanhua.campaigns.models import Campaign
from tanhua.campaigns.views import VIEW_ROLES, sees_figures
from tanhua.core import scoping
from tanhua.core.versioning import etag
from tanhua.talks.models import Basis, Talk, TalkStatus, TalkType
from tanhua.talks.services import plan

router = Router(tags=["campaigns"])

StatusName = Literal[tuple(TalkStatus.values)]
TypeName = Literal[tuple(TalkType.values)]
BasisName = Literal[tuple(Basis.values)]


class CampaignOut(Schema):
    id: int
    year: int
    name: str
    committee_code: str
    committee_name: str
    committee_level: str
    parent_id: int | None = Field(None, description="上级谈话工作；超出查看范围时为空")
    window_start: dt.date
    window_end: dt.date
    status: str
    status_label: str
    rules: list[str] = Field(description="启用的谈话规则")
    substitute_reason: str = Field(description="书记空缺时代为谈话的事由")
    version: int


class CampaignPage(Schema):
    count: int
    items: list[CampaignOut]


class CampaignFilter(PageQuery):
    year: int | None = Field(None, ge=2000, le=2100, description="年度")


class PlanOut(Schema):
    created: int
    updated: int
    marked: int
    talker_code: str | None


class StageCounts(Schema):
    planned: int
    scheduled: int
    held: int
    sealed: int


class StatsOut(Schema):
    total: int = Field(description="政治监督谈话人次（计划或已谈）")
    held: int
    planned: int
    scheduled: int
    sealed: int
    by_level: dict[str, int] = Field(description="按组织谈话党委层级")
    by_tier: dict[str, int] = Field(description="按被谈话人管理层级")
    by_level_detail: dict[str, StageCounts]
    by_tier_detail: dict[str, StageCounts]


class TalkSummaryOut(Schema):
    id: int
    campaign_id: int
    type: str
    basis: str
    rule: str
    reason: str
    talker_code: str
    subject_code: str
    subject_name: str
    subject_tier: str
    subject_org_code: str
    subject_org_name: str
    subject_title: str
    status: str
    status_label: str
    left_on: dt.date | None
    scheduled_start: dt.datetime | None
    scheduled_end: dt.datetime | None
    place: str
    held_on: dt.date | None
    version: int


class TalkPage(Schema):
    count: int
    items: list[TalkSummaryOut]


class TalkFilter(PageQuery):
    status: StatusName | None = None
    type: TypeName | None = None
    basis: BasisName | None = None
    level: Literal["province", "city", "county", "township"] | None = Field(
        None, description="组织谈话党委层级"
    )
    tier: Literal["central", "provincial", "city", "county"] | None = Field(
        None, description="被谈话人管理层级"
    )
    q: SearchText | None = Field(None, description="按姓名、干部编号或职务搜索")
    own: bool = Field(False, description="只列本级谈话工作的谈话（默认含下级）")


def _campaigns(request):
    scoping.require(bool(scoping.user_roles(request.auth) & VIEW_ROLES))
    return Campaign.objects.visible_to(request.auth).select_related("committee")


def _campaign(request, campaign_id: int) -> Campaign:
    return get_object_or_404(_campaigns(request), pk=campaign_id)


def _out(c: Campaign, visible_parent: bool) -> dict:
    return {
        "id": c.pk,
        "year": c.year,
        "name": c.name,
        "committee_code": c.committee.code,
        "committee_name": c.committee.name,
        "committee_level": c.committee.level,
        "parent_id": c.parent_id if visible_parent else None,
        "window_start": c.window_start,
        "window_end": c.window_end,
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "rules": [r.kind for r in c.rules.all() if r.active],
        "substitute_reason": c.substitute_reason,
        "version": c.version,
    }


def _visible_parents(request, campaigns) -> set[int]:
    ids = {c.parent_id for c in campaigns if c.parent_id}
    if not ids:
        return set()
    return set(_campaigns(request).filter(pk__in=ids).values_list("pk", flat=True))


@router.get(
    "/campaigns",
    response={200: CampaignPage, **READ_ERRORS},
    summary="谈话工作列表",
    operation_id="list_campaigns",
)
def list_campaigns(request, filters: Query[CampaignFilter]):
    qs = _campaigns(request).prefetch_related("rules").order_by("-year", "committee__path")
    if filters.year:
        qs = qs.filter(year=filters.year)
    count, rows = paginate(qs, filters)
    parents = _visible_parents(request, rows)
    return {"count": count, "items": [_out(c, c.parent_id in parents) for c in rows]}


@router.get(
    "/campaigns/{campaign_id}",
    response={200: CampaignOut, **READ_ERRORS},
    summary="谈话工作详情",
    operation_id="get_campaign",
)
def get_campaign(request, response: HttpResponse, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    response["ETag"] = etag(campaign)
    return _out(campaign, campaign.parent_id in _visible_parents(request, [campaign]))


@router.post(
    "/campaigns/{campaign_id}/plan",
    response={200: PlanOut, **WRITE_ERRORS},
    summary="按规则生成谈话计划",
    description="幂等：重复调用不会重复新增；调整职务的按新职务更新，离任的予以标记。"
    "书记空缺且未指定代为谈话人时返回 422。",
    operation_id="plan_campaign",
)
def plan_campaign(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    scoping.require(services.may_plan(request.auth, campaign.committee))
    summary = plan.plan_campaign(actor=request.auth, campaign=campaign)
    return {
        "created": summary.created,
        "updated": summary.updated,
        "marked": summary.marked,
        "talker_code": summary.talker.code if summary.talker else None,
    }


@router.get(
    "/campaigns/{campaign_id}/stats",
    response={200: StatsOut, **READ_ERRORS},
    summary="谈话工作统计（含下级谈话工作，只计政治监督谈话）",
    operation_id="get_campaign_stats",
)
def get_campaign_stats(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    scoping.require(sees_figures(request.auth, campaign))
    data = stats.figures(stats.narrowed(stats.subtree_talks(campaign), request.auth)).as_json()
    detail = data.pop("detail")
    return {
        **data,
        "by_level_detail": detail["by_level"],
        "by_tier_detail": detail["by_tier"],
    }


@router.get(
    "/campaigns/{campaign_id}/talks",
    response={200: TalkPage, **READ_ERRORS},
    summary="谈话工作的谈话名单",
    operation_id="list_campaign_talks",
)
def list_campaign_talks(request, campaign_id: int, filters: Query[TalkFilter]):
    campaign = _campaign(request, campaign_id)
    talks = Talk.objects.visible_to(request.auth)
    if filters.own:
        talks = talks.filter(campaign=campaign)
    else:
        talks = talks.filter(
            campaign__year=campaign.year,
            campaign__committee__path__startswith=campaign.committee.path,
        )
    for name, lookup in (
        ("status", "status"),
        ("type", "type"),
        ("basis", "basis"),
        ("level", "campaign__committee__level"),
        ("tier", "subject__tier"),
    ):
        value = getattr(filters, name)
        if value:
            talks = talks.filter(**{lookup: value})
    if filters.q:
        from django.db.models import Q

        talks = talks.filter(
            Q(subject__name__icontains=filters.q)
            | Q(subject__code__icontains=filters.q)
            | Q(subject_title__icontains=filters.q)
        )
    talks = talks.select_related("subject", "subject_org", "talker").order_by(
        "campaign__committee__path", "subject_org__path", "subject__code"
    )
    count, rows = paginate(talks, filters)
    return {"count": count, "items": [_talk_out(t) for t in rows]}


def _talk_out(t: Talk) -> dict:
    return {
        "id": t.pk,
        "campaign_id": t.campaign_id,
        "type": t.type,
        "basis": t.basis,
        "rule": t.rule,
        "reason": t.reason,
        "talker_code": t.talker.code,
        "subject_code": t.subject.code,
        "subject_name": t.subject.name,
        "subject_tier": t.subject.tier,
        "subject_org_code": t.subject_org.code,
        "subject_org_name": t.subject_org.name,
        "subject_title": t.subject_title,
        "status": t.status,
        "status_label": str(t.get_status_display()),
        "left_on": t.left_on,
        "scheduled_start": t.scheduled_start,
        "scheduled_end": t.scheduled_end,
        "place": t.place,
        "held_on": t.held_on,
        "version": t.version,
    }
