"""Pages of the tracking half: the four-colour board and the measures behind each of its
cells, the 三查三问 view (page and xlsx), the look-backs (回头看) and the 廉政档案 section of a
cadre's page. Every read starts from `visible_to`; every code from a query string is checked
by `is_code` and resolved through the viewer's scope, so a hidden one reads like an unknown."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.exchange import listing
from tanhua.org.models import Cadre, Organization, get_by_code_or_404, is_code
from tanhua.rectification import board as agg
from tanhua.rectification.forms_track import BoardFilterForm, LookBackForm, SanchaForm, VerifyForm
from tanhua.rectification.models import (
    CheckResult,
    Colour,
    LookBack,
    LookBackItem,
    Measure,
)
from tanhua.rectification.services import lookback as lb

BOARD_ROLES = frozenset(R.PLAN_TALKS | {R.Role.TALKER})
LOOKBACK_ROLES = R.PLAN_TALKS
DOSSIER_ROLES = frozenset(R.SEE_PEOPLE | {R.Role.SUBJECT})
STATES = {"open": _("未销号"), "overdue": _("逾期"), "closed": _("已销号")}
# The filters as the measures page names them back to the reader.
FILTER_LABELS = {
    "campaign": _("谈话工作"), "year": _("年度"), "committee": _("党委"),
    "within": _("党委（含下级）"), "subject": _("被谈话人"), "subject_org": _("被谈话人单位"),
    "unit": _("单位"), "focus_area": _("重点方面"), "colour": _("颜色"), "state": _("状态"),
    "measure": _("举措"),
}  # fmt: skip
PAGE_SIZE = 50
BOARD_PAGE_SIZE = 100


def _require(user, roles) -> None:
    scoping.require(scoping.has_any(user, roles))


def _campaigns(measures):
    from tanhua.campaigns.models import Campaign

    return (
        Campaign.objects.unscoped("the campaigns of measures the viewer sees")
        .filter(pk__in=measures.order_by().values("campaign_id"))
        .order_by("-year", "name")
    )


def _unit(user, code: str):
    """A unit named by code, through the viewer's scope (None: unknown or hidden alike)."""
    if not is_code(code):
        return None
    return Organization.objects.visible_to(user).filter(code=code).first()


def filtered(user, g, measures):
    """The measures narrowed by the query string `g` (pages and the API alike): campaign,
    year, committee (its own campaigns) or within (and below), subject, subject's
    organization, unit, focus area, colour, state, one measure. Returns (queryset,
    filters kept, errors)."""
    today = timezone.localdate()
    kept: dict[str, str] = {}
    errors: list[str] = []
    if (value := g.get("campaign", "")).isdigit():
        measures = measures.filter(campaign_id=int(value))
        kept["campaign"] = value
    if (value := g.get("year", "")).isdigit() and 2000 <= int(value) <= 2100:
        measures = measures.filter(campaign__year=int(value))
        kept["year"] = value
    # `within`: campaigns of a committee and the committees below it (the leadership board's
    # figures); `subject_org`: subjects of exactly that organization (its table by unit).
    for param in ("within", "subject_org"):
        if value := g.get(param, "").strip():
            org = _unit(user, value)
            if org is None:
                errors.append(_("未找到编码为 %(c)s 的单位（或您无权查看）。") % {"c": value[:32]})
                measures = measures.none()
            elif param == "within":
                measures = measures.filter(campaign__committee__path__startswith=org.path)
            else:
                measures = measures.filter(subject_org=org)
            kept[param] = value
    for param, lookup in (("committee", "campaign__committee__code"), ("subject", "subject__code")):
        if value := g.get(param, ""):
            # A code that cannot be one names nothing; a hidden one finds no visible measure.
            measures = measures.filter(**{lookup: value}) if is_code(value) else measures.none()
            kept[param] = value
    if value := g.get("unit", "").strip():
        unit = _unit(user, value)
        if unit is None:
            errors.append(_("未找到编码为 %(c)s 的单位（或您无权查看）。") % {"c": value[:32]})
            measures = measures.none()
        else:
            measures = measures.filter(agg.unit_q(unit))
        kept["unit"] = value
    if (value := g.get("focus_area", "")) in {"A1", "A2", "A3", "A4"}:
        measures = measures.filter(focus_area=value)
        kept["focus_area"] = value
    if (value := g.get("colour", "")) in agg.COLOURS:
        measures = measures.filter(agg.colour_q(value, today))
        kept["colour"] = value
    if (value := g.get("state", "")) in STATES:
        measures = measures.filter(agg.state_q(value, today))
        kept["state"] = value
    if (value := g.get("measure", "")).isdigit():
        measures = measures.filter(pk=int(value))
        kept["measure"] = value
    return measures, kept, errors


