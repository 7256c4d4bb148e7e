"""The 政治生态 index of a locality (DESIGN §5): positive and negative indicators with weights
adding to 100, read against the commission's green / yellow thresholds. The scheme is data
(EcologyScheme, edited on its page through `save_scheme`), never code.

Each indicator scores its weight times the locality's standing among its peers (0 the worst
peer … 1 the best, direction-aware): a positive indicator earns those points; a negative one
(信访举报、违纪案件 …) starts from its weight and deducts weight × (1 − standing). A locality
without a value of an indicator gets half its weight and the gap is shown."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tanhua.audit import services as audit
from tanhua.portrait.models import Colour, EcologyScheme, EcologyWeight, Sign

TOTAL = Decimal("100")


def colour(index: float, green_min: float, yellow_min: float) -> str:
    if index >= green_min:
        return Colour.GREEN
    if index >= yellow_min:
        return Colour.YELLOW
    return Colour.RED


@dataclass(frozen=True)
class WeightDraft:
    indicator_id: int
    weight: str
    sign: str


def _number(raw: str, what: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(w)s“%(v)s”不是数字") % {"w": what, "v": raw}) from None
    if not value.is_finite():
        raise ValidationError(_("%(w)s“%(v)s”不是数字") % {"w": what, "v": raw})
    return value


def clean_scheme(
    weights: list[WeightDraft], green_min: str, yellow_min: str
) -> tuple[list[tuple[int, Decimal, str]], Decimal, Decimal]:
    """Validated weights and thresholds, or a ValidationError naming every problem."""
    problems: list[str] = []
    green = yellow = None
    try:
        green = _number(green_min, _("绿色下限"))
        yellow = _number(yellow_min, _("黄色下限"))
    except ValidationError as exc:
        problems += exc.messages
    if green is not None and yellow is not None:
        if not (0 <= yellow < green <= 100):
            problems.append(_("阈值须满足 0 ≤ 黄色下限 < 绿色下限 ≤ 100"))
    out: list[tuple[int, Decimal, str]] = []
    seen: set[int] = set()
    for n, w in enumerate(weights, start=1):
        try:
            value = _number(w.weight, _("第%(n)d行权重") % {"n": n})
        except ValidationError as exc:
            problems += exc.messages
            continue
        if value <= 0:
            problems.append(_("第%(n)d行：权重须大于0") % {"n": n})
        if w.sign not in Sign.values:
            problems.append(_("第%(n)d行：请选择正向或负向") % {"n": n})
        if w.indicator_id in seen:
            problems.append(_("第%(n)d行：同一指标只能出现一次") % {"n": n})
        seen.add(w.indicator_id)
        out.append((w.indicator_id, value, w.sign))
    if not out:
        problems.append(_("请至少设置一个指标"))
    elif not problems and sum(v for _i, v, _s in out) != TOTAL:
        total = sum(v for _i, v, _s in out)
        problems.append(_("各指标权重之和须为100，现为%(t)s") % {"t": f"{total.normalize():f}"})
    if problems:
        raise ValidationError(problems)
    return out, green, yellow


@transaction.atomic
def save_scheme(
    *, actor, committee, weights: list[WeightDraft], green_min: str, yellow_min: str
) -> EcologyScheme:
    """Replace the committee's scheme (validated: weights add to 100, thresholds ordered)."""
    from tanhua.evidence.models import Indicator

    known = set(
        Indicator.objects.filter(pk__in=[w.indicator_id for w in weights]).values_list(
            "pk", flat=True
        )
    )
    missing = [w for w in weights if w.indicator_id not in known]
    if missing:
        raise ValidationError(_("所选指标不存在，请刷新后重试"))
    rows, green, yellow = clean_scheme(weights, green_min, yellow_min)
    scheme, _created = EcologyScheme.objects.select_for_update().get_or_create(committee=committee)
    before = describe(scheme)
    EcologyWeight.objects.filter(scheme=scheme).delete()
    EcologyWeight.objects.bulk_create(
        EcologyWeight(scheme=scheme, indicator_id=i, weight=v, sign=s) for i, v, s in rows
    )
    scheme.green_min, scheme.yellow_min, scheme.updated_by = green, yellow, actor
    scheme.bump_version()
    scheme.save()
    audit.record(
        "ecology_scheme.update",
        object_type="ecology_scheme",
        object_id=str(committee.pk),
        before=before,
        after=describe(scheme),
        actor=actor,
    )
    return scheme


def describe(scheme: EcologyScheme) -> dict:
    if scheme.pk is None:
        return {}
    weights = "；".join(
        f"{w.indicator.code} {w.get_sign_display()} {w.weight.normalize():f}"
        for w in scheme.weights.select_related("indicator")
    )
    return {
        "weights": weights,
        "green_min": f"{scheme.green_min.normalize():f}",
        "yellow_min": f"{scheme.yellow_min.normalize():f}",
    }


def index(items: list[dict], green_min: float, yellow_min: float) -> dict:
    """The index from scheme items, each {weight, sign, goodness (None = no value)}: the
    items with their points, positive points, negative deductions, index and colour."""
    positive = deduction = neg_full = 0.0
    out = []
    for item in items:
        g = 0.5 if item.get("goodness") is None else float(item["goodness"])
        w = float(item["weight"])
        if item["sign"] == Sign.POSITIVE:
            points = w * g
            positive += points
        else:
            neg_full += w
            points = -w * (1 - g)
            deduction += -points
        out.append({**item, "points": round(points, 2), "missing": item.get("goodness") is None})
    value = round(positive + neg_full - deduction, 1)
    return {
        "items": out,
        "positive": round(positive, 1),
        "negative_full": round(neg_full, 1),
        "deduction": round(deduction, 1),
        "index": value,
        "colour": colour(value, green_min, yellow_min),
        "green_min": green_min,
        "yellow_min": yellow_min,
    }
