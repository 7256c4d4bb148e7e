"""Import kind `organizations`: the party organization tree, validated whole in memory."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery

from tanhua.exchange.apply import Writer, update_rows
from tanhua.exchange.plan import Planner, Rec, chunks, shown
from tanhua.exchange.problems import ImportRejected, Problem
from tanhua.exchange.schema import Column, ImportKind
from tanhua.org.messages import CODE_UNAVAILABLE
from tanhua.org.models import LEVEL_RANK, Level, Organization, Position, code_validator
from tanhua.org.services import check_parent, lock_tree

from .words import LEVEL_WORDS

NAME = "organizations"
FIELDS = ("name", "level", "kind", "parent_code", "path")


@dataclass
class OrgChanges:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates or self.updates)


@dataclass
class OrgTree:
    """What dependent kinds read: every organization by code as it will be after the import
    (with "path" once the tree is valid), and every stored organization's code by id."""

    final: dict[str, dict]
    code_of: dict[int, str]


class OrganizationsKind(ImportKind):
    name = NAME
    label = "组织"
    columns = (
        Column("code", "编码", max_length=32, validator=code_validator),
        Column("name", "名称", max_length=100),
        Column("level", "层级", choices=Level, dropdown=("省", "市", "县", "乡")),
        Column("parent_code", "上级编码", max_length=32, validator=code_validator),
        Column("kind", "类型", required=False, max_length=32),
    )
    unique = ("code",)
    unique_label = "编码"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["code"] = p.code(rec, raw, self.column("code"))
        v["name"] = p.text(rec, raw, self.column("name"), required=True)
        v["level"] = p.enum(rec, raw, self.column("level"), LEVEL_WORDS, required=True)
        v["parent_code"] = p.code(rec, raw, self.column("parent_code"), required=False)
        if "kind" in p.present[NAME]:
            v["kind"] = p.text(rec, raw, self.column("kind"), required=False) or "党委"

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        changes = OrgChanges()
        p.plan.changes[NAME] = changes
        db = {
            o["code"]: o
            for o in Organization.objects.values(
                "id", "code", "name", "level", "kind", "parent_id", "path", "depth"
            )
        }
        code_of = {o["id"]: code for code, o in db.items()}
        # Stored organizations outside the actor's scope must read exactly like absent ones.
        hidden = {code for code, o in db.items() if not p.in_scope(o["path"])}
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
        p.results[NAME] = OrgTree(final, code_of)
        imported: dict[str, Rec] = {}
        for rec in recs:
            v = rec.values
            if not v.get("code") or v["code"] in imported:
                continue
            if v["code"] in hidden:
                # Taken by an organization the actor may not see: one line that quotes and
                # confirms nothing stored, whatever the other cells say.
                p.add(rec, "code", CODE_UNAVAILABLE)
                p.code_unavailable += 1
                continue
            imported[v["code"]] = rec
            current = final.get(v["code"], {"code": v["code"], "kind": "党委", "parent_code": ""})
            final[v["code"]] = {**current, **{k: x for k, x in v.items() if x is not None}}
        children: dict[str, list[str]] = defaultdict(list)
        for code, o in final.items():
            children[o["parent_code"]].append(code)
        for code, rec in imported.items():
            stored_parent = code_of.get(db[code]["parent_id"]) if code in db else None
            _check_tree(p, rec, code, final, children, imported, hidden, stored_parent)
        if any(not rec.ok for rec in imported.values()):
            return
        places: dict[str, tuple[str, int]] = {}

        def place_of(code: str) -> tuple[str, int]:
            if code not in places:
                parent = final[code]["parent_code"]
                places[code] = Organization.place(place_of(parent)[0] if parent else None, code)
            return places[code]

        for code, o in final.items():
            o["path"], o["depth"] = place_of(code)
        for code, o in final.items():
            rec = imported.get(code)
            old = db.get(code)
            if old is None:
                if not p.in_scope(o["path"]):
                    p.add(rec, "code", f"组织“{code}”不在您的管辖范围内，不能新增")
                    continue
                changes.creates.append({**o, "_rec": rec})
                p.plan.note(NAME, "created", rec, shown(o))
                continue
            before = _before(old, code_of)
            changed = [f for f in FIELDS if before[f] != o[f]]
            if not changed:
                if rec is not None:
                    p.plan.note(NAME, "unchanged", rec, {})
                continue
            if not (p.in_scope(o["path"]) and p.in_scope(old["path"])):
                target = rec or imported.get(_moved_ancestor(old["path"], imported))
                if target is not None:
                    p.add(target, "code", f"组织“{code}”不在您的管辖范围内，不能修改")
                continue
            changes.updates.append(({**before, "id": old["id"]}, {**o, "_rec": rec}))
            p.plan.note(NAME, "updated", rec, shown(o), changed)

    def apply(self, changes: OrgChanges, writer: Writer) -> None:
        lock_tree()
        _check_tree_as_planned(changes)
        org_ids = dict(Organization.objects.values_list("code", "id"))
        # Parents before children: new organizations go in one depth at a time.
        creates = sorted(changes.creates, key=lambda o: o["depth"])
        for _depth, group in groupby(creates, key=lambda o: o["depth"]):
            objs = [
                Organization(
                    code=o["code"],
                    name=o["name"],
                    level=o["level"],
                    kind=o["kind"],
                    parent_id=org_ids.get(o["parent_code"]) if o["parent_code"] else None,
                    path=o["path"],
                    depth=o["depth"],
                )
                for o in group
            ]
            Organization.objects.bulk_create(objs, batch_size=1000)
            if any(obj.pk is None for obj in objs):
                org_ids = dict(Organization.objects.values_list("code", "id"))
            else:
                org_ids.update((obj.code, obj.pk) for obj in objs)
            writer.created(
                "org.create",
                "organization",
                "组织",
                [
                    {"code": obj.code, "name": obj.name, "level": obj.level, "kind": obj.kind}
                    | {"parent": obj.parent_id, "path": obj.path}
                    for obj in objs
                ],
                "code",
            )
        stamp = writer.stamp
        updates = []
        for before, o in changes.updates:
            parent_id = org_ids.get(o["parent_code"]) if o["parent_code"] else None
            updates.append(
                (
                    o["name"],
                    o["level"],
                    o["kind"],
                    parent_id,
                    o["path"],
                    o["depth"],
                    stamp,
                    before["id"],
                )
            )
            old_parent = org_ids.get(before["parent_code"]) if before["parent_code"] else None
            writer.event(
                "org.update",
                "organization",
                o["code"],
                o["name"],
                _snapshot(before, old_parent),
                _snapshot(o, parent_id),
            )
        update_rows(
            Organization,
            ["name", "level", "kind", "parent", "path", "depth", "updated_at"],
            updates,
        )
        # The posts' copy of the path (Position.org_path) follows every organization whose
        # path changed (a move reaches the whole subtree: each descendant is in `updates`).
        moved = [before["id"] for before, o in changes.updates if o["path"] != before["path"]]
        path = Organization.objects.filter(pk=OuterRef("organization_id")).values("path")[:1]
        for chunk in chunks(moved):
            Position.objects.unscoped("posts follow their organization's new path").filter(
                organization_id__in=chunk
            ).update(org_path=Subquery(path))