# --- the board -----------------------------------------------------------------------------


@login_required
@require_GET
def board(request):
    user = request.user
    _require(user, BOARD_ROLES)
    today = timezone.localdate()
    visible = Measure.objects.visible_to(user)
    group = request.GET.get("group") or "committee"
    if group not in agg.GROUPS:
        group = "committee"
    measures, kept, errors = filtered(user, request.GET, visible)
    kept.pop("colour", None)
    form = BoardFilterForm(request.GET or None, campaigns=_campaigns(visible))
    data = agg.board(measures, group=group, today=today)
    param = {"campaign": "campaign", "committee": "committee", "subject": "subject"}[group]
    base = {k: v for k, v in kept.items() if k in ("campaign", "focus_area", "unit")}
    list_url = _url("rectification:track_measures")
    # One grouped query gives every row; a province's thousands of subjects are shown a page
    # at a time (the totals stay those of all rows).
    page = Paginator(data.rows, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    agg.note_read(page)
    for row in page:
        row.cells = [
            (c, row.counts[c], list_url + "?" + urlencode({**base, param: row.key, "colour": c}))
            for c in agg.COLOURS
        ]
    totals = data.totals
    total_cells = [
        (c, totals[c], list_url + "?" + urlencode({**base, "colour": c})) for c in agg.COLOURS
    ]
    context = {
        "board": data, "page": page, "form": form, "group": group,
        "query": urlencode({**kept, "group": group}), "errors": errors, "today": today,
        "colours": [(c, Colour(c).label) for c in agg.COLOURS], "total_cells": total_cells,
    }  # fmt: skip
    template = "rectification/board_table.html" if request.htmx else "rectification/board.html"
    return render(request, template, context)


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@login_required
@require_GET
def track_measures(request):
    user = request.user
    _require(user, BOARD_ROLES)
    today = timezone.localdate()
    measures, kept, errors = filtered(user, request.GET, Measure.objects.visible_to(user))
    measures = measures.select_related(
        "subject", "subject_org", "owner_cadre", "owner_org", "campaign"
    ).order_by("deadline", "pk")
    page = Paginator(measures, PAGE_SIZE).get_page(request.GET.get("page"))
    for m in page:
        m.colour_now = m.colour(today)
        m.url = agg.measure_url(m.pk)
    context = {
        "page": page, "kept": kept, "errors": errors, "today": today,
        "kept_labelled": [(FILTER_LABELS.get(k, k), v) for k, v in kept.items()],
        "colour_labels": dict(Colour.choices), "query": urlencode(kept),
        "state_labels": STATES,
    }  # fmt: skip
    return render(request, "rectification/board_measures.html", context)


# --- 三查三问 ------------------------------------------------------------------------------


def _sancha_units(user, codes: list[str]) -> tuple[list, list[str]]:
    units, errors = [], []
    for code in codes[:100]:
        unit = _unit(user, code)
        if unit is None:
            errors.append(_("未找到编码为 %(c)s 的单位（或您无权查看）。") % {"c": code[:32]})
        else:
            units.append(unit)
    if len(codes) > 100:
        errors.append(_("一次最多查询 100 个单位，其余未查询。"))
    return units, errors


SANCHA_COLUMNS = [
    listing.Column(_("单位编码"), lambda r: r[0].code, 12),
    listing.Column(_("单位"), lambda r: r[0].name, 18),
    listing.Column(_("状态"), lambda r: r[2], 10),
    listing.Column(_("被谈话人"), lambda r: r[1].subject.name, 12),
    listing.Column(_("重点方面"), lambda r: r[1].focus_area, 8),
    listing.Column(_("问题"), lambda r: r[1].problem.text, 40),
    listing.Column(_("整改举措"), lambda r: r[1].text, 40),
    listing.Column(
        _("责任人/单位"),
        lambda r: r[1].owner_cadre.name if r[1].owner_cadre_id else r[1].owner_org.name,
        14,
    ),
    listing.Column(_("整改时限"), lambda r: r[1].deadline, 12),
    listing.Column(_("原定时限"), lambda r: r[1].original_deadline, 12),
]


@login_required
@require_GET
def sancha(request):
    user = request.user
    _require(user, BOARD_ROLES)
    today = timezone.localdate()
    visible = Measure.objects.visible_to(user)
    form = SanchaForm(request.GET or None, campaigns=_campaigns(visible))
    units, errors, rows = [], [], []
    measures = visible
    if form.is_bound and form.is_valid():
        if form.cleaned_data.get("campaign"):
            measures = measures.filter(campaign_id=form.cleaned_data["campaign"])
        units, errors = _sancha_units(user, form.codes())
        rows = agg.sancha(measures, units, today=today)
    if listing.wants_export(request) and units:
        return _sancha_export(request, measures, units, today)
    list_url = _url("rectification:track_measures")
    campaign = (
        str(form.cleaned_data.get("campaign") or "") if form.is_bound and form.is_valid() else ""
    )
    for r in rows:
        extra = {"campaign": campaign} if campaign else {}
        r.links = {
            s: list_url + "?" + urlencode({"unit": r.unit.code, "state": s, **extra})
            for s in STATES
        }
    context = {"form": form, "rows": rows, "errors": errors, "query": request.GET.urlencode()}
    return render(request, "rectification/sancha.html", context)


def _sancha_export(request, measures, units, today):
    state_label = {"closed": STATES["closed"]}

    def rows():
        for unit in units:
            qs = (
                measures.filter(agg.unit_q(unit))
                .select_related("subject", "problem", "owner_cadre", "owner_org")
                .order_by("deadline", "pk")
            )
            for m in qs:
                if m.status == "closed":
                    state = state_label["closed"]
                elif m.is_overdue(today):
                    state = STATES["overdue"]
                else:
                    state = STATES["open"]
                yield (unit, m, state)

    return listing.export_list(
        request,
        kind="sancha",
        title=_("三查三问整改情况"),
        columns=SANCHA_COLUMNS,
        rows=rows(),
        filters={"units": " ".join(u.code for u in units),
                 "campaign": request.GET.get("campaign", "")},
    )  # fmt: skip


# --- look-backs ----------------------------------------------------------------------------


@login_required
@require_GET
def lookback_list(request):
    user = request.user
    _require(user, LOOKBACK_ROLES)
    from django.db.models import Count, Q

    # Only the items the reader may open are counted: one more would tell of a 机密 or 回避
    # subject's measure in the sample.
    mine = Q(items__measure__in=Measure.objects.visible_to(user).values("pk"))
    rows = (
        LookBack.objects.visible_to(user)
        .select_related("campaign", "started_by")
        .annotate(
            total=Count("items", filter=mine),
            failed=Count("items", filter=mine & Q(items__result=CheckResult.FAILED)),
            pending=Count("items", filter=mine & Q(items__result=CheckResult.PENDING)),
        )
    )
    return render(request, "rectification/lookback_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def lookback_create(request):
    from tanhua.campaigns.models import Campaign

    user = request.user
    _require(user, LOOKBACK_ROLES)
    campaigns = Campaign.objects.visible_to(user).order_by("-year", "name")
    form = LookBackForm(request.POST or None, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        campaign = campaigns.filter(pk=data["campaign"]).first()
        subjects, bad = [], []
        for code in form.subject_codes():
            cadre = (
                Cadre.objects.visible_to(user).filter(code=code).first() if is_code(code) else None
            )
            (subjects.append(cadre) if cadre else bad.append(code[:32]))
        if campaign is None:
            form.add_error("campaign", _("请选择谈话工作。"))
        elif bad:
            form.add_error(
                "subjects", _("未找到干部编号：%(c)s（或您无权查看）。") % {"c": "、".join(bad)}
            )
        else:
            try:
                made = lb.start_look_back(
                    actor=user, campaign=campaign, title=data["title"],
                    sample_size=data["sample_size"], seed=data.get("seed"), subjects=subjects,
                )  # fmt: skip
            except lb.LookBackError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("已发起回头看，共 %(n)d 项待复查。")
                    % {"n": LookBackItem.objects.visible_to(user).filter(look_back=made).count()},
                )
                return redirect("rectification:lookback_detail", pk=made.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "rectification/lookback_form.html", {"form": form}, status=status)


def _items(user, look_back):
    items = list(
        LookBackItem.objects.visible_to(user)
        .filter(look_back=look_back)
        .select_related("measure__subject", "measure__owner_cadre", "measure__owner_org",
                        "verified_by")
    )  # fmt: skip
    for item in items:
        item.url = agg.measure_url(item.measure_id)
    return items


@login_required
@require_GET
def lookback_detail(request, pk: int):
    user = request.user
    _require(user, LOOKBACK_ROLES)
    look_back = get_object_or_404(
        LookBack.objects.visible_to(user).select_related("campaign"), pk=pk
    )
    context = {"lb": look_back, "items": _items(user, look_back), "form": VerifyForm()}
    return render(request, "rectification/lookback_detail.html", context)


@login_required
@require_POST
def lookback_verify(request, pk: int):
    user = request.user
    _require(user, LOOKBACK_ROLES)
    item = get_object_or_404(
        LookBackItem.objects.visible_to(user)
        .filter(look_back__in=LookBack.objects.visible_to(user).values("pk"))
        .select_related("measure__subject", "measure__owner_cadre", "measure__owner_org"),
        pk=pk,
    )
    form = VerifyForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            item = lb.verify_item(
                actor=user, item=item, passed=form.cleaned_data["result"] == "passed",
                note=form.cleaned_data.get("note", ""),
            )  # fmt: skip
        except lb.LookBackError as exc:
            error = str(exc)
    else:
        error = "；".join(e for errs in form.errors.values() for e in errs)
    if request.htmx:
        item = next(i for i in _items(user, item.look_back_id) if i.pk == item.pk)
        item.error = error
        return render(
            request, "rectification/lookback_item.html", {"item": item, "form": form},
            status=400 if error else 200,
        )  # fmt: skip
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("复查结果已保存。"))
    return redirect("rectification:lookback_detail", pk=item.look_back_id)


# --- 廉政档案 ------------------------------------------------------------------------------


@login_required
@require_GET
def dossier(request, code: str):
    from tanhua.rectification.dossier import build

    user = request.user
    _require(user, DOSSIER_ROLES)
    cadre = get_by_code_or_404(Cadre.objects.visible_to(user), code)
    # Who talked and who owns a measure are other people: named to staff and talkers, who
    # see people in their scope; a subject reads their own record.
    context = {
        "cadre": cadre, "years": build(user, cadre),
        "show_people": scoping.can_see_people(user),
    }  # fmt: skip
    template = (
        "rectification/dossier_section.html" if request.htmx else "rectification/dossier.html"
    )
    return render(request, template, context)
