"""Writing a validated Plan: bulk inserts and updates in batches, parents before children, and
one audit entry per created or updated object, all in the caller's transaction."""

from __future__ import annotations

from itertools import groupby

from django.db import connection, transaction
from django.utils import timezone

from tanhua.audit import services as audit
from tanhua.core.classification import Classification
from tanhua.exchange.plan import Plan
from tanhua.org.models import Cadre, Organization, Position

BATCH = 1000
# Created objects are audited in entries of this many (each with every object's state):
# one entry per object cost more than the whole import may take (docs/benchmarks.md).
AUDIT_CHUNK = 500


def _insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """INSERT many rows with values already in database form. bulk_create builds a model
    instance and prepares every value through the ORM for each row, which alone took more
    than the whole import's time budget at 50,000 rows (docs/benchmarks.md)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from model meta
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH * 5):
            cursor.executemany(sql, rows[i : i + BATCH * 5])


def _update_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE rows by primary key; each row holds the new values of `fields`, then the pk.
    bulk_update's CASE WHEN statements grow with the batch and took seconds per thousand."""
    if not rows:
        return
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(model._meta.get_field(f).column)} = %s" for f in fields)
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from model meta
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH * 5):
            cursor.executemany(sql, rows[i : i + BATCH * 5])


def _org_snapshot(o: dict, parent_id) -> dict:
    # The same shape as tanhua.org.services.ORG_FIELDS, so the trail reads alike either way.
    return {
        "code": o["code"],
        "name": o["name"],
        "level": o["level"],
        "kind": o["kind"],
        "parent": parent_id,
        "path": o["path"],
    }


def _cadre_snapshot(c: dict) -> dict:
    return {k: c.get(k, "") for k in ("code", "name", "tier", "gender")}


def _position_snapshot(p: dict, cadre_id, org_id) -> dict:
    return {
        "cadre": cadre_id,
        "organization": org_id,
        "title": p["title"],
        "principal": p["principal"],
        "start": p["start"],
        "end": p["end"],
    }


@transaction.atomic
def apply_plan(plan: Plan, *, actor, source: str) -> None:
    now = timezone.now()
    events: list[audit.Event] = []

    def created(action, object_type, label, snapshots: list[dict], key: str):
        for i in range(0, len(snapshots), AUDIT_CHUNK):
            chunk = snapshots[i : i + AUDIT_CHUNK]
            first, last = str(chunk[0][key]), str(chunk[-1][key])
            events.append(
                audit.Event(
                    action=action,
                    object_type=object_type,
                    object_id=first if first == last else f"{first}…{last}",
                    object_repr=f"导入新增{label} {len(chunk)} 个",
                    after={"objects": chunk},
                    detail={"import": source, "count": len(chunk)},
                    actor=actor,
                    at=now,
                )
            )

    def event(action, object_type, object_id, object_repr, before, after):
        events.append(
            audit.Event(
                action=action,
                object_type=object_type,
                object_id=object_id,
                object_repr=object_repr,
                before=before,
                after=after,
                detail={"import": source} if source else None,
                actor=actor,
                at=now,
            )
        )

    org_ids = dict(Organization.objects.values_list("code", "id"))
    # Parents before children: new organizations go in one depth at a time.
    creates = sorted(plan.org_creates, key=lambda o: o["depth"])
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
        Organization.objects.bulk_create(objs, batch_size=BATCH)
        if any(obj.pk is None for obj in objs):
            org_ids = dict(Organization.objects.values_list("code", "id"))
        else:
            org_ids.update((obj.code, obj.pk) for obj in objs)
        created(
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
    stamp = connection.ops.adapt_datetimefield_value(now)
    updates = []
    for before, o in plan.org_updates:
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
        event(
            "org.update",
            "organization",
            o["code"],
            o["name"],
            _org_snapshot(before, old_parent),
            _org_snapshot(o, parent_id),
        )
    _update_rows(
        Organization, ["name", "level", "kind", "parent", "path", "depth", "updated_at"], updates
    )

    _insert_rows(
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
            for c in plan.cadre_creates
        ],
    )
    created(
        "cadre.create", "cadre", "干部", [_cadre_snapshot(c) for c in plan.cadre_creates], "code"
    )
    _update_rows(
        Cadre,
        ["name", "tier", "gender", "updated_at"],
        [(c["name"], c["tier"], c["gender"], stamp, old["id"]) for old, c in plan.cadre_updates],
    )
    for old, c in plan.cadre_updates:
        event(
            "cadre.update", "cadre", c["code"], c["name"], _cadre_snapshot(old), _cadre_snapshot(c)
        )

    if plan.position_creates or plan.position_updates:
        _apply_positions(plan, org_ids, event, created, now)
    if events:
        audit.record_many(events)


def _apply_positions(plan: Plan, org_ids: dict, event, created, now) -> None:
    codes = sorted({p["cadre_code"] for p in plan.position_creates})
    cadre_ids: dict[str, int] = {}
    for i in range(0, len(codes), 500):
        chunk = codes[i : i + 500]
        cadre_ids.update(
            Cadre.objects.unscoped("import apply: ids of planned rows")
            .filter(code__in=chunk)
            .values_list("code", "id")
        )
    day = connection.ops.adapt_datefield_value
    stamp = connection.ops.adapt_datetimefield_value(now)
    _insert_rows(
        Position,
        ["cadre", "organization", "title", "principal", "start", "end", "created_at", "updated_at"],
        [
            (
                cadre_ids[p["cadre_code"]],
                org_ids[p["org_code"]],
                p["title"],
                p["principal"],
                day(p["start"]),
                day(p["end"]),
                stamp,
                stamp,
            )
            for p in plan.position_creates
        ],
    )
    # A created post is identified by its natural key (cadre, organization, title, start).
    created(
        "position.create",
        "position",
        "职务",
        [
            {
                "cadre_code": p["cadre_code"],
                "org_code": p["org_code"],
                **_position_snapshot(p, cadre_ids[p["cadre_code"]], org_ids[p["org_code"]]),
            }
            for p in plan.position_creates
        ],
        "cadre_code",
    )
    _update_rows(
        Position,
        ["principal", "end", "updated_at"],
        [(p["principal"], day(p["end"]), stamp, old["id"]) for old, p in plan.position_updates],
    )
    for old, p in plan.position_updates:
        event(
            "position.update",
            "position",
            str(old["id"]),
            f"{p['org_code']} {p['title']} {p['cadre_code']}",
            _position_snapshot(old, old["cadre_id"], old["organization_id"]),
            _position_snapshot(p, old["cadre_id"], old["organization_id"]),
        )