TREE_CHANGED = "组织树在导入过程中已被他人修改，请重新导入"


def _check_tree_as_planned(changes: OrgChanges) -> None:
    """The stored tree is still the one the plan read, locked until the import commits: the
    paths it writes (and the posts' copies that follow them) were computed from it. Another
    request's move or new organization committed in between (the plan reads without locks)
    would otherwise be overwritten with the old tree's paths, or left under a moved
    subtree's old path. A new or moved organization under a locked row waits for the import
    (create_organization and update_organization lock the parent they place under)."""
    planned = {before["id"]: before["path"] for before, _o in changes.updates}
    created = {o["code"] for o in changes.creates}
    # The stored parents the new organizations go under (a moving parent is in `planned`).
    under = {
        o["parent_code"]: o["path"][: -len(o["code"]) - 1]
        for o in changes.creates
        if o["parent_code"] and o["parent_code"] not in created
    }
    stored: dict[int, str] = {}
    for chunk in chunks(sorted(planned)):
        rows = Organization.objects.select_for_update().filter(pk__in=chunk)
        stored.update(rows.values_list("pk", "path"))
    parents: dict[str, tuple[int, str]] = {}
    for chunk in chunks(sorted(under)):
        rows = Organization.objects.select_for_update().filter(code__in=chunk)
        parents.update(
            (code, (pk, path)) for code, pk, path in rows.values_list("code", "pk", "path")
        )
    changed = stored != planned or any(
        code not in parents or (parents[code][0] not in planned and parents[code][1] != path)
        for code, path in under.items()
    )
    if not changed:
        # Each re-parented organization's stored subtree is the one the plan moves whole.
        for before, o in changes.updates:
            if o["parent_code"] == before["parent_code"]:
                continue
            planned_below = sum(1 for path in planned.values() if path.startswith(before["path"]))
            if (
                Organization.objects.filter(path__startswith=before["path"]).count()
                != planned_below
            ):
                changed = True
                break
    if changed:
        raise ImportRejected([Problem(OrganizationsKind.label, None, "", TREE_CHANGED)])


