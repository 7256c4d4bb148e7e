"""Validation of a whole file set against the database, and the plan of what to write.

Everything is checked before anything is written, and all tables are validated together, so
positions may name organizations and cadres created by the same import. The database is read
in a handful of queries; the tree (paths, cycles, levels) is worked out in memory.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from tanhua.core import scoping
from tanhua.exchange import schema
from tanhua.exchange.problems import Problem
from tanhua.exchange.tables import Table, cell_text
from tanhua.org.models import (
    Cadre,
    Gender,
    Level,
    Organization,
    Position,
    Tier,
    code_validator,
)
from tanhua.org.services import check_parent

_CODE_RE = code_validator.regex
# Control characters no workbook or PostgreSQL text holds, and lone surrogates UTF-8 cannot.
_BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CHUNK = 500
SAMPLES = 10


@dataclass
class Rec:
    """One data row: where it came from, its header labels, and its cleaned values."""

    source: str
    row: int
    labels: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)
    ok: bool = True


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Plan:
    """What applying the import will do. Dicts hold plain values; `before` holds the row as
    read from the database (with its id), `after` the values to write."""

    org_creates: list[dict] = field(default_factory=list)
    org_updates: list[tuple[dict, dict]] = field(default_factory=list)
    cadre_creates: list[dict] = field(default_factory=list)
    cadre_updates: list[tuple[dict, dict]] = field(default_factory=list)
    position_creates: list[dict] = field(default_factory=list)
    position_updates: list[tuple[dict, dict]] = field(default_factory=list)
    counts: dict[str, KindCounts] = field(default_factory=dict)
    samples: dict[str, list[dict]] = field(default_factory=dict)

    def note(self, kind: str, action: str, rec: Rec | None, values: dict, changed=()) -> None:
        counts = self.counts.setdefault(kind, KindCounts())
        setattr(counts, action, getattr(counts, action) + 1)
        bucket = self.samples.setdefault(kind, [])
        if action != "unchanged" and len(bucket) < SAMPLES:
            bucket.append(
                {
                    "action": action,
                    "source": rec.source if rec else "",
                    "row": rec.row if rec else None,
                    "values": {k: _display(k, v) for k, v in values.items()},
                    "changed": list(changed),
                }
            )


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Planner:
    """Builds a Plan from tables, collecting one Problem per thing wrong."""

    def __init__(self, tables: list[Table], actor) -> None:
        self.tables = tables
        self.actor = actor
        self.scope = scoping.scope_path(actor) if actor is not None else None
        self.problems: list[Problem] = []
        self.plan = Plan()
        self.present: dict[str, set[str]] = defaultdict(set)
        self._org_code_of: dict[int, str] = {}  # every stored organization's code, by id
        for table in tables:
            self.present[table.kind] |= set(table.columns)

    # -- helpers -------------------------------------------------------------------------
    def add(self, rec: Rec, column: str, message: str) -> None:
        self.problems.append(Problem(rec.source, rec.row, rec.labels.get(column, column), message))
        rec.ok = False

    def _raw_text(self, rec: Rec, raw: dict, column: str) -> str | None:
        text = cell_text(raw.get(column))
        bad = _BAD_CHAR_RE.search(text)
        if bad is None:
            return text
        if "\ud800" <= bad.group() <= "\udfff":
            self.add(rec, column, "含有无法识别的字符")
        else:
            self.add(rec, column, "含有不可见的控制字符")
        return None

    def text(self, rec: Rec, raw: dict, col: schema.Column, *, required: bool) -> str | None:
        text = self._raw_text(rec, raw, col.name)
        if text is None:
            return None
        label = rec.labels.get(col.name, col.label)
        if required and not text:
            self.add(rec, col.name, f"“{label}”不能为空")
            return None
        if col.max_length and len(text) > col.max_length:
            self.add(rec, col.name, f"“{label}”超过{col.max_length}个字符（共{len(text)}个字符）")
            return None
        return text

    def code(self, rec: Rec, raw: dict, col: schema.Column, *, required: bool = True):
        text = self.text(rec, raw, col, required=required)
        if text and not _CODE_RE.match(text):
            self.add(
                rec,
                col.name,
                f"编码“{text}”无效：{str(code_validator.message).removeprefix('编码')}",
            )
            return None
        return text

    def enum(self, rec: Rec, raw: dict, col: schema.Column, words: dict, *, required: bool):
        value = raw.get(col.name)
        if isinstance(value, bool) and words is schema.BOOL_WORDS:
            return value
        text = self.text(rec, raw, col, required=required)
        if not text:
            return "" if text == "" else None
        found = words.get(text.lower())
        if found is None:
            allowed = "、".join(k for k in words if not k.isdigit())
            self.add(rec, col.name, f"“{text}”不是有效的取值，可选：{allowed}")
        return found

    def date(self, rec: Rec, raw: dict, col: schema.Column, *, required: bool):
        value = raw.get(col.name)
        if isinstance(value, dt.date):
            return value.date() if isinstance(value, dt.datetime) else value
        text = self.text(rec, raw, col, required=required)
        if not text:
            return None
        day = schema.parse_date(text)
        if day is None:
            self.add(
                rec,
                col.name,
                f"日期“{text}”无效，请写作 2020-05-14、2020/5/14 或 2020年5月14日",
            )
        return day

    def in_scope(self, path: str) -> bool:
        return self.actor is None or (self.scope is not None and path.startswith(self.scope))

    def unknown(self, what: str, code: str) -> str:
        if self.actor is None:
            return f"{what}“{code}”不存在"
        return f"{what}“{code}”不存在或不在您的管辖范围内"

    # -- the run -------------------------------------------------------------------------
    def run(self) -> Plan:
        records: dict[str, list[Rec]] = {k: [] for k in schema.KINDS}
        for table in self.tables:
            for number, raw in zip(table.row_numbers, table.rows, strict=True):
                rec = Rec(table.source, number, table.columns)
                records[table.kind].append(rec)
                getattr(self, f"_clean_{table.kind}")(rec, raw)
        self._duplicates(records[schema.ORGANIZATIONS], ("code",), "编码")
        self._duplicates(records[schema.CADRES], ("code",), "干部编号")
        self._duplicates(
            records[schema.POSITIONS], ("cadre_code", "org_code", "title", "start"), "任职记录"
        )
        orgs = self._plan_organizations(records[schema.ORGANIZATIONS])
        cadres = self._plan_cadres(records[schema.CADRES])
        self._plan_positions(records[schema.POSITIONS], orgs, cadres)
        return self.plan

    def _clean_organizations(self, rec: Rec, raw: dict) -> None:
        c = {col.name: col for col in schema.COLUMNS[schema.ORGANIZATIONS]}
        v = rec.values
        v["code"] = self.code(rec, raw, c["code"])
        v["name"] = self.text(rec, raw, c["name"], required=True)
        v["level"] = self.enum(rec, raw, c["level"], schema.LEVEL_WORDS, required=True)
        v["parent_code"] = self.code(rec, raw, c["parent_code"], required=False)
        if "kind" in self.present[schema.ORGANIZATIONS]:
            v["kind"] = self.text(rec, raw, c["kind"], required=False) or "党委"

    def _clean_cadres(self, rec: Rec, raw: dict) -> None:
        c = {col.name: col for col in schema.COLUMNS[schema.CADRES]}
        v = rec.values
        v["code"] = self.code(rec, raw, c["code"])
        v["name"] = self.text(rec, raw, c["name"], required=True)
        v["tier"] = self.enum(rec, raw, c["tier"], schema.TIER_WORDS, required=True)
        if "gender" in self.present[schema.CADRES]:
            v["gender"] = self.enum(rec, raw, c["gender"], schema.GENDER_WORDS, required=False)

    def _clean_positions(self, rec: Rec, raw: dict) -> None:
        c = {col.name: col for col in schema.COLUMNS[schema.POSITIONS]}
        v = rec.values
        v["cadre_code"] = self.code(rec, raw, c["cadre_code"])
        v["org_code"] = self.code(rec, raw, c["org_code"])
        v["title"] = self.text(rec, raw, c["title"], required=True)
        v["principal"] = self.enum(rec, raw, c["principal"], schema.BOOL_WORDS, required=True)
        v["start"] = self.date(rec, raw, c["start"], required=True)
        if "end" in self.present[schema.POSITIONS]:
            v["end"] = self.date(rec, raw, c["end"], required=False)
            if rec.ok and v["end"] is not None and v["end"] < v["start"]:
                self.add(rec, "end", "免职日期不能早于任职日期")

    def _duplicates(self, recs: list[Rec], key: tuple[str, ...], what: str) -> None:
        seen: dict[tuple, Rec] = {}
        for rec in recs:
            k = tuple(rec.values.get(f) for f in key)
            if any(part is None or part == "" for part in k):
                continue
            first = seen.setdefault(k, rec)
            if first is not rec:
                where = first.source if first.source != rec.source else ""
                self.add(rec, key[0], f"{what}“{k[0]}”与{where}第{first.row}行重复")

    # -- organizations -------------------------------------------------------------------
    def _plan_organizations(self, recs: list[Rec]) -> dict[str, dict]:
        """Returns every organization by code as it will be after the import."""
        db = {
            o["code"]: o
            for o in Organization.objects.values(
                "id", "code", "name", "level", "kind", "parent_id", "path", "depth"
            )
        }
        code_of = {o["id"]: code for code, o in db.items()}
        self._org_code_of = code_of
        # Stored organizations outside the actor's scope must read exactly like absent ones.
        self._hidden = {code for code, o in db.items() if not self.in_scope(o["path"])}
        final: dict[str, dict] = {
            code: {
                "code": code,
                "name": o["name"],
                "level": o["level"],
                "kind": o["kind"],
                "parent_code": code_of.get(o["parent_id"], ""),
            }
            for code, o in db.items()
        }
        imported: dict[str, Rec] = {}
        for rec in recs:
            v = rec.values
            if not v.get("code") or v["code"] in imported:
                continue
            imported[v["code"]] = rec
            current = final.get(v["code"], {"code": v["code"], "kind": "党委", "parent_code": ""})
            final[v["code"]] = {**current, **{k: x for k, x in v.items() if x is not None}}
        children: dict[str, list[str]] = defaultdict(list)
        for code, o in final.items():
            children[o["parent_code"]].append(code)
        for code, rec in imported.items():
            self._check_tree(rec, code, final, children, imported)
        if any(not rec.ok for rec in imported.values()):
            return final
        places: dict[str, tuple[str, int]] = {}

        def place_of(code: str) -> tuple[str, int]:
            if code not in places:
                parent = final[code]["parent_code"]
                places[code] = Organization.place(place_of(parent)[0] if parent else None, code)
            return places[code]

        for code, o in final.items():
            o["path"], o["depth"] = place_of(code)
        fields = ("name", "level", "kind", "parent_code", "path")
        for code, o in final.items():
            rec = imported.get(code)
            old = db.get(code)
            if old is None:
                if not self.in_scope(o["path"]):
                    self.add(rec, "code", f"组织“{code}”不在您的管辖范围内，不能新增")
                    continue
                self.plan.org_creates.append({**o, "_rec": rec})
                self.plan.note(schema.ORGANIZATIONS, "created", rec, _shown(o))
                continue
            before = {**final_before(old, code_of)}
            changed = [f for f in fields if before[f] != o[f]]
            if not changed:
                if rec is not None:
                    self.plan.note(schema.ORGANIZATIONS, "unchanged", rec, {})
                continue
            if not (self.in_scope(o["path"]) and self.in_scope(old["path"])):
                target = rec or imported.get(_moved_ancestor(old["path"], imported))
                if target is not None:
                    self.add(target, "code", f"组织“{code}”不在您的管辖范围内，不能修改")
                continue
            self.plan.org_updates.append(({**before, "id": old["id"]}, {**o, "_rec": rec}))
            self.plan.note(schema.ORGANIZATIONS, "updated", rec, _shown(o), changed)
        return final

    def _check_tree(self, rec: Rec, code: str, final: dict, children: dict, imported: dict) -> None:
        o = final[code]
        parent_code = o.get("parent_code") or ""
        if parent_code:
            if parent_code not in final:
                self.add(rec, "parent_code", self.unknown("上级编码", parent_code))
                return
            if parent_code in self._hidden and parent_code not in imported:
                # The scope check reports this row; the level checks below would quote the
                # hidden parent's name and level.
                return
            seen, cur = {code}, parent_code
            while cur and cur not in seen:
                seen.add(cur)
                cur = final[cur].get("parent_code") or ""
                if cur and cur not in final:
                    break
            if cur == code:
                self.add(rec, "parent_code", f"上级编码“{parent_code}”会使组织树形成循环")
                return
        if not rec.ok or not o.get("level"):
            return
        parent = final.get(parent_code)
        if parent and parent.get("level"):
            try:
                check_parent(code=code, level=o["level"], parent=_unsaved(parent))
            except ValidationError as exc:
                self.add(rec, "level", exc.messages[0])
        for child_code in children.get(code, ()):
            child = final[child_code]
            # An imported child reports its own level; only rows already stored are checked here.
            if child_code == code or child_code in imported or not child.get("level"):
                continue
            try:
                check_parent(code=child_code, level=child["level"], parent=_unsaved(o))
            except ValidationError:
                self.add(
                    rec,
                    "level",
                    f"下级组织“{child['name']}”的层级“{Level(child['level']).label}”"
                    f"必须低于“{Level(o['level']).label}”",
                )
                return

    # -- cadres ----------------------------------------------------------------------------
    def _plan_cadres(self, recs: list[Rec]) -> set[str]:
        """Returns the codes of every cadre that will exist among those the import names."""
        codes = {r.values["code"] for r in recs if r.values.get("code")}
        db: dict[str, dict] = {}
        for chunk in _chunks(sorted(codes)):
            for c in (
                Cadre.objects.unscoped("import planner")
                .filter(code__in=chunk)
                .values("id", "code", "name", "tier", "gender")
            ):
                db[c["code"]] = c
        done: set[str] = set()
        for rec in recs:
            v = rec.values
            if not rec.ok or v["code"] in done:
                continue
            done.add(v["code"])
            old = db.get(v["code"])
            if old is None:
                after = {"gender": "", **v}
                self.plan.cadre_creates.append({**after, "_rec": rec})
                self.plan.note(schema.CADRES, "created", rec, _shown(after))
                continue
            after = {**old, **{k: x for k, x in v.items() if x is not None}}
            changed = [f for f in ("name", "tier", "gender") if old[f] != after[f]]
            if not changed:
                self.plan.note(schema.CADRES, "unchanged", rec, {})
                continue
            self.plan.cadre_updates.append((old, {**after, "_rec": rec}))
            self.plan.note(schema.CADRES, "updated", rec, _shown(after), changed)
        return codes

    # -- positions -------------------------------------------------------------------------
    def _plan_positions(self, recs: list[Rec], orgs: dict[str, dict], cadres: set[str]) -> None:
        if not recs:
            return
        wanted = {r.values["cadre_code"] for r in recs if r.values.get("cadre_code")}
        known_cadres: dict[str, int] = {}
        for chunk in _chunks(sorted(wanted)):
            known_cadres.update(
                Cadre.objects.unscoped("import planner")
                .filter(code__in=chunk)
                .values_list("code", "id")
            )
        org_ids = self._org_code_of
        cadre_codes = {pk: code for code, pk in known_cadres.items()}
        existing: dict[tuple, dict] = {}
        for chunk in _chunks(sorted(known_cadres.values())):
            for p in (
                Position.objects.unscoped("import planner")
                .filter(cadre_id__in=chunk)
                .values("id", "cadre_id", "organization_id", "title", "start", "principal", "end")
            ):
                key = (
                    cadre_codes[p["cadre_id"]],
                    org_ids[p["organization_id"]],
                    p["title"],
                    p["start"],
                )
                existing[key] = p
        all_cadres = set(known_cadres) | cadres
        for rec in recs:
            v = rec.values
            if v.get("cadre_code") and v["cadre_code"] not in all_cadres:
                self.add(rec, "cadre_code", self.unknown("干部编号", v["cadre_code"]))
            org_code = v.get("org_code")
            org = orgs.get(org_code or "")
            if org_code and (org is None or ("path" in org and not self.in_scope(org["path"]))):
                self.add(rec, "org_code", self.unknown("组织编码", org_code))
            if not rec.ok:
                continue
            key = (v["cadre_code"], v["org_code"], v["title"], v["start"])
            old = existing.get(key)
            if old is None:
                after = {"end": None, **v}
                self.plan.position_creates.append({**after, "_rec": rec})
                self.plan.note(schema.POSITIONS, "created", rec, _shown(after))
                continue
            after = {**old, **{k: x for k, x in v.items() if k in ("principal", "end")}}
            changed = [f for f in ("principal", "end") if old[f] != after[f]]
            if not changed:
                self.plan.note(schema.POSITIONS, "unchanged", rec, {})
                continue
            before = {**old, "cadre_code": v["cadre_code"], "org_code": v["org_code"]}
            self.plan.position_updates.append((before, {**after, **v, "_rec": rec}))
            self.plan.note(schema.POSITIONS, "updated", rec, _shown(after | v), changed)


def final_before(old: dict, code_of: dict) -> dict:
    return {
        "code": old["code"],
        "name": old["name"],
        "level": old["level"],
        "kind": old["kind"],
        "parent_code": code_of.get(old["parent_id"], ""),
        "path": old["path"],
        "depth": old["depth"],
    }


def _moved_ancestor(path: str, imported: dict) -> str:
    """The imported organization whose move drags a descendant along."""
    for code in reversed([c for c in path.split("/") if c]):
        if code in imported:
            return code
    return ""


def _unsaved(o: dict) -> Organization:
    # check_parent wants an Organization; the path test is done on the final tree instead.
    return Organization(code=o["code"], name=o.get("name", ""), level=o["level"], path="")


def _display(name: str, value: object) -> str:
    choices = {"level": Level, "tier": Tier, "gender": Gender}.get(name)
    if choices is not None and value:
        return str(choices(value).label)
    return cell_text(value)


def _shown(values: dict) -> dict:
    return {k: v for k, v in values.items() if not k.startswith("_") and k not in ("id", "depth")}
