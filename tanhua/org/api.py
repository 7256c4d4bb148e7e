"""The registry over the REST API: organizations, cadres and positions, addressed by code.

Reads start from `visible_to(user)`; writes call tanhua.org.services and nothing else, so the
API enforces exactly what the pages and imports enforce. Out of scope answers 404 like absent.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path as PathParam
from ninja import Query, Router, Status

from tanhua.api.errors import FieldError, UnknownReference, expected_version
from tanhua.api.schemas import EDIT_ERRORS, READ_ERRORS, WRITE_ERRORS, paginate
from tanhua.audit import services as audit
from tanhua.audit.models import Result
from tanhua.core import request_context, scoping
from tanhua.core.classification import Classification
from tanhua.core.versioning import etag
from tanhua.org import services
from tanhua.org.messages import CODE_UNAVAILABLE
from tanhua.org.models import (
    Cadre,
    Level,
    Organization,
    Position,
    Tier,
    get_by_code_or_404,
)
from tanhua.org.schemas import (
    CadreDetailOut,
    CadreFilter,
    CadreIn,
    CadrePage,
    CadrePatch,
    ClassificationValue,  # noqa: F401 - re-exported, the schema tests read it here
    GenderName,  # noqa: F401 - re-exported, the schema tests read it here
    LevelName,  # noqa: F401 - re-exported, the schema tests read it here
    OrganizationDetailOut,
    OrganizationFilter,
    OrganizationIn,
    OrganizationOut,
    OrganizationPage,
    OrganizationPatch,
    PositionFilter,
    PositionIn,
    PositionOut,
    PositionPage,
    PositionPatch,
    TierName,  # noqa: F401 - re-exported, the schema tests read it here
)

router = Router(tags=["registry"])

# Path codes are plain strings on purpose: one that cannot be a code answers 404, not 422.
OrgCode = Annotated[str, PathParam(description="组织编码")]
CadreCode = Annotated[str, PathParam(description="干部编号")]


@contextmanager
def _fields(**by_code: str):
    """Attach the request field a service's ValidationError concerns, by the error's code."""
    try:
        yield
    except ValidationError as exc:
        codes = [e.code for e in exc.error_list] if hasattr(exc, "error_list") else []
        field = next((by_code[c] for c in codes if c in by_code), None)
        raise FieldError(exc, ["body", field] if field else ["body"]) from exc


def _probe(*, field: str, code: str, refusal: str) -> None:
    """Audit a refused code (DESIGN §2, issue 6): one entry per refusal, so the auditor sees
    someone probing codes. It records what was sent, never whether the code exists."""
    request = request_context.current_request()
    audit.record(
        "code.unavailable",
        object_type="code",
        object_id=code,
        result=Result.DENIED,
        actor=getattr(request, "auth", None),
        detail={
            "operation": f"{request.method} {request.path}" if request else "",
            "field": field,
            "code": code,
            "refusal": refusal,
        },
    )


def _unknown(field: str, what: str, code: str) -> UnknownReference:
    # Absent, out of scope, above clearance and declared (回避) read the same, word for word;
    # the code quoted is the caller's own input.
    _probe(field=field, code=code, refusal="unknown_reference")
    return UnknownReference(
        _("%(field)s：%(what)s“%(code)s”不存在") % {"field": field, "what": what, "code": code}
    )


def _code_unavailable(field: str, code: str) -> FieldError:
    """A new code that is taken, wherever the holder lies (in scope, out of it, above the
    caller's clearance, declared): one message that quotes and confirms nothing stored."""
    _probe(field=field, code=code, refusal="taken")
    return FieldError(ValidationError(CODE_UNAVAILABLE, code="code_unavailable"), ["body", field])


@contextmanager
def _taken_as_unavailable(field: str, code: str):
    """The service's own uniqueness check (a race with a concurrent create) answers the same."""
    try:
        yield
    except ValidationError as exc:
        codes = [e.code for e in exc.error_list] if hasattr(exc, "error_list") else []
        if "unique" in codes:
            raise _code_unavailable(field, code) from exc
        raise


# --- organizations -------------------------------------------------------------------


def _org_out(org: Organization, top: str | None) -> dict:
    ancestors = org.ancestor_codes()
    # The parent of the user's own organization lies outside their scope: do not name it.
    parent = ancestors[-1] if ancestors and org.path != top else None
    out = {
        "code": org.code,
        "name": org.name,
        "level": org.level,
        "level_label": str(Level(org.level).label),
        "kind": org.kind,
        "parent_code": parent,
        "depth": org.depth,
        "version": org.version,
    }
    if hasattr(org, "child_count"):
        out["children_count"] = org.child_count
    return out


def _visible_orgs(request):
    scoping.require(scoping.can_browse_orgs(request.auth))
    return Organization.objects.visible_to(request.auth)


def _org_detail(request, code: str) -> Organization:
    qs = _visible_orgs(request).annotate(child_count=Count("children"))
    return get_by_code_or_404(qs, code)


def _parent_for(request, code: str | None) -> Organization | None:
    if code is None:
        return None
    parent = Organization.objects.visible_to(request.auth).filter(code=code).first()
    if parent is None:
        raise _unknown("parent_code", _("上级组织"), code)
    return parent


@router.get(
    "/organizations",
    response={200: OrganizationPage, **READ_ERRORS},
    summary="组织列表",
    operation_id="list_organizations",
)
def list_organizations(request, filters: Query[OrganizationFilter]):
    qs = _visible_orgs(request)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        # Resolved among the visible: the hidden parent of the user's own organization must
        # answer like an unknown code, not list its visible child.
        parent = Organization.objects.visible_to(request.auth).filter(code=filters.parent)
        qs = qs.filter(parent__in=parent)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    count, rows = paginate(qs.order_by("path"), filters)
    top = scoping.scope_path(request.auth)
    return {"count": count, "items": [_org_out(o, top) for o in rows]}


@router.get(
    "/organizations/{code}",
    response={200: OrganizationDetailOut, **READ_ERRORS},
    summary="组织详情",
    operation_id="get_organization",
)
def get_organization(request, response: HttpResponse, code: OrgCode):
    org = _org_detail(request, code)
    response["ETag"] = etag(org)
    return _org_out(org, scoping.scope_path(request.auth))


@router.get(
    "/organizations/{code}/children",
    response={200: list[OrganizationOut], **READ_ERRORS},
    summary="直接下级组织",
    operation_id="list_organization_children",
)
def list_organization_children(request, code: OrgCode):
    visible = _visible_orgs(request)
    org = get_by_code_or_404(visible, code)
    top = scoping.scope_path(request.auth)
    return [_org_out(o, top) for o in visible.filter(parent=org).order_by("code")]


@router.post(
    "/organizations",
    response={201: OrganizationDetailOut, **WRITE_ERRORS},
    summary="新建组织",
    operation_id="create_organization",
)
def create_organization(request, payload: OrganizationIn):
    user = request.auth
    scoping.require(scoping.can_edit_registry(user))
    parent = _parent_for(request, payload.parent_code)
    # Scope before uniqueness: a root (or any place the caller may not create in) must answer
    # 404 whether or not the code is taken.
    services.check_actor_may_edit(user, parent)
    if Organization.objects.filter(code=payload.code).exists():
        raise _code_unavailable("code", payload.code)
    # The inner manager sees the service's error first: a taken code must not reach _fields.
    with (
        _fields(
            invalid="code",
            level="level",
            cycle="parent_code",
            required="name",
            max_length="name",
        ),
        _taken_as_unavailable("code", payload.code),
    ):
        org = services.create_organization(
            actor=user,
            code=payload.code,
            name=payload.name,
            level=payload.level,
            kind=payload.kind,
            parent=parent,
        )
    return Status(201, _org_out(_org_detail(request, org.code), scoping.scope_path(user)))


@router.patch(
    "/organizations/{code}",
    response={200: OrganizationDetailOut, **EDIT_ERRORS},
    summary="修改组织",
    operation_id="update_organization",
)
def update_organization(request, response: HttpResponse, code: OrgCode, payload: OrganizationPatch):
    user = request.auth
    scoping.require(scoping.can_edit_registry(user))
    org = get_by_code_or_404(_visible_orgs(request), code)
    expected = expected_version(request)
    sent = payload.model_fields_set
    parent = _parent_for(request, payload.parent_code) if "parent_code" in sent else ...
    level_field = "level" if payload.level else "parent_code"
    with _fields(level=level_field, cycle="parent_code", required="name", max_length="name"):
        services.update_organization(
            actor=user,
            org=org,
            name=payload.name,
            kind=payload.kind,
            level=payload.level,
            parent=parent,
            expected_version=expected,
        )
    fresh = _org_detail(request, org.code)
    response["ETag"] = etag(fresh)
    return Status(200, _org_out(fresh, scoping.scope_path(user)))


# --- cadres and positions -------------------------------------------------------------


def _cadre_out(cadre: Cadre) -> dict:
    return {
        "code": cadre.code,
        "name": cadre.name,
        "tier": cadre.tier,
        "tier_label": str(Tier(cadre.tier).label),
        "gender": cadre.gender,
        "classification": cadre.classification,
        "classification_label": str(Classification(cadre.classification).label),
        "version": cadre.version,
    }


def _position_out(p: Position) -> dict:
    return {
        "id": p.pk,
        "cadre_code": p.cadre.code,
        "cadre_name": p.cadre.name,
        "org_code": p.organization.code,
        "org_name": p.organization.name,
        "title": p.title,
        "principal": p.principal,
        "start": p.start,
        "end": p.end,
        "version": p.version,
    }


def _cadre_detail(request, cadre: Cadre) -> dict:
    positions = (
        Position.objects.visible_to(request.auth)
        .filter(cadre=cadre)
        .select_related("organization", "cadre")
        .order_by("-start", "pk")
    )
    return {**_cadre_out(cadre), "positions": [_position_out(p) for p in positions]}


@router.get(
    "/cadres",
    response={200: CadrePage, **READ_ERRORS},
    summary="干部列表",
    operation_id="list_cadres",
)
def list_cadres(request, filters: Query[CadreFilter]):
    user = request.auth
    scoping.require(scoping.can_see_people(user))
    qs = Cadre.objects.visible_to(user).search(filters.q or "")
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    count, rows = paginate(qs.order_by("code"), filters)
    return {"count": count, "items": [_cadre_out(c) for c in rows]}


@router.get(
    "/cadres/{code}",
    response={200: CadreDetailOut, **READ_ERRORS},
    summary="干部详情（含任职）",
    operation_id="get_cadre",
)
def get_cadre(request, response: HttpResponse, code: CadreCode):
    cadre = get_by_code_or_404(Cadre.objects.visible_to(request.auth), code)
    response["ETag"] = etag(cadre)
    return _cadre_detail(request, cadre)


@router.post(
    "/cadres",
    response={201: CadreDetailOut, **WRITE_ERRORS},
    summary="新建干部",
    operation_id="create_cadre",
)
def create_cadre(request, payload: CadreIn):
    user = request.auth
    scoping.require(scoping.can_edit_registry(user))
    taken = Cadre.objects.unscoped("uniqueness: a code is taken wherever its holder lies")
    if taken.filter(code=payload.code).exists():
        raise _code_unavailable("code", payload.code)
    with (
        _fields(
            invalid="code",
            tier="tier",
            gender="gender",
            required="name",
            max_length="name",
        ),
        _taken_as_unavailable("code", payload.code),
    ):
        cadre = services.create_cadre(
            actor=user,
            code=payload.code,
            name=payload.name,
            tier=payload.tier,
            gender=payload.gender,
            classification=payload.classification,
        )
    # A new cadre holds no post yet, so it is in nobody's scope: answer with what was made.
    return Status(201, {**_cadre_out(cadre), "positions": []})


@router.patch(
    "/cadres/{code}",
    response={200: CadreDetailOut, **EDIT_ERRORS},
    summary="修改干部",
    operation_id="update_cadre",
)
def update_cadre(request, response: HttpResponse, code: CadreCode, payload: CadrePatch):
    user = request.auth
    scoping.require(scoping.can_edit_registry(user))
    cadre = get_by_code_or_404(Cadre.objects.visible_to(user), code)
    expected = expected_version(request)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    with _fields(tier="tier", gender="gender", required="name", max_length="name"):
        cadre = services.update_cadre(actor=user, cadre=cadre, expected_version=expected, **changes)
    # Re-read through scope: a classification above the caller's clearance hides the cadre.
    fresh = get_by_code_or_404(Cadre.objects.visible_to(user), code)
    response["ETag"] = etag(fresh)
    return Status(200, _cadre_detail(request, fresh))


@router.get(
    "/positions",
    response={200: PositionPage, **READ_ERRORS},
    summary="任职列表",
    operation_id="list_positions",
)
def list_positions(request, filters: Query[PositionFilter]):
    user = request.auth
    scoping.require(scoping.can_see_people(user))
    visible = Position.objects.visible_to(user)
    qs = visible.select_related("organization", "cadre")
    # Codes are resolved among what the user may see, so a hidden code filters like an unknown.
    if filters.org_code:
        qs = qs.filter(organization__in=_visible_orgs(request).filter(code=filters.org_code))
    if filters.cadre_code:
        cadres = Cadre.objects.visible_to(user).filter(code=filters.cadre_code)
        qs = qs.filter(cadre__in=cadres.values("pk"))
    if filters.current is True:
        qs = qs.current()
    elif filters.current is False:
        qs = qs.exclude(pk__in=visible.current().values("pk"))
    # By the post's copy of the path (the organization's, without joining every organization).
    count, rows = paginate(qs.order_by("org_path", "-principal", "title", "pk"), filters)
    return {"count": count, "items": [_position_out(p) for p in rows]}


def _visible_position(user, pk: int) -> Position:
    qs = Position.objects.visible_to(user).select_related("organization", "cadre")
    return get_object_or_404(qs, pk=pk)


def _cadre_for_post(user, code: str) -> Cadre:
    cadre = services.assignable_cadres(user).filter(code=code).first()
    if cadre is None:
        raise _unknown("cadre_code", _("干部"), code)
    return cadre


@router.post(
    "/positions",
    response={201: PositionOut, **WRITE_ERRORS},
    summary="新增任职",
    operation_id="create_position",
)
def create_position(request, payload: PositionIn):
    user = request.auth
    scoping.require(scoping.can_edit_registry(user))
    cadre = _cadre_for_post(user, payload.cadre_code)
    org = Organization.objects.visible_to(user).filter(code=payload.org_code).first()
    if org is None:
        raise _unknown("org_code", _("组织"), payload.org_code)
    with _fields(dates="end", unique="start", required="title", max_length="title"):
        position = services.create_position(
            actor=user,
            cadre=cadre,
            organization=org,
            title=payload.title,
            principal=payload.principal,
            start=payload.start,
            end=payload.end,
        )
    return Status(201, _position_out(_visible_position(user, position.pk)))


@router.patch(
    "/positions/{id}",
    response={200: PositionOut, **EDIT_ERRORS},
    summary="修改任职（一把手标记、免职日期）",
    operation_id="update_position",
)
def update_position(request, response: HttpResponse, id: int, payload: PositionPatch):
    user = request.auth
    scoping.require(scoping.can_edit_registry(user))
    if not 1 <= id < 2**63:
        raise scoping.OutOfScope
    position = _visible_position(user, id)
    expected = expected_version(request)
    sent = payload.model_fields_set
    with _fields(dates="end"):
        position = services.update_position(
            actor=user,
            position=position,
            principal=payload.principal,
            end=payload.end if "end" in sent else ...,
            expected_version=expected,
        )
    fresh = _visible_position(user, position.pk)
    response["ETag"] = etag(fresh)
    return Status(200, _position_out(fresh))