def _check_tree(
    p: Planner,
    rec: Rec,
    code: str,
    final: dict,
    children: dict,
    imported: dict,
    hidden: set,
    stored_parent: str | None,
) -> None:
    o = final[code]
    parent_code = o.get("parent_code") or ""
    if parent_code:
        if parent_code in hidden and parent_code == stored_parent:
            # The actor's own top organization keeps the parent above their scope: it is
            # checked without quoting that parent's name or level.
            if o.get("level") and LEVEL_RANK[final[parent_code]["level"]] >= LEVEL_RANK[o["level"]]:
                p.add(rec, "level", "层级必须低于上级组织的层级")
            return
        if parent_code not in final or parent_code in hidden:
            # Absent and out of scope read the same.
            p.add(rec, "parent_code", p.unknown("上级编码", parent_code))
            return
        seen, cur = {code}, parent_code
        while cur and cur not in seen:
            seen.add(cur)
            cur = final[cur].get("parent_code") or ""
            if cur and cur not in final:
                break
        if cur == code:
            p.add(rec, "parent_code", f"上级编码“{parent_code}”会使组织树形成循环")
            return
    if not rec.ok or not o.get("level"):
        return
    parent = final.get(parent_code)
    if parent and parent.get("level"):
        try:
            check_parent(code=code, level=o["level"], parent=_unsaved(parent))
        except ValidationError as exc:
            p.add(rec, "level", exc.messages[0])
    for child_code in children.get(code, ()):
        child = final[child_code]
        # An imported child reports its own level; only rows already stored are checked here.
        if child_code == code or child_code in imported or not child.get("level"):
            continue
        try:
            check_parent(code=child_code, level=child["level"], parent=_unsaved(o))
        except ValidationError:
            p.add(
                rec,
                "level",
                f"下级组织“{child['name']}”的层级“{Level(child['level']).label}”"
                f"必须低于“{Level(o['level']).label}”",
            )
            return


def _before(old: dict, code_of: dict) -> dict:
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


def _snapshot(o: dict, parent_id) -> dict:
    # The same shape as tanhua.org.services.ORG_FIELDS, so the trail reads alike either way.
    return {
        "code": o["code"],
        "name": o["name"],
        "level": o["level"],
        "kind": o["kind"],
        "parent": parent_id,
        "path": o["path"],
    }
