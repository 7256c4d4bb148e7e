"""Import kinds `indicators` (matched by code) and `indicator_values` (matched on
organization, indicator and period). Values may name organizations and indicators of the
same file set; organizations resolve only within the importer's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from tanhua.evidence.models import Direction, Indicator, IndicatorValue
from tanhua.exchange.apply import Writer, insert_rows, update_rows
from tanhua.exchange.plan import Planner, Rec, chunks, shown
from tanhua.exchange.schema import Column, ImportKind
from tanhua.org.imports import organizations
from tanhua.org.models import Organization, code_validator
from tanhua.talks.models import FocusArea

from .words import DIRECTION_WORDS, clean_decimal, clean_focus_area, clean_period

INDICATORS = "indicators"
VALUES = "indicator_values"
INDICATOR_FIELDS = ("name", "unit", "direction", "focus_area")


@dataclass
class Changes:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates or self.updates)


class IndicatorsKind(ImportKind):
    name = INDICATORS
    label = "指标"
    columns = (
        Column("code", "编码", max_length=32, validator=code_validator),
        Column("name", "名称", max_length=100),
        Column("unit", "单位", required=False, max_length=32),
        Column(
            "direction", "方向", choices=Direction, dropdown=("越高越好", "越低越好")
        ),
        Column(
            "focus_area", "重点方面", required=False, max_length=100, choices=FocusArea,
            dropdown=tuple(FocusArea.values),
        ),
    )  # fmt: skip
    unique = ("code",)
    unique_label = "指标编码"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["code"] = p.code(rec, raw, self.column("code"))
        v["name"] = p.text(rec, raw, self.column("name"), required=True)
        v["direction"] = p.enum(rec, raw, self.column("direction"), DIRECTION_WORDS, required=True)
        # A column the file leaves out keeps what is stored; a blank cell clears it.
        if "unit" in p.present[INDICATORS]:
            v["unit"] = p.text(rec, raw, self.column("unit"), required=False)
        if "focus_area" in p.present[INDICATORS]:
            v["focus_area"] = clean_focus_area(p, rec, raw, self.column("focus_area"))

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        """Indicators are not about anyone: every importer sees them all. Leaves in
        p.results the codes of every indicator that will exist, among those named."""
        changes = Changes()
        p.plan.changes[INDICATORS] = changes
        codes = {r.values["code"] for r in recs if r.values.get("code")}
        db: dict[str, dict] = {}
        for chunk in chunks(sorted(codes)):
            for row in Indicator.objects.filter(code__in=chunk).values(
                "id", "code", *INDICATOR_FIELDS
            ):
                db[row["code"]] = row
        p.results[INDICATORS] = codes
        for rec in recs:
            v = rec.values
            if not rec.ok:
                continue
            old = db.get(v["code"])
            if old is None:
                after = {"unit": "", "focus_area": "", **v}
                changes.creates.append(after)
                p.plan.note(INDICATORS, "created", rec, shown(after))
                continue
            after = {**old, **{k: x for k, x in v.items() if x is not None}}
            changed = [f for f in INDICATOR_FIELDS if old[f] != after[f]]
            if not changed:
                p.plan.note(INDICATORS, "unchanged", rec, {})
                continue
            changes.updates.append((old, after))
            p.plan.note(INDICATORS, "updated", rec, shown(after), changed)

    def apply(self, changes: Changes, writer: Writer) -> None:
        stamp = writer.stamp
        insert_rows(
            Indicator,
            ["code", *INDICATOR_FIELDS, "created_at", "updated_at"],
            [
                (c["code"], c["name"], c["unit"] or "", c["direction"], c["focus_area"] or "",
                 stamp, stamp)
                for c in changes.creates
            ],
        )  # fmt: skip
        if changes.creates:
            writer.created(
                "indicator.create", "indicator", "指标",
                [_indicator(c) for c in changes.creates], "code",
            )  # fmt: skip
        update_rows(
            Indicator,
            [*INDICATOR_FIELDS, "updated_at"],
            [
                (c["name"], c["unit"] or "", c["direction"], c["focus_area"] or "", stamp,
                 old["id"])
                for old, c in changes.updates
            ],
        )  # fmt: skip
        for old, c in changes.updates:
            writer.event(
                "indicator.update", "indicator", c["code"], c["name"], _indicator(old),
                _indicator(c),
            )  # fmt: skip


def _indicator(c: dict) -> dict:
    return {k: c.get(k) or "" for k in ("code", *INDICATOR_FIELDS)}


class IndicatorValuesKind(ImportKind):
    name = VALUES
    label = "指标值"
    columns = (
        Column("org_code", "组织编码", max_length=32, validator=code_validator),
        Column("indicator_code", "指标编码", max_length=32, validator=code_validator),
        Column("period", "期间", max_length=16),
        Column("value", "数值", max_length=40),
        Column("target", "目标值", required=False, max_length=40),
    )
    depends_on = (organizations.NAME, INDICATORS)
    unique = ("org_code", "indicator_code", "period")
    unique_label = "指标值（组织、指标、期间）"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["org_code"] = p.code(rec, raw, self.column("org_code"))
        v["indicator_code"] = p.code(rec, raw, self.column("indicator_code"))
        v["period"] = clean_period(p, rec, raw, self.column("period"))
        v["value"] = clean_decimal(p, rec, raw, self.column("value"), required=True)
        if "target" in p.present[VALUES]:
            v["target"] = clean_decimal(p, rec, raw, self.column("target"), required=False)

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        changes = Changes()
        p.plan.changes[VALUES] = changes
        if not recs:
            return
        tree: organizations.OrgTree = p.results[organizations.NAME]
        imported: set[str] = p.results[INDICATORS]
        named = {r.values["indicator_code"] for r in recs if r.values.get("indicator_code")}
        indicator_ids: dict[str, int] = {}
        for chunk in chunks(sorted(named)):
            indicator_ids.update(Indicator.objects.filter(code__in=chunk).values_list("code", "id"))
        indicator_codes = {pk: code for code, pk in indicator_ids.items()}
        org_ids = {code: pk for pk, code in tree.code_of.items()}
        # Stored values only through the scoping layer (the importer's organizations).
        values = (
            IndicatorValue.objects.all()
            if p.actor is None
            else IndicatorValue.objects.visible_to(p.actor)
        )
        wanted_orgs = sorted(
            {org_ids[r.values["org_code"]] for r in recs if r.values.get("org_code") in org_ids}
        )
        existing: dict[tuple, dict] = {}
        for chunk in chunks(wanted_orgs):
            for row in values.filter(
                organization_id__in=chunk, indicator_id__in=list(indicator_ids.values())
            ).values("id", "organization_id", "indicator_id", "period", "value", "target"):
                key = (
                    tree.code_of[row["organization_id"]],
                    indicator_codes[row["indicator_id"]],
                    row["period"],
                )
                existing[key] = row
        for rec in recs:
            v = rec.values
            org_code = v.get("org_code")
            org = tree.final.get(org_code or "")
            if org_code and (org is None or ("path" in org and not p.in_scope(org["path"]))):
                p.add(rec, "org_code", p.unknown("组织编码", org_code))
            code = v.get("indicator_code")
            if code and code not in indicator_ids and code not in imported:
                p.add(rec, "indicator_code", p.unknown("指标编码", code))
            if not rec.ok:
                continue
            key = (v["org_code"], v["indicator_code"], v["period"])
            old = existing.get(key)
            if old is None:
                after = {"target": None, **v}
                changes.creates.append(after)
                p.plan.note(VALUES, "created", rec, shown(after))
                continue
            after = {**old, **{k: x for k, x in v.items() if k in ("value", "target")}}
            changed = [f for f in ("value", "target") if _differs(old[f], after[f])]
            if not changed:
                p.plan.note(VALUES, "unchanged", rec, {})
                continue
            changes.updates.append((old, {**after, **v}))
            p.plan.note(VALUES, "updated", rec, shown(v), changed)

    def apply(self, changes: Changes, writer: Writer) -> None:
        org_codes = sorted({c["org_code"] for c in changes.creates})
        org_ids: dict[str, int] = {}
        for chunk in chunks(org_codes):
            org_ids.update(Organization.objects.filter(code__in=chunk).values_list("code", "id"))
        ind_codes = sorted({c["indicator_code"] for c in changes.creates})
        ind_ids: dict[str, int] = {}
        for chunk in chunks(ind_codes):
            ind_ids.update(Indicator.objects.filter(code__in=chunk).values_list("code", "id"))
        stamp = writer.stamp
        insert_rows(
            IndicatorValue,
            ["organization", "indicator", "period", "value", "target", "created_at",
             "updated_at"],
            [
                (org_ids[c["org_code"]], ind_ids[c["indicator_code"]], c["period"],
                 _db(c["value"]), _db(c["target"]), stamp, stamp)
                for c in changes.creates
            ],
        )  # fmt: skip
        if changes.creates:
            writer.created(
                "indicator_value.create", "indicator_value", "指标值",
                [_value(c) for c in changes.creates], "org_code",
            )  # fmt: skip
        update_rows(
            IndicatorValue,
            ["value", "target", "updated_at"],
            [(_db(c["value"]), _db(c["target"]), stamp, old["id"]) for old, c in changes.updates],
        )
        for old, c in changes.updates:
            writer.event(
                "indicator_value.update", "indicator_value", str(old["id"]),
                f"{c['org_code']} {c['indicator_code']} {c['period']}",
                {"value": _text(old["value"]), "target": _text(old["target"])},
                {"value": _text(c["value"]), "target": _text(c["target"])},
            )  # fmt: skip


def _differs(a, b) -> bool:
    if a is None or b is None:
        return a is not b
    return a.compare(b) != 0


def _db(number):
    # Decimal as text: both engines store it exactly (SQLite's decimal column keeps text
    # that looks numeric as a number of the right value).
    return None if number is None else str(number)


def _text(number) -> str | None:
    return None if number is None else format(number.normalize(), "f")


def _value(c: dict) -> dict:
    return {
        "org_code": c["org_code"],
        "indicator_code": c["indicator_code"],
        "period": c["period"],
        "value": _text(c["value"]),
        "target": _text(c["target"]),
    }
