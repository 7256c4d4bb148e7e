"""Browsing the registry: the tree, an organization with its posts, cadres and their posts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tanhua.core import scoping
from tanhua.exchange import listing
from tanhua.org.forms import CadreFilterForm
from tanhua.org.models import Cadre, Organization, Position, get_by_code_or_404

CADRES_PER_PAGE = 50

# What each list's 导出 writes: the columns the page shows, by the page's own labels.
CADRE_COLUMNS = [
    listing.Column("干部编号", lambda c: c.code),
    listing.Column("姓名", lambda c: c.name),
    listing.Column("管理层级", lambda c: c.get_tier_display()),
    listing.Column("性别", lambda c: c.get_gender_display()),
    listing.Column(
        "现任职务",
        lambda c: "；".join(f"{p.organization.name}{p.title}" for p in c.current_positions),
        width=40,
    ),
]
POST_COLUMNS = [
    listing.Column("职务", lambda p: p.title),
    listing.Column("是否一把手", lambda p: p.principal),
    listing.Column("任职人", lambda p: p.cadre.name),
    listing.Column("干部编号", lambda p: p.cadre.code),
    listing.Column("管理层级", lambda p: p.cadre.get_tier_display()),
    listing.Column("任职日期", lambda p: p.start),
]
CHILD_COLUMNS = [
    listing.Column("名称", lambda o: o.name, width=24),
    listing.Column("编码", lambda o: o.code),
    listing.Column("层级", lambda o: o.get_level_display()),
    listing.Column("下级数", lambda o: o.child_count),
]


def _with_child_counts(qs):
    return qs.annotate(child_count=Count("children", distinct=True))


@login_required
@require_GET
def tree(request):
    scoping.require(scoping.can_browse_orgs(request.user))
    top = get_object_or_404(
        _with_child_counts(Organization.objects.visible_to(request.user)),
        pk=request.user.organization_id,
    )
    children = _with_child_counts(
        Organization.objects.visible_to(request.user).filter(parent=top)
    ).order_by("code")
    return render(request, "org/tree.html", {"top": top, "children": children})


@login_required
@require_GET
def organization_children(request, code: str):
    """The htmx partial that unfolds one node of the tree."""
    visible = Organization.objects.visible_to(request.user)
    org = get_by_code_or_404(visible, code)
    children = _with_child_counts(visible.filter(parent=org)).order_by("code")
    return render(request, "org/_tree_children.html", {"children": children})


@login_required
@require_GET
def organization_detail(request, code: str):
    user = request.user
    visible = Organization.objects.visible_to(user)
    org = get_by_code_or_404(visible.select_related("parent"), code)
    ancestors = visible.filter(code__in=org.ancestor_codes()).order_by("depth")
    children = _with_child_counts(visible.filter(parent=org)).order_by("code")
    show_people = scoping.can_see_people(user)
    positions = (
        Position.objects.visible_to(user)
        .filter(organization=org)
        .current()
        .select_related("cadre")
        .order_by("-principal", "title", "start")
        if show_people
        else Position.objects.visible_to(user).none()
    )
    which = request.GET.get("list")
    if listing.wants_export(request) and which in {"posts", "children"}:
        if which == "posts":
            scoping.require(show_people)
            return listing.export_list(
                request,
                kind="position",
                title=f"{org.name}领导职务",
                columns=POST_COLUMNS,
                rows=positions,
            )
        return listing.export_list(
            request,
            kind="organization",
            title=f"{org.name}下级组织",
            columns=CHILD_COLUMNS,
            rows=children,
        )
    return render(
        request,
        "org/organization_detail.html",
        {
            "org": org,
            "ancestors": ancestors,
            "children": children,
            "positions": positions,
            "show_people": show_people,
        },
    )


@login_required
@require_GET
def cadre_list(request):
    user = request.user
    scoping.require(scoping.can_see_people(user))
    form = CadreFilterForm(request.GET or None)
    cadres = Cadre.objects.visible_to(user)
    if form.is_valid():
        cadres = form.apply(cadres, user=user)
    current = Position.objects.visible_to(user).current().select_related("organization")
    cadres = cadres.order_by("code").prefetch_related(
        Prefetch(
            "positions",
            queryset=current.order_by("-principal", "start"),
            to_attr="current_positions",
        )
    )
    if listing.wants_export(request):
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        return listing.export_list(
            request,
            kind="cadre",
            title="干部名单",
            columns=CADRE_COLUMNS,
            rows=cadres,
            filters={str(form.fields[k].label): str(v) for k, v in filters.items()},
        )
    page = Paginator(cadres, CADRES_PER_PAGE).get_page(request.GET.get("page"))
    template = "org/_cadre_rows.html" if request.htmx else "org/cadre_list.html"
    return render(request, template, {"form": form, "page": page})


@login_required
@require_GET
def cadre_detail(request, code: str):
    user = request.user
    cadre = get_by_code_or_404(Cadre.objects.visible_to(user), code)
    positions = (
        Position.objects.visible_to(user)
        .filter(cadre=cadre)
        .select_related("organization")
        .order_by("-start")
    )
    # The read of a person is audited by construction: tanhua.audit.reads.
    return render(request, "org/cadre_detail.html", {"cadre": cadre, "positions": positions})
