"""Evidence over the REST API: findings (read, and their focus area corrected) and the
focus-area classifier. Reads start from `visible_to(user)`; the correction calls
tanhua.evidence.services. Out of scope answers 404 like absent."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpResponse
from ninja import Path as PathParam
from ninja import Query, Router

from tanhua.accounts import roles as R
from tanhua.api.schemas import READ_ERRORS, WRITE_ERRORS, paginate
from tanhua.core import scoping
from tanhua.core.versioning import etag
from tanhua.evidence.models import Finding
from tanhua.evidence.schemas import (
    ClassifyIn,
    FindingFilter,
    FindingOut,
    FindingPage,
    FocusAreaIn,
    ProposalOut,
)
from tanhua.evidence.services import correct_focus_area
from tanhua.org.models import Cadre, Organization, get_by_code_or_404

router = Router(tags=["evidence"])
FindingCode = Annotated[str, PathParam(description="问题编号")]


def _require_staff(user) -> None:
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))


def _out(findings, user) -> list[dict]:
    ids = {f.cadre_id for f in findings if f.cadre_id}
    # A finding in scope may be about a cadre whose posts lie elsewhere: no code then.
    seen = (
        set(Cadre.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        if ids
        else set()
    )
    return [
        {
            "code": f.code,
            "org_code": f.organization.code,
            "cadre_code": f.cadre.code if f.cadre_id in seen else None,
            "source": f.source,
            "source_label": f.get_source_display(),
            "date": f.date,
            "severity": f.severity,
            "focus_area": f.focus_area,
            "focus_area_source": f.focus_area_source,
            "proposed_focus_area": f.proposed_focus_area,
            "confidence": f.confidence,
            "text": f.text,
            "version": f.version,
        }
        for f in findings
    ]


def _visible(user):
    return Finding.objects.visible_to(user).select_related("organization", "cadre")


@router.get(
    "/findings",
    response={200: FindingPage, **READ_ERRORS},
    summary="问题线索列表",
    operation_id="list_findings",
)
def list_findings(request, filters: Query[FindingFilter]):
    user = request.auth
    _require_staff(user)
    qs = _visible(user)
    if filters.org_code:
        org = Organization.objects.visible_to(user).filter(code=filters.org_code).first()
        # An organization out of scope filters to nothing, exactly like an unknown one.
        qs = qs.filter(organization__path__startswith=org.path) if org else qs.none()
    if filters.focus_area:
        qs = qs.filter(focus_area=filters.focus_area)
    if filters.focus_area_source:
        qs = qs.filter(focus_area_source=filters.focus_area_source)
    if filters.source:
        qs = qs.filter(source=filters.source)
    count, rows = paginate(qs.order_by("-date", "code"), filters)
    return {"count": count, "items": _out(rows, user)}


@router.get(
    "/findings/{code}",
    response={200: FindingOut, **READ_ERRORS},
    summary="问题线索详情",
    operation_id="get_finding",
)
def get_finding(request, response: HttpResponse, code: FindingCode):
    user = request.auth
    _require_staff(user)
    finding = get_by_code_or_404(_visible(user), code)
    response["ETag"] = etag(finding)
    return _out([finding], user)[0]


@router.post(
    "/findings/{code}/focus-area",
    response={200: FindingOut, **WRITE_ERRORS},
    summary="校正问题的重点方面（保留系统建议，并用于下次训练）",
    operation_id="correct_finding_focus_area",
)
def correct_finding_focus_area(request, response: HttpResponse, code: FindingCode,
                               payload: FocusAreaIn):  # fmt: skip
    user = request.auth
    _require_staff(user)
    finding = get_by_code_or_404(_visible(user), code)
    correct_focus_area(actor=user, finding=finding, focus_area=payload.focus_area)
    fresh = get_by_code_or_404(_visible(user), code)
    response["ETag"] = etag(fresh)
    return _out([fresh], user)[0]


@router.post(
    "/classify",
    response={200: list[ProposalOut], **WRITE_ERRORS},
    summary="为问题描述建议重点方面及置信度（顺序与输入一致）",
    operation_id="classify_texts",
)
def classify_texts(request, payload: ClassifyIn):
    from tanhua.evidence import classifier

    _require_staff(request.auth)
    return [
        {"focus_area": p.focus_area, "confidence": p.confidence}
        for p in classifier.propose(payload.texts)
    ]
