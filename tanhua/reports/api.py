"""Reports over the REST API: the list in scope, one report with its sections, and its
annex (the figures, with their hash and this deployment's signature: what a higher
level's script collects). Reads start
from `visible_to(user)`; the annex is an audited export, as on the page."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from tanhua.api.schemas import READ_ERRORS, PageQuery, paginate
from tanhua.core import scoping
from tanhua.reports import services
from tanhua.reports.models import REPORT_ROLES, Report, ReportSection

router = Router(tags=["reports"])


class ReportOut(Schema):
    id: int
    kind: str
    kind_label: str
    year: int
    committee_code: str
    title: str
    status: str
    classification: int
    file_sha256: str = Field(description="已印发文件的 SHA-256；草稿为空")
    annex_sha256: str = Field(description="数据附件的内容哈希；草稿为空")
    issued_at: dt.datetime | None
    version: int


class SectionOut(Schema):
    key: str
    heading: str
    body: str
    version: int


class ReportDetail(ReportOut):
    sections: list[SectionOut]


class ReportPage(Schema):
    count: int
    items: list[ReportOut]


class ReportFilter(PageQuery):
    year: int | None = Field(None, ge=2000, le=2100, description="年度")


def _reports(request):
    scoping.require(scoping.has_any(request.auth, REPORT_ROLES))
    return Report.objects.visible_to(request.auth).select_related("committee")


def _out(r: Report) -> dict:
    return {
        "id": r.pk, "kind": r.kind, "kind_label": str(r.get_kind_display()), "year": r.year,
        "committee_code": r.committee.code, "title": r.title, "status": r.status,
        "classification": r.classification, "file_sha256": r.file_sha256,
        "annex_sha256": r.annex_sha256, "issued_at": r.issued_at, "version": r.version,
    }  # fmt: skip


@router.get(
    "/reports",
    response={200: ReportPage, **READ_ERRORS},
    summary="报告列表",
    operation_id="list_reports",
)
def list_reports(request, filters: Query[ReportFilter]):
    qs = _reports(request).order_by("-year", "-pk")
    if filters.year:
        qs = qs.filter(year=filters.year)
    count, rows = paginate(qs, filters)
    return {"count": count, "items": [_out(r) for r in rows]}


@router.get(
    "/reports/{report_id}",
    response={200: ReportDetail, **READ_ERRORS},
    summary="报告详情（含各部分正文）",
    operation_id="get_report",
)
def get_report(request, report_id: int):
    report = get_object_or_404(_reports(request), pk=report_id)
    sections = ReportSection.objects.visible_to(request.auth).filter(report=report)
    services.note_people_read(report)
    return {
        **_out(report),
        "sections": [
            {"key": s.key, "heading": s.heading, "body": s.body, "version": s.version}
            for s in sections
        ],
    }


@router.get(
    "/reports/{report_id}/annex",
    response={200: dict, **READ_ERRORS},
    summary="报告的数据附件（JSON，含内容哈希和签名）",
    description=(
        "接收方用 tanhua import 导入前校验 sha256 和 Ed25519 签名（signature，按 key_id"
        "查找已登记的报送单位公钥）；每次导出记入审计日志。"
    ),
    operation_id="get_report_annex",
)
def get_report_annex(request, report_id: int):
    report = get_object_or_404(_reports(request), pk=report_id)
    out = services.export(actor=request.auth, report=report, fmt="annex_json")
    return HttpResponse(out.data, content_type="application/json")
