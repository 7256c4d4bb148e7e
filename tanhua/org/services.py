"""The write path of the organization registry. Pages, the API, the CLI and imports call these;
each validates, saves, and writes its audit entry in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.core.versioning import check_fresh
from tanhua.org.messages import CODE_UNAVAILABLE
from tanhua.org.models import (
    LEVEL_RANK,
    Cadre,
    Level,
    Organization,
    Position,
    Tier,
    code_validator,
)

ORG_FIELDS = ["code", "name", "level", "kind", "parent", "path"]
CADRE_FIELDS = ["code", "name", "tier", "gender", "classification"]
POSITION_FIELDS = ["cadre", "organization", "title", "principal", "start", "end"]
# How a refused stale edit names the fields that changed meanwhile.
ORG_LABELS = {
    "name": _lazy("名称"),
    "level": _lazy("层级"),
    "kind": _lazy("类型"),
    "parent": _lazy("上级"),
    "path": _lazy("路径"),
    "code": _lazy("编码"),
}
CADRE_LABELS = {
    "name": _lazy("姓名"),
    "tier": _lazy("管理层级"),
    "gender": _lazy("性别"),
    "classification": _lazy("密级"),
    "code": _lazy("干部编号"),
}
POSITION_LABELS = {
    "title": _lazy("职务"),
    "principal": _lazy("是否一把手"),
    "start": _lazy("任职日期"),
    "end": _lazy("免职日期"),
    "cadre": _lazy("干部"),
    "organization": _lazy("组织"),
}
MAX_NAME = 100


def check_actor_may_edit(actor, org: Organization | None) -> None:
    """None is the operator at the command line; a person needs the role and the scope."""
    if actor is None:
        return
    if not scoping.can_edit_registry(actor):
        raise scoping.OutOfScope
    path = scoping.scope_path(actor)
    if org is None or path is None or not org.path.startswith(path):
        raise scoping.OutOfScope


def assignable_cadres(user):
    """The cadres `user` may name in a post they write: those they see, and those holding
    no post at all (a cadre with no post lies in nobody's scope), within their clearance
    and not declared 回避. The API's first post and every import row resolve cadres here.
    None is the operator at the command line, who names every cadre."""
    if user is None:
        return Cadre.objects.unscoped("operator CLI: the operator names every cadre")
    if not scoping.can_edit_registry(user):
        return Cadre.objects.visible_to(user)
    visible = Cadre.objects.visible_to(user).values("pk")

    any_post = Position.objects.unscoped("first post: whether the cadre holds any post").filter(
        cadre=OuterRef("pk")
    )
    declared = scoping.declared_cadres(user)
    postless = Q(~Exists(any_post), classification__lte=scoping.clearance(user)) & ~Q(
        pk__in=declared
    )
    return Cadre.objects.unscoped("first post: visible cadres and postless ones").filter(
        Q(pk__in=visible) | postless
    )


def check_parent(*, code: str, level: str, parent: Organization | None) -> None:
    """A child sits strictly below its parent's level, and never under itself."""
    if parent is None:
        return
    if LEVEL_RANK[Level(level)] <= parent.level_rank:
        raise ValidationError(
            _("层级“%(child)s”必须低于上级组织“%(parent)s”的层级“%(plevel)s”")
            % {
                "child": Level(level).label,
                "parent": parent.name,
                "plevel": parent.get_level_display(),
            },
            code="level",
        )
    if f"/{code}/" in parent.path:
        raise ValidationError(
            _("上级组织“%(parent)s”位于“%(code)s”之下，会形成循环")
            % {"parent": parent.name, "code": code},
            code="cycle",
        )


def _clean_text(value: str, *, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("“%(field)s”不能为空") % {"field": field}, code="required")
    if len(text) > max_length:
        raise ValidationError(
            _("“%(field)s”超过%(max)d个字符") % {"field": field, "max": max_length},
            code="max_length",
        )
    return text


@transaction.atomic
def create_organization(
    *,
    actor,
    code: str,
    name: str,
    level: str,
    kind: str = "党委",
    parent: Organization | None = None,
) -> Organization:
    code_validator(code)
    lock_tree()
    if parent is not None:
        # The parent as stored, locked: the caller's object may predate a move of its
        # subtree, and the child's path (and the scope test) would follow the old tree.
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
    check_actor_may_edit(actor, parent)
    if Organization.objects.filter(code=code).exists():
        raise ValidationError(CODE_UNAVAILABLE, code="unique")
    check_parent(code=code, level=level, parent=parent)
    org = Organization(
        code=code,
        name=_clean_text(name, field=_("名称"), max_length=MAX_NAME),
        level=level,
        kind=_clean_text(kind or "党委", field=_("类型"), max_length=32),
        parent=parent,
    )
    org.path, org.depth = Organization.place(parent.path if parent else None, code)
    org.save()
    audit.record(
        "org.create",
        object_type="organization",
        object_id=code,
        object_repr=org.name,
        after=audit.snapshot(org, ORG_FIELDS),
        actor=actor,
    )
    return org


# One key for every write that places or moves organizations (pg_advisory_xact_lock).
_TREE_LOCK_KEY = 0x7A6F7267  # "zorg"


def lock_tree() -> None:
    """Serialize every change to the tree's shape (a new organization, a move, the
    organizations import) until the transaction ends. Row locks on the parent are not
    enough on PostgreSQL: a move's one UPDATE of the subtree cannot see an organization
    committed under a descendant after that UPDATE began, which would keep the old path.
    SQLite writes one at a time already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_TREE_LOCK_KEY])


@transaction.atomic
def update_organization(
    *,
    actor,
    org: Organization,
    name: str | None = None,
    kind: str | None = None,
    level: str | None = None,
    parent: Organization | type[Ellipsis] | None = ...,
    expected_version: int | None = None,
) -> Organization:
    if parent is not ...:
        # Before any row lock, in the order every tree write takes them.
        lock_tree()
    org = Organization.objects.select_for_update().get(pk=org.pk)
    check_actor_may_edit(actor, org)
    check_fresh(
        org, expected_version, object_type="organization", object_id=org.code, labels=ORG_LABELS
    )
    before = audit.snapshot(org, ORG_FIELDS)
    changed: list[str] = []
    if name is not None and name.strip() != org.name:
        org.name = _clean_text(name, field=_("名称"), max_length=MAX_NAME)
        changed.append("name")
    if kind is not None and kind.strip() != org.kind:
        org.kind = _clean_text(kind, field=_("类型"), max_length=32)
        changed.append("kind")
    new_level = level if level is not None else org.level
    new_parent = org.parent if parent is ... else parent
    if parent is not ... and parent is not None and parent.pk != org.parent_id:
        # The new parent as stored, locked (see create_organization): a parent read before
        # its own move would place the subtree, and its posts' paths, on the old tree.
        new_parent = Organization.objects.select_for_update().get(pk=parent.pk)
    if new_level != org.level or (new_parent.pk if new_parent else None) != org.parent_id:
        check_parent(code=org.code, level=new_level, parent=new_parent)
        for child in org.children.all():
            if LEVEL_RANK[Level(child.level)] <= LEVEL_RANK[Level(new_level)]:
                raise ValidationError(
                    _("下级组织“%(child)s”的层级必须低于“%(level)s”")
                    % {"child": child.name, "level": Level(new_level).label},
                    code="level",
                )
        if new_level != org.level:
            org.level = new_level
            changed.append("level")
        if (new_parent.pk if new_parent else None) != org.parent_id:
            if actor is not None:
                check_actor_may_edit(actor, new_parent)
            _move_subtree(org, new_parent)
            changed += ["parent", "path", "depth"]
    if not changed:
        return org
    org.save(update_fields=[*changed, *org.bump_version(), "updated_at"])
    audit.record(
        "org.update",
        object_type="organization",
        object_id=org.code,
        object_repr=org.name,
        before=before,
        after=audit.snapshot(org, ORG_FIELDS),
        actor=actor,
    )
    return org


def _move_subtree(org: Organization, new_parent: Organization | None) -> None:
    old_path = org.path
    new_path, new_depth = Organization.place(new_parent.path if new_parent else None, org.code)
    depth_shift = new_depth - org.depth
    # One UPDATE for the whole subtree: descendants keep their tail, take the new head.
    Organization.objects.filter(path__startswith=old_path).exclude(pk=org.pk).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    # The posts' copy of the path (Position.org_path) follows, set from each post's own
    # organization (by id, not by the copy's old prefix: a copy that was ever wrong is put
    # right, never carried along).
    posts = Position.objects.unscoped("a subtree's posts follow its move")
    posts.filter(organization_id=org.pk).update(org_path=new_path)
    below = Organization.objects.filter(path__startswith=new_path).exclude(pk=org.pk)
    own_path = Organization.objects.filter(pk=OuterRef("organization_id")).values("path")[:1]
    posts.filter(organization_id__in=below.values("pk")).update(org_path=Subquery(own_path))
    org.parent = new_parent
    org.path = new_path
    org.depth = new_depth


def _check_cadre_fields(name: str, tier: str, gender: str) -> tuple[str, str, str]:
    name = _clean_text(name, field=_("姓名"), max_length=50)
    if tier not in Tier.values:
        raise ValidationError(_("管理层级“%(v)s”无效") % {"v": tier}, code="tier")
    if gender and gender not in {"male", "female"}:
        raise ValidationError(_("性别“%(v)s”无效") % {"v": gender}, code="gender")
    return name, tier, gender or ""


def _check_classification(actor, classification: int) -> None:
    """An editor cannot classify a record above their own clearance: it would vanish from
    their own view, and it would let them hide it from everyone at their level."""
    if classification not in Classification.values:
        raise ValidationError(_("密级无效"), code="classification")
    if actor is not None and classification > scoping.clearance(actor):
        raise ValidationError(
            _("不能将密级设为高于您本人涉密等级的“%(c)s”")
            % {"c": Classification(classification).label},
            code="classification",
        )


@transaction.atomic
def create_cadre(
    *,
    actor,
    code: str,
    name: str,
    tier: str,
    gender: str = "",
    classification: int = Classification.INTERNAL,
) -> Cadre:
    if actor is not None and not scoping.can_edit_registry(actor):
        raise scoping.OutOfScope
    code_validator(code)
    if Cadre.objects.unscoped("code uniqueness").filter(code=code).exists():
        raise ValidationError(CODE_UNAVAILABLE, code="unique")
    name, tier, gender = _check_cadre_fields(name, tier, gender)
    _check_classification(actor, classification)
    cadre = Cadre.objects.create(
        code=code, name=name, tier=tier, gender=gender, classification=classification
    )
    audit.record(
        "cadre.create",
        object_type="cadre",
        object_id=code,
        object_repr=name,
        after=audit.snapshot(cadre, CADRE_FIELDS),
        actor=actor,
    )
    return cadre


@transaction.atomic
def update_cadre(
    *, actor, cadre: Cadre, expected_version: int | None = None, **changes: Any
) -> Cadre:
    locked = Cadre.objects.unscoped("re-read under lock; scope checked next")
    cadre = locked.select_for_update().get(pk=cadre.pk)
    if actor is not None and not Cadre.objects.visible_to(actor).filter(pk=cadre.pk).exists():
        raise scoping.OutOfScope
    if actor is not None and not scoping.can_edit_registry(actor):
        raise scoping.OutOfScope
    check_fresh(
        cadre, expected_version, object_type="cadre", object_id=cadre.code, labels=CADRE_LABELS
    )
    before = audit.snapshot(cadre, CADRE_FIELDS)
    name, tier, gender = _check_cadre_fields(
        changes.get("name", cadre.name),
        changes.get("tier", cadre.tier),
        changes.get("gender", cadre.gender),
    )
    values = {
        "name": name,
        "tier": tier,
        "gender": gender,
        "classification": changes.get("classification", cadre.classification),
    }
    if values["classification"] != cadre.classification:
        _check_classification(actor, values["classification"])
    changed = [k for k, v in values.items() if getattr(cadre, k) != v]
    if not changed:
        return cadre
    for k in changed:
        setattr(cadre, k, values[k])
    cadre.save(update_fields=[*changed, *cadre.bump_version(), "updated_at"])
    audit.record(
        "cadre.update",
        object_type="cadre",
        object_id=cadre.code,
        object_repr=cadre.name,
        before=before,
        after=audit.snapshot(cadre, CADRE_FIELDS),
        actor=actor,
    )
    return cadre


def _check_dates(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        raise ValidationError(_("免职日期不能早于任职日期"), code="dates")


@transaction.atomic
def create_position(
    *,
    actor,
    cadre: Cadre,
    organization: Organization,
    title: str,
    principal: bool,
    start: dt.date,
    end: dt.date | None = None,
) -> Position:
    # The organization as stored, locked: the caller's object may predate a move of its
    # subtree, which would leave the post's copy of the path (and the scope test) on the
    # old tree; the lock makes a concurrent move wait for the post, or the post for it.
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    check_actor_may_edit(actor, organization)
    title = _clean_text(title, field=_("职务"), max_length=100)
    _check_dates(start, end)
    if (
        Position.objects.unscoped("natural-key uniqueness")
        .filter(cadre=cadre, organization=organization, title=title, start=start)
        .exists()
    ):
        raise ValidationError(_("该任职记录已存在"), code="unique")
    position = Position.objects.create(
        cadre=cadre,
        organization=organization,
        title=title,
        principal=principal,
        start=start,
        end=end,
    )
    audit.record(
        "position.create",
        object_type="position",
        object_id=str(position.pk),
        object_repr=f"{organization.name} {title} {cadre.name}",
        after=audit.snapshot(position, POSITION_FIELDS),
        actor=actor,
    )
    return position


@transaction.atomic
def update_position(
    *,
    actor,
    position: Position,
    principal: bool | None = None,
    end: dt.date | type[Ellipsis] | None = ...,
    expected_version: int | None = None,
) -> Position:
    position = (
        Position.objects.unscoped("re-read under lock; scope checked next")
        .select_for_update()
        .select_related("organization", "cadre")
        .get(pk=position.pk)
    )
    check_actor_may_edit(actor, position.organization)
    check_fresh(
        position,
        expected_version,
        object_type="position",
        object_id=str(position.pk),
        labels=POSITION_LABELS,
    )
    before = audit.snapshot(position, POSITION_FIELDS)
    changed = []
    if principal is not None and principal != position.principal:
        position.principal = principal
        changed.append("principal")
    if end is not ... and end != position.end:
        _check_dates(position.start, end)
        position.end = end
        changed.append("end")
    if not changed:
        return position
    position.save(update_fields=[*changed, *position.bump_version(), "updated_at"])
    audit.record(
        "position.update",
        object_type="position",
        object_id=str(position.pk),
        object_repr=str(position),
        before=before,
        after=audit.snapshot(position, POSITION_FIELDS),
        actor=actor,
    )
    return position
