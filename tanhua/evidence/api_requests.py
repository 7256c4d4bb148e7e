"""Material requests over the REST API: staff and submitters list and read the requests their
scope reaches (a submitter sees only their own submissions in them); a submitter answers one
with a multipart upload. Same services and scoping as the pages; out of scope is 404."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from tanhua.accounts import roles as R
from tanhua.api.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery, paginate
from tanhua.core import scoping
from tanhua.evidence import requests as services
from tanhua.evidence.models import MaterialRequest, MaterialSubmission
from tanhua.files.models import Attachment
from tanhua.files.services import FileRefused, read_upload

router = Router(tags=["material requests"])
READERS = frozenset(R.PLAN_TALKS | {R.Role.SUBMITTER})


class AttachmentOut(Schema):
    id: int
    filename: str
    kind: str
    size: int
    download_url: str


class SubmissionOut(Schema):
    id: int
    unit_code: str
    submitted_by: str
    submitted_at: dt.datetime
    note: str
    files: list[AttachmentOut]


class UnitOut(Schema):
    code: str
    name: str
    sent: bool
    late: bool


class RequestOut(Schema):
    id: int
    campaign_id: int
    title: str
    description: str
    deadline: dt.date
    status: str
    units: list[UnitOut]
    submissions: list[SubmissionOut]


class RequestPage(Schema):
    count: int
    items: list[RequestOut]


def _files(user, submissions) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    if not submissions:
        return out
    rows = Attachment.objects.visible_to(user).filter(
        owner_kind=services.SUBMISSION_KIND, owner_id__in=[s.pk for s in submissions]
    )
    for a in rows:
        out.setdefault(a.owner_id, []).append(
            {
                "id": a.pk,
                "filename": a.filename,
                "kind": a.kind,
                "size": a.size,
                "download_url": f"/files/{a.pk}/download/",
            }
        )
    return out


def _out(user, requests) -> list[dict]:
    """Staff see every unit's progress and answer; a submitter sees their own answers and,
    of the units, only their own (what other units sent is not theirs to know)."""
    requests = list(requests)
    staff = scoping.has_any(user, R.PLAN_TALKS)
    today = timezone.localdate()
    subs = list(
        MaterialSubmission.objects.visible_to(user)
        .filter(request__in=[r.pk for r in requests])
        .select_related("unit", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    files = _files(user, subs)
    items = []
    for req in requests:
        mine = [s for s in subs if s.request_id == req.pk]
        units = services.unit_statuses(req, mine, today=today)
        if not staff:
            units = [u for u in units if u.unit.pk == user.organization_id]
        items.append(
            {
                "id": req.pk,
                "campaign_id": req.campaign_id,
                "title": req.title,
                "description": req.description,
                "deadline": req.deadline,
                "status": req.status,
                "units": [
                    {"code": u.unit.code, "name": u.unit.name, "sent": u.sent, "late": u.late}
                    for u in units
                ],
                "submissions": [
                    {
                        "id": s.pk,
                        "unit_code": s.unit.code,
                        "submitted_by": s.submitted_by.username,
                        "submitted_at": s.submitted_at,
                        "note": s.note,
                        "files": files.get(s.pk, []),
                    }
                    for s in mine
                ],
            }
        )
    return items


def _visible(user):
    scoping.require(scoping.has_any(user, READERS))
    return MaterialRequest.objects.visible_to(user)


@router.get(
    "/material-requests",
    response={200: RequestPage, **READ_ERRORS},
    summary="调取材料列表（报送人：发给本单位的）",
    operation_id="list_material_requests",
)
def list_requests(request, page: Query[PageQuery]):
    user = request.auth
    count, rows = paginate(_visible(user).order_by("-created_at", "-pk"), page)
    return {"count": count, "items": _out(user, rows)}


@router.get(
    "/material-requests/{request_id}",
    response={200: RequestOut, **READ_ERRORS},
    summary="调取材料详情",
    operation_id="get_material_request",
)
def get_request(request, request_id: int):
    user = request.auth
    req = _visible(user).filter(pk=request_id).first()
    scoping.require(req is not None)
    return _out(user, [req])[0]


@router.post(
    "/material-requests/{request_id}/submissions",
    response={201: SubmissionOut, **WRITE_ERRORS},
    summary="报送材料（multipart：files 可多个，note 说明）",
    operation_id="submit_materials",
)
def submit(request, request_id: int, note: Form[str] = "",
           files: File[list[UploadedFile]] = None):  # fmt: skip
    user = request.auth
    scoping.require(scoping.has_any(user, {R.Role.SUBMITTER}))
    req = (
        MaterialRequest.objects.visible_to(user)
        .filter(pk=request_id, unit_rows__organization_id=user.organization_id)
        .first()
    )
    scoping.require(req is not None)
    try:
        uploads = [read_upload(f) for f in (files or [])]
        sub = services.submit_materials(actor=user, request=req, note=note, files=uploads)
    except (FileRefused, services.RequestError) as exc:
        raise ValidationError(str(exc), code="file") from None
    sub = (
        MaterialSubmission.objects.visible_to(user)
        .select_related("unit", "submitted_by")
        .get(pk=sub.pk)
    )
    return Status(
        201,
        {
            "id": sub.pk,
            "unit_code": sub.unit.code,
            "submitted_by": sub.submitted_by.username,
            "submitted_at": sub.submitted_at,
            "note": sub.note,
            "files": _files(user, [sub]).get(sub.pk, []),
        },
    )


@router.post(
    "/material-requests/{request_id}/close",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="结束调取材料（不再接收报送，不再提醒）",
    operation_id="close_material_request",
)
def close(request, request_id: int):
    user = request.auth
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))
    req = _visible(user).filter(pk=request_id).first()
    scoping.require(req is not None)
    try:
        req = services.close_request(actor=user, request=req)
    except services.RequestError as exc:
        raise ValidationError(str(exc), code="status") from None
    return _out(user, [req])[0]
