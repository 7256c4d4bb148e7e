"""Import kind `findings`: problems found by the source units, matched by their code. Codes
of organizations and cadres resolve through the importer's scope (out of scope, above
clearance and declared 回避 read exactly like unknown); a code taken by a finding the
importer may not see is refused with the registry's one code-unavailable message. A finding
that arrives without a focus area gets one proposed by the classifier when it is written."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.evidence.models import Finding, FocusAreaSource, Source
from tanhua.exchange.apply import Writer, insert_rows, update_rows
from tanhua.exchange.plan import Planner, Rec, chunks, shown
from tanhua.exchange.schema import Column, ImportKind
from tanhua.org.imports import cadres, organizations
from tanhua.org.messages import CODE_UNAVAILABLE
from tanhua.org.models import Cadre, Organization, code_validator
from tanhua.org.services import assignable_cadres
from tanhua.talks.models import FocusArea

from .words import SEVERITY_WORDS, SOURCE_WORDS, clean_focus_area

NAME = "findings"
# What a row sets; the focus area is compared apart (a correction by staff is kept).
FIELDS = ("org_code", "cadre_code", "source", "date", "severity", "text")
TEXT_MAX = 4000


@dataclass
class FindingChanges:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates or self.updates)


class FindingsKind(ImportKind):
    name = NAME
    label = "问题"
    columns = (
        Column("code", "问题编号", max_length=32, validator=code_validator),
        Column("org_code", "组织编码", max_length=32, validator=code_validator),
        Column("cadre_code", "干部编号", required=False, max_length=32, validator=code_validator),
        Column("source", "来源", choices=Source, dropdown=tuple(str(s.label) for s in Source)),
        Column("date", "日期", is_date=True),
        Column("severity", "严重程度", dropdown=("1", "2", "3")),
        Column(
            "focus_area", "重点方面", required=False, max_length=100, choices=FocusArea,
            dropdown=tuple(FocusArea.values),
        ),
        Column("text", "问题描述", max_length=TEXT_MAX),
    )  # fmt: skip
    depends_on = (organizations.NAME, cadres.NAME)
    unique = ("code",)
    unique_label = "问题编号"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["code"] = p.code(rec, raw, self.column("code"))
        v["org_code"] = p.code(rec, raw, self.column("org_code"))
        v["cadre_code"] = p.code(rec, raw, self.column("cadre_code"), required=False) or ""
        v["source"] = p.enum(rec, raw, self.column("source"), SOURCE_WORDS, required=True)
        v["date"] = p.date(rec, raw, self.column("date"), required=True)
        v["severity"] = p.enum(rec, raw, self.column("severity"), SEVERITY_WORDS, required=True)
        v["focus_area"] = (
            clean_focus_area(p, rec, raw, self.column("focus_area"))
            if "focus_area" in p.present[NAME]
            else ""
        )
        v["text"] = p.text(rec, raw, self.column("text"), required=True)

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        changes = FindingChanges()
        p.plan.changes[NAME] = changes
        if not recs:
            return
        tree: organizations.OrgTree = p.results[organizations.NAME]
        codes = sorted({r.values["code"] for r in recs if r.values.get("code")})
        findings = (
            Finding.objects.unscoped("operator CLI: the operator sees every finding")
            if p.actor is None
            else Finding.objects.visible_to(p.actor)
        )
        db: dict[str, dict] = {}
        taken: set[str] = set()
        for chunk in chunks(codes):
            for row in findings.filter(code__in=chunk).values(
                "id", "code", "organization_id", "cadre__code", "source", "date", "severity",
                "focus_area", "focus_area_source", "text",
            ):  # fmt: skip
                row["org_code"] = tree.code_of.get(row.pop("organization_id"), "")
                row["cadre_code"] = row.pop("cadre__code") or ""
                db[row["code"]] = row
            taken.update(
                Finding.objects.unscoped("import: a code is unique, seen or not")
                .filter(code__in=chunk)
                .values_list("code", flat=True)
            )
        taken -= set(db)
        known_cadres = self._cadres(p, recs)
        covered = _office_paths(p.actor)
        for rec in recs:
            v = rec.values
            if not rec.ok:
                continue
            if v["code"] in taken:
                p.add(rec, "code", CODE_UNAVAILABLE)
                p.code_unavailable += 1
                continue
            org = tree.final.get(v["org_code"])
            if org is None or (
                "path" in org and not (p.in_scope(org["path"]) and _covered(covered, org["path"]))
            ):
                p.add(rec, "org_code", p.unknown("组织编码", v["org_code"]))
            if v["cadre_code"] and v["cadre_code"] not in known_cadres:
                p.add(rec, "cadre_code", p.unknown("干部编号", v["cadre_code"]))
            if not rec.ok:
                continue
            old = db.get(v["code"])
            if old is None:
                changes.creates.append(dict(v))
                p.plan.note(NAME, "created", rec, shown(v))
                continue
            after = {**old, **v}
            if not v["focus_area"] or old["focus_area_source"] == FocusAreaSource.CORRECTED:
                # A row without a focus area keeps the one in force; a staff correction
                # outlives every re-import of the source's file.
                after["focus_area"] = old["focus_area"]
                after["focus_area_source"] = old["focus_area_source"]
            else:
                after["focus_area_source"] = FocusAreaSource.IMPORTED
            changed = [f for f in (*FIELDS, "focus_area") if old[f] != after[f]]
            if not changed:
                p.plan.note(NAME, "unchanged", rec, {})
                continue
            changes.updates.append((old, after))
            p.plan.note(NAME, "updated", rec, shown(v), changed)

    def _cadres(self, p: Planner, recs: list[Rec]) -> set[str]:
        """The cadre codes rows may name: cadres the importer may name in a post, and those
        the same file set creates."""
        wanted = sorted({r.values["cadre_code"] for r in recs if r.values.get("cadre_code")})
        resolvable = assignable_cadres(p.actor)
        known: set[str] = set()
        for chunk in chunks(wanted):
            known.update(resolvable.filter(code__in=chunk).values_list("code", flat=True))
        return known | (p.results.get(cadres.NAME) or set())

    def apply(self, changes: FindingChanges, writer: Writer) -> None:
        _propose(changes)
        org_codes = sorted({c["org_code"] for c in changes.creates} | {
            c["org_code"] for _o, c in changes.updates})  # fmt: skip
        org_ids: dict[str, int] = {}
        for chunk in chunks(org_codes):
            org_ids.update(Organization.objects.filter(code__in=chunk).values_list("code", "id"))
        cadre_codes = sorted(
            {c["cadre_code"] for c in changes.creates if c["cadre_code"]}
            | {c["cadre_code"] for _o, c in changes.updates if c["cadre_code"]}
        )
        cadre_ids: dict[str, int] = {}
        for chunk in chunks(cadre_codes):
            cadre_ids.update(
                Cadre.objects.unscoped("import apply: ids of cadres the plan resolved")
                .filter(code__in=chunk)
                .values_list("code", "id")
            )
        stamp, day = writer.stamp, writer.day
        insert_rows(
            Finding,
            ["code", "organization", "cadre", "source", "date", "severity", "focus_area",
             "proposed_focus_area", "confidence", "focus_area_source", "text",
             "classification", "created_at", "updated_at"],
            [
                (c["code"], org_ids[c["org_code"]], cadre_ids.get(c["cadre_code"]), c["source"],
                 day(c["date"]), c["severity"], c["focus_area"], c.get("proposed", ""),
                 c.get("confidence"), c["focus_area_source"], c["text"],
                 Classification.SECRET, stamp, stamp)
                for c in changes.creates
            ],
        )  # fmt: skip
        if changes.creates:
            writer.created(
                "finding.create", "finding", "问题",
                [_snapshot(c) for c in changes.creates], "code",
            )  # fmt: skip
        update_rows(
            Finding,
            ["organization", "cadre", "source", "date", "severity", "focus_area",
             "focus_area_source", "text", "updated_at"],
            [
                (org_ids[c["org_code"]], cadre_ids.get(c["cadre_code"]), c["source"],
                 day(c["date"]), c["severity"], c["focus_area"], c["focus_area_source"],
                 c["text"], stamp, old["id"])
                for old, c in changes.updates
            ],
        )  # fmt: skip
        for old, c in changes.updates:
            writer.event(
                "finding.update", "finding", c["code"], c["code"], _snapshot(old), _snapshot(c)
            )
        # The full-text index follows once the import commits (tanhua/search/index.py).
        from tanhua.search import index

        index.touch(
            "finding",
            [c["code"] for c in changes.creates] + [c["code"] for _o, c in changes.updates],
            field_name="code",
        )
        proposed = [c for c in changes.creates if c["focus_area_source"] == "proposed"]
        if proposed:
            # One entry for the whole file: how many focus areas the model proposed.
            writer.events.append(
                audit.Event(
                    action="finding.propose_focus_area",
                    object_type="import",
                    object_id=writer.source[:100],
                    object_repr=f"系统建议重点方面 {len(proposed)} 个",
                    detail={"import": writer.source, "count": len(proposed)},
                    actor=writer.actor,
                    at=writer.now,
                )
            )


def _propose(changes: FindingChanges) -> None:
    """New findings without a focus area get the classifier's proposal (in force until staff
    correct it), with its confidence."""
    from tanhua.evidence import classifier

    for c in changes.creates:
        c["focus_area_source"] = FocusAreaSource.IMPORTED if c["focus_area"] else ""
    bare = [c for c in changes.creates if not c["focus_area"]]
    for c, proposal in zip(bare, classifier.propose([c["text"] for c in bare]), strict=True):
        c["focus_area"] = c["proposed"] = proposal.focus_area
        c["confidence"] = proposal.confidence
        c["focus_area_source"] = FocusAreaSource.PROPOSED


def _office_paths(actor) -> list[str] | None:
    """The localities of the importer's commission office, if attached to one: their
    findings are only those localities' (as Finding.visible_to reads them)."""
    if actor is None or R.Role.COMMISSION not in scoping.user_roles(actor):
        return None
    office = getattr(actor, "office", None)
    if office is None:
        return None
    return list(office.localities.values_list("path", flat=True))


def _covered(paths: list[str] | None, path: str) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


def _snapshot(c: dict) -> dict:
    """A finding's audited state. The text itself (秘密) stays out of the trail, which the
    audit administrator reads: its digest shows that, and when, it changed."""
    out = {k: c.get(k, "") for k in ("code", *FIELDS, "focus_area", "focus_area_source")}
    out["text"] = text_digest(c.get("text", ""))
    if c.get("proposed"):
        out["proposed_focus_area"] = c["proposed"]
        out["confidence"] = c.get("confidence")
    return out


def text_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
