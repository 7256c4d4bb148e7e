"""The portrait over the REST API: a talk's latest snapshot (or as of a date), the source
records of one of its figures, and the staff's prepare (portrait and outline draft). The
same scoping as the pages: staff in scope and the talker, never the subject or the recorder
(404); findings above the reader's clearance are counted, not shown."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from tanhua.api.schemas import READ_ERRORS, WRITE_ERRORS
from tanhua.core import scoping
from tanhua.portrait.models import Portrait
from tanhua.portrait.services import prepare
from tanhua.portrait.views import _ids_for, _visible_items
from tanhua.talks.models import Talk
from tanhua.talks.views import part_in

router = Router(tags=["portrait"])


class PortraitQuery(Schema):
    as_of: dt.date | None = Field(None, description="画像日期（缺省为最新）")


class SourcesQuery(PortraitQuery):
    key: str = Field(
        "all",
        max_length=80,
        description="数字的来源：indicator:代码、repeated、open、area:A1、source:来源、candidate:键、ecology、all",
    )


class PortraitOut(Schema):
    talk_id: int
    as_of: dt.date | None
    indicators: list[dict]
    findings: list[dict]
    hidden_findings: int
    counts: dict[str, int]
    repeated: list[dict]
    candidates: list[dict]
    ecology: dict | None


class SourcesOut(Schema):
    talk_id: int
    as_of: dt.date | None
    key: str
    findings: list[dict]
    indicator_values: list[dict]
    hidden_findings: int


class PrepareOut(Schema):
    talk_id: int
    summary: str
    outline_drafted: bool
    outline_kept: bool


def _talk(request, id: int) -> Talk:
    talk = Talk.objects.visible_to(request.auth).filter(pk=id).first()
    scoping.require(talk is not None)
    part = part_in(request.auth, talk)
    scoping.require((part.staff or part.talker) and not part.subject)
    return talk


def _snapshot(request, talk: Talk, as_of: dt.date | None) -> Portrait | None:
    qs = Portrait.objects.visible_to(request.auth).filter(talk=talk)
    if as_of is not None:
        qs = qs.filter(as_of__lte=as_of)
    return qs.order_by("-as_of").first()


@router.get(
    "/talks/{id}/portrait",
    response={200: PortraitOut, **READ_ERRORS},
    summary="谈话对象的画像（指标、问题线索、问题候选、政治生态）",
    operation_id="get_talk_portrait",
)
def get_portrait(request, id: int, query: Query[PortraitQuery]):
    talk = _talk(request, id)
    portrait = _snapshot(request, talk, query.as_of)
    if portrait is None:
        return {
            "talk_id": talk.pk, "as_of": None, "indicators": [], "findings": [],
            "hidden_findings": 0, "counts": {}, "repeated": [], "candidates": [], "ecology": None,
        }  # fmt: skip
    data = portrait.data
    items = _visible_items(request.auth, data)
    f = data["findings"]
    return {
        "talk_id": talk.pk,
        "as_of": portrait.as_of,
        "indicators": data["indicators"],
        "findings": items,
        "hidden_findings": len(f["items"]) - len(items),
        "counts": {"all": len(f["items"]), "open": len(f["open"]), "repeated": len(f["repeated"])},
        "repeated": [r for r in f["repeated"] if r["id"] in {i["id"] for i in items}],
        "candidates": data.get("candidates", []),
        "ecology": data.get("ecology"),
    }


@router.get(
    "/talks/{id}/portrait/sources",
    response={200: SourcesOut, **READ_ERRORS},
    summary="画像中一个数字所依据的原始记录（问题线索与指标值）",
    operation_id="get_talk_portrait_sources",
)
def get_sources(request, id: int, query: Query[SourcesQuery]):
    talk = _talk(request, id)
    portrait = _snapshot(request, talk, query.as_of)
    if portrait is None:
        raise ValidationError(_("尚未生成画像"), code="no_portrait")
    ids, rows = _ids_for(portrait.data, query.key)
    items = [i for i in _visible_items(request.auth, portrait.data) if i["id"] in ids]
    return {
        "talk_id": talk.pk, "as_of": portrait.as_of, "key": query.key, "findings": items,
        "indicator_values": rows, "hidden_findings": len(ids) - len(items),
    }  # fmt: skip


@router.post(
    "/talks/{id}/portrait/prepare",
    response={200: PrepareOut, **WRITE_ERRORS},
    summary="生成画像与提纲草稿（已有人修改的提纲不覆盖）",
    operation_id="prepare_talk_portrait",
)
def prepare_portrait(request, id: int):
    talk = _talk(request, id)
    scoping.require(part_in(request.auth, talk).staff)
    summary = prepare(actor=request.auth, year=talk.campaign.year, talk_ids=[talk.pk])
    if not summary.talks:
        raise ValidationError(_("该谈话已进行或不是政治监督谈话，不再生成画像"), code="held")
    return {
        "talk_id": talk.pk,
        "summary": summary.line(),
        "outline_drafted": bool(summary.outlines_drafted or summary.outlines_updated),
        "outline_kept": bool(summary.outlines_kept or summary.outlines_frozen),
    }
