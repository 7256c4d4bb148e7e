"""The portrait page of a talk (staff and the talker, never the subject), the figures' source
records, the staff's button that computes the portrait and drafts the outline, and the
政治生态 scheme page. What a user sees is the scoping layer's (Talk / Portrait.visible_to)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.evidence.models import Indicator, Source
from tanhua.portrait import candidates as cands
from tanhua.portrait import charts
from tanhua.portrait.ecology import WeightDraft, save_scheme
from tanhua.portrait.models import EcologyScheme, Portrait, Sign
from tanhua.portrait.services import prepare
from tanhua.talks.models import FocusArea
from tanhua.talks.views import part_in, visible_talk


def _talk_for_portrait(request, pk: int):
    talk = visible_talk(request, pk)
    part = part_in(request.user, talk)
    scoping.require((part.staff or part.talker) and not part.subject)
    return talk, part


def _portrait(request, talk) -> Portrait | None:
    qs = Portrait.objects.visible_to(request.user).filter(talk=talk)
    raw = request.GET.get("as_of", "")
    if raw:
        try:
            qs = qs.filter(as_of__lte=dt.date.fromisoformat(raw))
        except ValueError:
            messages.error(request, _("日期“%(d)s”无效，已显示最新画像") % {"d": raw[:20]})
    return qs.order_by("-as_of").first()


def _visible_items(user, data: dict) -> list[dict]:
    """The snapshot's findings within the user's clearance (the rest are counted only)."""
    level = scoping.clearance(user)
    return [i for i in data["findings"]["items"] if i["classification"] <= level]


@login_required
@require_GET
def talk_portrait(request, pk: int):
    talk, part = _talk_for_portrait(request, pk)
    portrait = _portrait(request, talk)
    context = {"talk": talk, "part": part, "portrait": portrait}
    if portrait is not None:
        data = portrait.data
        items = _visible_items(request.user, data)
        labels = dict(Source.choices)
        by_area = {}
        for i in items:
            by_area.setdefault(i["focus_area"] or "-", []).append(i)
        repeated = {r["id"]: r for r in data["findings"]["repeated"]}
        context.update(
            data=data,
            indicators=data["indicators"],
            by_area=sorted(by_area.items()),
            hidden=len(data["findings"]["items"]) - len(items),
            sources=sorted(
                (
                    (labels.get(s, s), s, len(ids))
                    for s, ids in data["findings"]["by_source"].items()
                ),
                key=lambda r: -r[2],
            ),
            repeated=repeated,
            candidates=data.get("candidates", []),
            chosen=[c for c in data.get("candidates", []) if c.get("chosen")],
            left_out=[c for c in data.get("candidates", []) if not c.get("chosen")],
            chart=charts.payload(data),
            snapshots=list(
                Portrait.objects.visible_to(request.user)
                .filter(talk=talk)
                .order_by("-as_of")
                .values_list("as_of", flat=True)[:20]
            ),
            areas=dict(FocusArea.choices),
            source_labels=cands.SOURCE_LABELS,
        )
    return render(request, "portrait/talk.html", context)


def _ids_for(data: dict, key: str) -> tuple[set[int], list[dict]]:
    """The finding ids and indicator rows a figure named by `key` was computed from."""
    f = data["findings"]
    rows = data["indicators"]
    kind, _sep, arg = key.partition(":")
    if kind == "indicator":
        return set(), [r for r in rows if r["code"] == arg]
    if kind == "area":
        return set(f["by_focus_area"].get(arg, [])), []
    if kind == "source":
        return set(f["by_source"].get(arg, [])), []
    if kind == "open":
        return set(f["open"]), []
    if kind == "repeated":
        return {r["id"] for r in f["repeated"]} | {r["earlier"] for r in f["repeated"]}, []
    if kind == "candidate":
        for c in data.get("candidates", []):
            if c["key"] == arg:
                return set(c["findings"]), [r for r in rows if r["indicator"] in c["indicators"]]
    if kind == "ecology" and data.get("ecology"):
        inds = {i["indicator"] for i in data["ecology"]["items"]}
        return set(), [r for r in rows if r["indicator"] in inds]
    return {i["id"] for i in f["items"]}, rows if kind == "all" else []


@login_required
@require_GET
def sources(request, pk: int):
    """The source records of one figure of the snapshot: findings and indicator values."""
    talk, part = _talk_for_portrait(request, pk)
    portrait = _portrait(request, talk)
    key = request.GET.get("key", "all")[:80]
    data = portrait.data if portrait else {"indicators": [], "findings": {
        "items": [], "by_focus_area": {}, "by_source": {}, "open": [], "repeated": []}}  # fmt: skip
    ids, rows = _ids_for(data, key)
    items = [i for i in _visible_items(request.user, data) if i["id"] in ids]
    context = {
        "talk": talk, "part": part, "portrait": portrait, "key": key, "items": items,
        "rows": rows, "hidden": len(ids) - len(items), "source_labels": cands.SOURCE_LABELS,
        "repeated": {r["id"]: r for r in data["findings"]["repeated"]},
    }  # fmt: skip
    return render(request, "portrait/sources.html", context)


@login_required
@require_POST
def prepare_talk(request, pk: int):
    """生成画像与提纲草稿 for this talk: staff only; an edited outline is never overwritten."""
    talk, part = _talk_for_portrait(request, pk)
    scoping.require(part.staff)
    try:
        summary = prepare(actor=request.user, year=talk.campaign.year, talk_ids=[talk.pk])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("portrait:talk", pk=talk.pk)
    if not summary.talks:
        messages.error(request, _("该谈话已进行或不是政治监督谈话，不再生成画像"))
    elif summary.outlines_kept:
        messages.success(request, _("画像已更新；提纲已有人修改，未覆盖您的提纲"))
    elif summary.outlines_frozen:
        messages.success(request, _("画像已更新；提纲已提交或审定，未改动"))
    else:
        messages.success(request, _("画像已更新，提纲草稿已按问题候选起草"))
    return redirect("portrait:talk", pk=talk.pk)


@login_required
@require_http_methods(["GET", "POST"])
def ecology_scheme(request):
    """The committee's 政治生态 scheme (the user's own organization's): weights adding to
    100, signs, thresholds."""
    user = request.user
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))
    committee = user.organization
    scoping.require(committee is not None)
    scheme = EcologyScheme.objects.filter(committee=committee).first()
    indicators = list(Indicator.objects.order_by("code"))
    errors: list[str] = []
    if request.method == "POST":
        drafts = []
        by_code = {i.code: i for i in indicators}
        codes = request.POST.getlist("indicator")
        weights = request.POST.getlist("weight")
        signs = request.POST.getlist("sign")
        for code, weight, sign in zip(codes, weights, signs, strict=False):
            if not code.strip() and not weight.strip():
                continue
            if code not in by_code:
                errors.append(_("指标“%(c)s”不存在") % {"c": code[:32]})
                continue
            drafts.append(WeightDraft(by_code[code].pk, weight, sign))
        if not errors:
            try:
                save_scheme(
                    actor=user, committee=committee, weights=drafts,
                    green_min=request.POST.get("green_min", ""),
                    yellow_min=request.POST.get("yellow_min", ""),
                )  # fmt: skip
                messages.success(request, _("政治生态指标方案已保存"))
                return redirect("portrait:ecology")
            except ValidationError as exc:
                errors = exc.messages
        rows = [
            {"code": c, "weight": w, "sign": s}
            for c, w, s in zip(codes, weights, signs, strict=False)
        ]
    else:
        rows = [
            {"code": w.indicator.code, "weight": f"{w.weight.normalize():f}", "sign": w.sign}
            for w in (scheme.weights.select_related("indicator") if scheme else [])
        ]
    rows += [{"code": "", "weight": "", "sign": Sign.POSITIVE}] * 5
    context = {
        "committee": committee, "scheme": scheme, "rows": rows, "indicators": indicators,
        "signs": Sign.choices, "errors": errors,
        "green_min": request.POST.get("green_min") or _fmt(scheme and scheme.green_min, "80"),
        "yellow_min": request.POST.get("yellow_min") or _fmt(scheme and scheme.yellow_min, "60"),
        "total": sum(float(r["weight"]) for r in rows if _is_number(r["weight"])),
    }  # fmt: skip
    return render(request, "portrait/ecology.html", context)


def _is_number(raw: str) -> bool:
    try:
        float(raw)
    except (TypeError, ValueError):
        return False
    return True


def _fmt(value, default: str) -> str:
    return f"{value.normalize():f}" if value is not None and value is not False else default
