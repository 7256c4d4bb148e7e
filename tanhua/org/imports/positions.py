"""Import kind `positions`: a cadre's post, matched on (cadre, organization, title, start).
Its rows may name organizations and cadres of the same file set."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connections

from tanhua.exchange import schema
from tanhua.exchange.apply import Writer, insert_rows, update_rows
from tanhua.exchange.plan import Planner, Rec, chunks, shown
from tanhua.exchange.problems import ImportRejected, Problem
from tanhua.exchange.schema import Column, ImportKind
from tanhua.org.models import Cadre, Organization, Position, code_validator
from tanhua.org.services import assignable_cadres

from . import cadres, organizations
from .organizations import TREE_CHANGED

NAME = "positions"


@dataclass
class PositionChanges:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates or self.updates)


class PositionsKind(ImportKind):
    name = NAME
    label = "职务"
    columns = (
        Column("cadre_code", "干部编号", max_length=32, validator=code_validator),
        Column("org_code", "组织编码", max_length=32, validator=code_validator),
        Column("title", "职务", max_length=100),
        Column("principal", "是否一把手", dropdown=("是", "否")),
        Column("start", "任职日期", is_date=True),
        Column("end", "免职日期", required=False, is_date=True),
    )
    depends_on = (organizations.NAME, cadres.NAME)
    unique = ("cadre_code", "org_code", "title", "start")
    unique_label = "任职记录"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["cadre_code"] = p.code(rec, raw, self.column("cadre_code"))
        v["org_code"] = p.code(rec, raw, self.column("org_code"))
        v["title"] = p.text(rec, raw, self.column("title"), required=True)
        v["principal"] = p.enum(
            rec, raw, self.column("principal"), schema.BOOL_WORDS, required=True
        )
        v["start"] = p.date(rec, raw, self.column("start"), required=True)
        if "end" in p.present[NAME]:
            v["end"] = p.date(rec, raw, self.column("end"), required=False)
            if rec.ok and v["end"] is not None and v["end"] < v["start"]:
                p.add(rec, "end", "免职日期不能早于任职日期")

    def stored_cells(self, p: Planner, columns: tuple[str, ...]) -> dict | None:
        key = ("cadre_code", "org_code", "title", "start")
        if not set(key) <= set(columns):
            return None
        # As plan() resolves them: posts through the scoping layer, of cadres the actor
        # may name.
        if p.actor is None:
            posts = Position.objects.unscoped("operator CLI: the operator sees every post")
        else:
            posts = Position.objects.visible_to(p.actor).filter(
                cadre__in=assignable_cadres(p.actor).values("pk")
            )
        rows = posts.values_list(
            "cadre__code", "organization__code", "title", "principal", "start", "end"
        )
        # The rows as the driver gives them, without the ORM's converters per value: SQLite
        # returns dates as ISO text and booleans as 0/1, PostgreSQL as date and bool.
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
        out = {}
        with connections[rows.db].cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(5000):
                for cadre_code, org_code, title, principal, start, end in batch:
                    if type(start) is str:
                        start_text, start = start, dt.date.fromisoformat(start)
                    else:
                        start_text = start.isoformat()
                    stored = {
                        "cadre_code": cadre_code,
                        "org_code": org_code,
                        "title": title,
                        "principal": "是" if principal else "否",
                        "start": start_text,
                        "end": (end if type(end) is str else end.isoformat()) if end else "",
                    }
                    # The key in the order of `unique`.
                    out[tuple([stored[c] for c in columns])] = (cadre_code, org_code, title, start)
        return out

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        changes = PositionChanges()
        p.plan.changes[NAME] = changes
        if not recs:
            return
        tree: organizations.OrgTree = p.results[organizations.NAME]
        imported_cadres: set[str] = p.results[cadres.NAME]
        wanted = {r.values["cadre_code"] for r in recs if r.values.get("cadre_code")}
        # Cadres resolve as the API's first post does; posts only through the scoping layer,
        # so a row never matches (and the preview never reveals) a post the actor cannot see.
        resolvable = assignable_cadres(p.actor)
        posts = (
            Position.objects.unscoped("operator CLI: the operator sees every post")
            if p.actor is None
            else Position.objects.visible_to(p.actor)
        )
        known_cadres: dict[str, int] = {}
        for chunk in chunks(sorted(wanted)):
            known_cadres.update(resolvable.filter(code__in=chunk).values_list("code", "id"))
        cadre_codes = {pk: code for code, pk in known_cadres.items()}
        existing: dict[tuple, dict] = {}
        for chunk in chunks(sorted(known_cadres.values())):
            for row in posts.filter(cadre_id__in=chunk).values(
                "id", "cadre_id", "organization_id", "title", "start", "principal", "end"
            ):
                key = (
                    cadre_codes[row["cadre_id"]],
                    tree.code_of[row["organization_id"]],
                    row["title"],
                    row["start"],
                )
                existing[key] = row
        all_cadres = set(known_cadres) | imported_cadres
        for rec in recs:
            v = rec.values
            if v.get("cadre_code") and v["cadre_code"] not in all_cadres:
                p.add(rec, "cadre_code", p.unknown("干部编号", v["cadre_code"]))
            org_code = v.get("org_code")
            org = tree.final.get(org_code or "")
            if org_code and (org is None or ("path" in org and not p.in_scope(org["path"]))):
                p.add(rec, "org_code", p.unknown("组织编码", org_code))
            if not rec.ok:
                continue
            key = (v["cadre_code"], v["org_code"], v["title"], v["start"])
            old = existing.get(key)
            if old is None:
                after = {"end": None, **v}
                changes.creates.append({**after, "_rec": rec, "_path": org and org.get("path")})
                p.plan.note(NAME, "created", rec, shown(after))
                continue
            after = {**old, **{k: x for k, x in v.items() if k in ("principal", "end")}}
            changed = [f for f in ("principal", "end") if old[f] != after[f]]
            if not changed:
                p.plan.note(NAME, "unchanged", rec, {})
                continue
            before = {**old, "cadre_code": v["cadre_code"], "org_code": v["org_code"]}
            changes.updates.append((before, {**after, **v, "_rec": rec}))
            p.plan.note(NAME, "updated", rec, shown(after | v), changed)

    def apply(self, changes: PositionChanges, writer: Writer) -> None:
        org_codes = sorted({p["org_code"] for p in changes.creates})
        org_ids: dict[str, int] = {}
        org_paths: dict[str, str] = {}
        for chunk in chunks(org_codes):
            # Locked: a move committed between this read and the posts' insert would leave
            # them on the old path (its UPDATE of the posts' paths never sees them).
            rows = Organization.objects.select_for_update().filter(code__in=chunk)
            for code, pk, path in rows.values_list("code", "id", "path"):
                org_ids[code], org_paths[code] = pk, path
        # The plan checked each organization's scope on the path it read without locks: one
        # moved since (out of the importer's scope, perhaps) refuses the import.
        if any(
            p.get("_path") and org_paths.get(p["org_code"]) != p["_path"] for p in changes.creates
        ):
            raise ImportRejected([Problem(self.label, None, "", TREE_CHANGED)])
        codes = sorted({p["cadre_code"] for p in changes.creates})
        cadre_ids: dict[str, int] = {}
        for chunk in chunks(codes):
            cadre_ids.update(
                Cadre.objects.unscoped("import apply: ids of cadres the plan resolved")
                .filter(code__in=chunk)
                .values_list("code", "id")
            )
        stamp, day = writer.stamp, writer.day
        insert_rows(
            Position,
            [
                "cadre",
                "cadre_code",
                "organization",
                "org_path",
                "title",
                "principal",
                "start",
                "end",
                "created_at",
                "updated_at",
            ],
            [
                (
                    cadre_ids[p["cadre_code"]],
                    p["cadre_code"],
                    org_ids[p["org_code"]],
                    org_paths[p["org_code"]],
                    p["title"],
                    p["principal"],
                    day(p["start"]),
                    day(p["end"]),
                    stamp,
                    stamp,
                )
                for p in changes.creates
            ],
        )
        if changes.creates:
            # A created post is identified by its natural key (cadre, organization, title, start).
            writer.created(
                "position.create",
                "position",
                "职务",
                [
                    {
                        "cadre_code": p["cadre_code"],
                        "org_code": p["org_code"],
                        **_snapshot(p, cadre_ids[p["cadre_code"]], org_ids[p["org_code"]]),
                    }
                    for p in changes.creates
                ],
                "cadre_code",
            )
        update_rows(
            Position,
            ["principal", "end", "updated_at"],
            [(p["principal"], day(p["end"]), stamp, old["id"]) for old, p in changes.updates],
        )
        for old, p in changes.updates:
            writer.event(
                "position.update",
                "position",
                str(old["id"]),
                f"{p['org_code']} {p['title']} {p['cadre_code']}",
                _snapshot(old, old["cadre_id"], old["organization_id"]),
                _snapshot(p, old["cadre_id"], old["organization_id"]),
            )


def _snapshot(p: dict, cadre_id, org_id) -> dict:
    return {
        "cadre": cadre_id,
        "organization": org_id,
        "title": p["title"],
        "principal": p["principal"],
        "start": p["start"],
        "end": p["end"],
    }
