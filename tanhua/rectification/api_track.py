"""The REST API of tracking: the four-colour board, the measures of a cell, the 三查三问 view
and look-backs (list, start, read, check an item). Same services, scoping and filters as the
pages (`views_track.filtered`); a code the caller may not see answers like an unknown one."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from tanhua.api.errors import UnknownReference
from tanhua.api.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery, paginate
from tanhua.core import scoping
from tanhua.org.models import Cadre, is_code
from tanhua.rectification import board as agg
from tanhua.rectification import views_track as pages
from tanhua.rectification.forms_track import split_codes
from tanhua.rectification.models import LookBack, LookBackItem, Measure
from tanhua.rectification.services import lookback as lb

router = Router(tags=["整改跟踪"])


class BoardQuery(Schema):
    group: str = Field("committee", pattern="^(committee|subject|campaign)$")
    campaign: int | None = None
    focus_area: str | None = Field(None, pattern="^A[1-4]$")
    unit: str | None = Field(None, max_length=32, description="单位编码（含下级）")


class Counts(Schema):
    green: int
    yellow: int
    red: int
    blue: int


class BoardRow(Schema):
    key: str
    label: str
    extra: str
    counts: Counts
    total: int


class BoardOut(Schema):
    group: str
    rows: list[BoardRow]
    totals: Counts
    total: int


class MeasureQuery(PageQuery):
    campaign: int | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    committee: str | None = Field(None, max_length=32)
    within: str | None = Field(None, max_length=32, description="该党委及其下级党委的谈话工作")
    subject_org: str | None = Field(None, max_length=32, description="被谈话人所在单位")
    subject: str | None = Field(None, max_length=32)
    unit: str | None = Field(None, max_length=32)
    focus_area: str | None = Field(None, pattern="^A[1-4]$")
    colour: str | None = Field(None, pattern="^(green|yellow|red|blue)$")
    state: str | None = Field(None, pattern="^(open|overdue|closed)$")


class MeasureOut(Schema):
    id: int
    text: str
    status: str
    colour: str
    kind: str
    focus_area: str
    deadline: dt.date
    original_deadline: dt.date
    reopened: int
    subject_code: str
    subject_name: str
    unit_code: str
    owner_cadre_code: str | None
    owner_org_code: str | None
    campaign_id: int
    url: str


class MeasurePage(Schema):
    count: int
    items: list[MeasureOut]


class SanchaQuery(Schema):
    units: str = Field("", max_length=2000, description="组织编码，以逗号或空格分隔")
    campaign: int | None = None


class SanchaRow(Schema):
    code: str
    name: str
    open: int
    overdue: int
    closed: int


class ItemOut(Schema):
    id: int
    measure_id: int
    why: str
    result: str
    note: str
    verified_by: str | None
    verified_at: dt.datetime | None


class LookBackOut(Schema):
    id: int
    campaign_id: int
    title: str
    sample_size: int
    seed: int
    started_at: dt.datetime
    items: list[ItemOut]


class LookBackIn(Schema):
    title: str = Field(..., max_length=200)
    sample_size: int = Field(..., ge=0, le=lb.MAX_SAMPLE)
    seed: int | None = Field(None, ge=0, le=2**62)
    subject_codes: list[str] = Field(default_factory=list, max_length=500)


class VerifyIn(Schema):
    result: str = Field(..., pattern="^(passed|failed)$")
    note: str = Field("", max_length=2000)


def _measures(request, params: dict):
    user = request.auth
    pages._require(user, pages.BOARD_ROLES)
    qs, _kept, errors = pages.filtered(
        user,
        {k: str(v) for k, v in params.items() if v is not None},
        Measure.objects.visible_to(user),
    )
    if errors:
        raise UnknownReference(errors[0])
    return user, qs


@router.get(
    "/tracking/board",
    response={200: BoardOut, **READ_ERRORS},
    summary="整改四色看板（按党委、被谈话人或谈话工作汇总）",
    operation_id="tracking_board",
)
def board(request, query: Query[BoardQuery]):
    params = query.dict()
    group = params.pop("group")
    _user, qs = _measures(request, params)
    data = agg.board(qs, group=group, today=timezone.localdate())
    agg.note_read(data.rows)
    return {
        "group": group,
        "rows": [
            {"key": r.key, "label": r.label, "extra": r.extra, "counts": r.counts,
             "total": r.total}
            for r in data.rows
        ],
        "totals": data.totals,
        "total": data.total,
    }  # fmt: skip


@router.get(
    "/tracking/measures",
    response={200: MeasurePage, **READ_ERRORS},
    summary="看板单元格对应的整改举措",
    operation_id="tracking_measures",
)
def measures(request, query: Query[MeasureQuery]):
    params = query.dict()
    page = PageQuery(page=params.pop("page"), page_size=params.pop("page_size"))
    _user, qs = _measures(request, params)
    qs = qs.select_related("subject", "subject_org", "owner_cadre", "owner_org").order_by(
        "deadline", "pk"
    )
    count, rows = paginate(qs, page)
    today = timezone.localdate()
    return {
        "count": count,
        "items": [
            {
                "id": m.pk, "text": m.text, "status": m.status, "colour": m.colour(today),
                "kind": m.kind, "focus_area": m.focus_area, "deadline": m.deadline,
                "original_deadline": m.original_deadline, "reopened": m.reopened,
                "subject_code": m.subject.code, "subject_name": m.subject.name,
                "unit_code": m.subject_org.code,
                "owner_cadre_code": m.owner_cadre.code if m.owner_cadre_id else None,
                "owner_org_code": m.owner_org.code if m.owner_org_id else None,
                "campaign_id": m.campaign_id, "url": agg.measure_url(m.pk),
            }
            for m in rows
        ],
    }  # fmt: skip


@router.get(
    "/tracking/sancha",
    response={200: list[SanchaRow], **READ_ERRORS},
    summary="三查三问：各单位未销号、逾期、已销号的整改举措数",
    operation_id="tracking_sancha",
)
def sancha(request, query: Query[SanchaQuery]):
    user = request.auth
    pages._require(user, pages.BOARD_ROLES)
    codes = split_codes(query.units)
    units, errors = pages._sancha_units(user, codes)
    if errors:
        raise UnknownReference(errors[0])
    qs = Measure.objects.visible_to(user)
    if query.campaign:
        qs = qs.filter(campaign_id=query.campaign)
    return [
        {"code": r.unit.code, "name": r.unit.name, "open": r.open, "overdue": r.overdue,
         "closed": r.closed}
        for r in agg.sancha(qs, units, today=timezone.localdate())
    ]  # fmt: skip


def _look_back_out(user, look_back) -> dict:
    items = (
        LookBackItem.objects.visible_to(user)
        .filter(look_back=look_back)
        .select_related("verified_by")
    )
    return {
        "id": look_back.pk, "campaign_id": look_back.campaign_id, "title": look_back.title,
        "sample_size": look_back.sample_size, "seed": look_back.seed,
        "started_at": look_back.started_at,
        "items": [
            {"id": i.pk, "measure_id": i.measure_id, "why": i.why, "result": i.result,
             "note": i.note, "verified_by": i.verified_by.username if i.verified_by else None,
             "verified_at": i.verified_at}
            for i in items
        ],
    }  # fmt: skip


@router.get(
    "/tracking/look-backs",
    response={200: list[LookBackOut], **READ_ERRORS},
    summary="回头看列表",
    operation_id="list_look_backs",
)
def list_look_backs(request):
    user = request.auth
    pages._require(user, pages.LOOKBACK_ROLES)
    return [_look_back_out(user, x) for x in LookBack.objects.visible_to(user)[:200]]


@router.post(
    "/tracking/campaigns/{campaign_id}/look-backs",
    response={201: LookBackOut, **WRITE_ERRORS},
    summary="发起回头看（随机抽查已销号举措，并全面复查指定干部的举措）",
    operation_id="start_look_back",
)
def start_look_back(request, campaign_id: int, body: LookBackIn):
    from tanhua.campaigns.models import Campaign

    user = request.auth
    pages._require(user, pages.LOOKBACK_ROLES)
    campaign = Campaign.objects.visible_to(user).filter(pk=campaign_id).first()
    scoping.require(campaign is not None)
    subjects = []
    for code in dict.fromkeys(body.subject_codes):
        cadre = Cadre.objects.visible_to(user).filter(code=code).first() if is_code(code) else None
        if cadre is None:
            raise UnknownReference(f"未找到干部 {code[:32]}")
        subjects.append(cadre)
    try:
        made = lb.start_look_back(
            actor=user, campaign=campaign, title=body.title, sample_size=body.sample_size,
            seed=body.seed, subjects=subjects,
        )  # fmt: skip
    except lb.LookBackError as exc:
        raise ValidationError(str(exc), code="look_back") from None
    return Status(201, _look_back_out(user, made))


@router.get(
    "/tracking/look-backs/{look_back_id}",
    response={200: LookBackOut, **READ_ERRORS},
    summary="回头看详情及复查结果",
    operation_id="get_look_back",
)
def get_look_back(request, look_back_id: int):
    user = request.auth
    pages._require(user, pages.LOOKBACK_ROLES)
    found = LookBack.objects.visible_to(user).filter(pk=look_back_id).first()
    scoping.require(found is not None)
    return _look_back_out(user, found)


@router.post(
    "/tracking/look-back-items/{item_id}/verify",
    response={200: ItemOut, **WRITE_ERRORS},
    summary="复查一项举措（未通过时须写明理由，举措将重新打开）",
    operation_id="verify_look_back_item",
)
def verify_item(request, item_id: int, body: VerifyIn):
    user = request.auth
    pages._require(user, pages.LOOKBACK_ROLES)
    item = (
        LookBackItem.objects.visible_to(user)
        .filter(look_back__in=LookBack.objects.visible_to(user).values("pk"), pk=item_id)
        .first()
    )
    scoping.require(item is not None)
    try:
        item = lb.verify_item(actor=user, item=item, passed=body.result == "passed", note=body.note)
    except lb.LookBackError as exc:
        raise ValidationError(str(exc), code="look_back") from None
    return {
        "id": item.pk, "measure_id": item.measure_id, "why": item.why, "result": item.result,
        "note": item.note, "verified_by": user.username, "verified_at": item.verified_at,
    }  # fmt: skip
