"""Import kind `cadres`: cadres matched by their code."""

from __future__ import annotations

from dataclasses import dataclass, field

from tanhua.core.classification import Classification
from tanhua.exchange.apply import Writer, insert_rows, update_rows
from tanhua.exchange.plan import Planner, Rec, chunks, shown
from tanhua.exchange.schema import Column, ImportKind
from tanhua.org.messages import CODE_UNAVAILABLE
from tanhua.org.models import Cadre, Gender, Tier, code_validator
from tanhua.org.services import assignable_cadres

from .words import GENDER_WORDS, TIER_WORDS

NAME = "cadres"


@dataclass
class CadreChanges:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates or self.updates)


class CadresKind(ImportKind):
    name = NAME
    label = "干部"
    columns = (
        Column("code", "干部编号", max_length=32, validator=code_validator),
        Column("name", "姓名", max_length=50),
        Column("tier", "管理层级", choices=Tier, dropdown=("中管", "省管", "市管", "县管")),
        Column("gender", "性别", required=False, choices=Gender, dropdown=("男", "女")),
    )
    unique = ("code",)
    unique_label = "干部编号"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["code"] = p.code(rec, raw, self.column("code"))
        v["name"] = p.text(rec, raw, self.column("name"), required=True)
        v["tier"] = p.enum(rec, raw, self.column("tier"), TIER_WORDS, required=True)
        if "gender" in p.present[NAME]:
            v["gender"] = p.enum(rec, raw, self.column("gender"), GENDER_WORDS, required=False)

    def stored_cells(self, p: Planner, columns: tuple[str, ...]) -> dict | None:
        if "code" not in columns:
            return None
        # Spelled as the template's dropdown spells them; another accepted spelling
        # ("provincial", "male") is simply cleaned the long way.
        words = {
            "tier": {TIER_WORDS[w]: w for w in self.column("tier").dropdown},
            "gender": {GENDER_WORDS[w]: w for w in self.column("gender").dropdown},
        }
        out = {}
        rows = assignable_cadres(p.actor).values_list("code", "name", "tier", "gender")
        for code, name, tier, gender in rows.iterator(chunk_size=5000):
            stored = {"code": code, "name": name, "tier": tier, "gender": gender}
            cells = []
            for c in columns:
                value = stored[c]
                cells.append(words[c].get(value, "") if c in words else value)
            out[tuple(cells)] = (code,)
        return out

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        """Leaves in p.results the codes of every cadre that will exist, among those named,
        and that the actor may name."""
        changes = CadreChanges()
        p.plan.changes[NAME] = changes
        codes = {r.values["code"] for r in recs if r.values.get("code")}
        db: dict[str, dict] = {}
        taken: set[str] = set()
        resolvable = assignable_cadres(p.actor)
        for chunk in chunks(sorted(codes)):
            for c in resolvable.filter(code__in=chunk).values(
                "id", "code", "name", "tier", "gender"
            ):
                db[c["code"]] = c
            taken.update(
                Cadre.objects.unscoped("import: a code is unique, seen or not")
                .filter(code__in=chunk)
                .values_list("code", flat=True)
            )
        taken -= set(db)
        p.results[NAME] = codes - taken
        done: set[str] = set()
        for rec in recs:
            v = rec.values
            if not rec.ok or v["code"] in done:
                continue
            done.add(v["code"])
            if v["code"] in taken:
                # Out of scope, above clearance or declared 回避: one line that quotes and
                # confirms nothing stored, whatever the other cells say.
                p.add(rec, "code", CODE_UNAVAILABLE)
                p.code_unavailable += 1
                continue
            old = db.get(v["code"])
            if old is None:
                after = {"gender": "", **v}
                changes.creates.append({**after, "_rec": rec})
                p.plan.note(NAME, "created", rec, shown(after))
                continue
            after = {**old, **{k: x for k, x in v.items() if x is not None}}
            changed = [f for f in ("name", "tier", "gender") if old[f] != after[f]]
            if not changed:
                p.plan.note(NAME, "unchanged", rec, {})
                continue
            changes.updates.append((old, {**after, "_rec": rec}))
            p.plan.note(NAME, "updated", rec, shown(after), changed)

    def apply(self, changes: CadreChanges, writer: Writer) -> None:
        stamp = writer.stamp
        insert_rows(
            Cadre,
            ["code", "name", "tier", "gender", "classification", "created_at", "updated_at"],
            [
                (
                    c["code"],
                    c["name"],
                    c["tier"],
                    c["gender"] or "",
                    Classification.INTERNAL,
                    stamp,
                    stamp,
                )
                for c in changes.creates
            ],
        )
        if changes.creates:
            writer.created(
                "cadre.create", "cadre", "干部", [_snapshot(c) for c in changes.creates], "code"
            )
        update_rows(
            Cadre,
            ["name", "tier", "gender", "updated_at"],
            [(c["name"], c["tier"], c["gender"], stamp, old["id"]) for old, c in changes.updates],
        )
        for old, c in changes.updates:
            writer.event(
                "cadre.update", "cadre", c["code"], c["name"], _snapshot(old), _snapshot(c)
            )


def _snapshot(c: dict) -> dict:
    return {k: c.get(k, "") for k in ("code", "name", "tier", "gender")}
