"""The write path for accounts: users, roles, clearance, disabling, resets, conflicts (回避).

Login-time state (failures, lockout, second factor) lives in tanhua.accounts.security."""

from __future__ import annotations

import secrets
import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.accounts import roles as R
from tanhua.accounts.models import ConflictDeclaration, ConflictReason, RoleGrant, User
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.org.models import Cadre, Organization

USER_FIELDS = ["username", "first_name", "organization", "cadre", "clearance", "is_active"]
_OTP_ALPHABET = string.ascii_letters + string.digits


def one_time_password(length: int = 16) -> str:
    """Random, readable, and passes every configured validator (classes included)."""
    while True:
        pw = "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length - 2))
        pw += secrets.choice(string.digits) + secrets.choice("!@#%*-_")
        if any(c.islower() for c in pw) and any(c.isupper() for c in pw):
            return pw


def check_role_set(roles: set[str]) -> None:
    unknown = roles - set(R.Role.values)
    if unknown:
        raise ValidationError(_("未知角色：%(r)s") % {"r": "、".join(sorted(unknown))}, code="role")
    admin = roles & set(R.ADMIN_ROLES)
    if admin and len(roles) > 1:
        raise ValidationError(
            _("三员分立：管理员角色不能与其他任何角色同时授予同一账号"), code="separation"
        )


def _check_granter(actor, target: User | None) -> None:
    if actor is None:  # the operator at the command line
        return
    if not scoping.has_any(actor, R.MANAGE_USERS):
        raise scoping.OutOfScope
    if target is not None and target.pk == actor.pk:
        raise ValidationError(_("不能为自己授予或变更角色"), code="self_grant")


def _check_manager(actor, target: User, *, verb: str) -> None:
    """Only a security administrator (or the CLI operator) manages accounts; never their own."""
    if actor is None:
        return
    if not scoping.has_any(actor, R.MANAGE_USERS):
        raise scoping.OutOfScope
    if target.pk == actor.pk:
        raise ValidationError(_("不能对自己的账号执行“%(v)s”") % {"v": verb}, code="self")


def refuse_privileged(user: User) -> None:
    """No account is a Django superuser or staff member: the admin site is not used and
    superuser powers would bypass 三员分立."""
    if user.is_superuser or user.is_staff:
        raise ValidationError(_("不允许创建或保留超级用户/后台账号（三员分立）"), code="superuser")


def _forget_roles(user: User) -> None:
    user.__dict__.pop("role_names", None)


@transaction.atomic
def create_user(
    *,
    actor,
    username: str,
    organization: Organization,
    roles: list[str] | set[str],
    clearance: int = Classification.INTERNAL,
    full_name: str = "",
    cadre: Cadre | None = None,
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """Create a user holding `roles`; returns the user and the (one-time) password."""
    _check_granter(actor, None)
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise ValidationError(_("用户名不能为空且不超过150个字符"), code="username")
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("用户名“%(u)s”已存在") % {"u": username}, code="unique")
    role_set = {str(r) for r in roles}
    if not role_set:
        raise ValidationError(_("至少授予一个角色"), code="role")
    check_role_set(role_set)
    if clearance not in Classification.values:
        raise ValidationError(_("涉密等级无效"), code="clearance")
    password = password or one_time_password()
    user = User(
        username=username,
        first_name=full_name[:150],
        organization=organization,
        cadre=cadre,
        clearance=clearance,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    refuse_privileged(user)
    user.save()
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=user, role=r, granted_by=actor) for r in sorted(role_set)]
    )
    audit.record(
        "user.create",
        object_type="user",
        object_id=username,
        object_repr=full_name,
        after={**audit.snapshot(user, USER_FIELDS), "roles": sorted(role_set)},
        actor=actor,
    )
    return user, password


@transaction.atomic
def grant_role(*, actor, user: User, role: str) -> RoleGrant:
    """Give `user` one more role. 三员分立 and the no-self-grant rule are checked here (and
    the latter once more by a database constraint)."""
    _check_granter(actor, user)
    role = str(role)
    current = set(user.role_grants.values_list("role", flat=True))
    if role in current:
        raise ValidationError(_("该用户已持有角色“%(r)s”") % {"r": _role_label(role)}, code="held")
    check_role_set(current | {role})
    grant = RoleGrant.objects.create(user=user, role=role, granted_by=actor)
    _forget_roles(user)
    audit.record(
        "user.role_grant",
        object_type="user",
        object_id=user.username,
        object_repr=user.get_full_name(),
        before={"roles": sorted(current)},
        after={"roles": sorted(current | {role})},
        actor=actor,
    )
    return grant


@transaction.atomic
def revoke_role(*, actor, user: User, role: str) -> None:
    _check_granter(actor, user)
    role = str(role)
    current = set(user.role_grants.values_list("role", flat=True))
    if role not in current:
        raise ValidationError(
            _("该用户未持有角色“%(r)s”") % {"r": _role_label(role)}, code="absent"
        )
    RoleGrant.objects.filter(user=user, role=role).delete()
    _forget_roles(user)
    audit.record(
        "user.role_revoke",
        object_type="user",
        object_id=user.username,
        object_repr=user.get_full_name(),
        before={"roles": sorted(current)},
        after={"roles": sorted(current - {role})},
        actor=actor,
    )


def _role_label(role: str) -> str:
    try:
        return str(R.Role(role).label)
    except ValueError:
        return role


def _save_and_audit(
    user: User, action: str, changes: dict, actor, *, also_save: tuple[str, ...] = ()
) -> User:
    """Apply `changes` to the user, save just those fields (and `also_save`), and audit the
    changed fields' values before and after."""
    before = {field: getattr(user, field) for field in changes}
    for field, value in changes.items():
        setattr(user, field, value)
    user.save(update_fields=[*changes, *also_save])
    audit.record(
        action,
        object_type="user",
        object_id=user.username,
        object_repr=user.get_full_name(),
        before=before,
        after=dict(changes),
        actor=actor,
    )
    return user


@transaction.atomic
def set_clearance(*, actor, user: User, clearance: int) -> User:
    _check_manager(actor, user, verb=_("变更涉密等级"))
    if clearance not in Classification.values:
        raise ValidationError(_("涉密等级无效"), code="clearance")
    if user.clearance == clearance:
        return user
    return _save_and_audit(user, "user.clearance", {"clearance": clearance}, actor)


@transaction.atomic
def disable_user(*, actor, user: User) -> User:
    """Disable the account; bumping the session epoch ends its open sessions at once."""
    _check_manager(actor, user, verb=_("停用"))
    if not user.is_active:
        raise ValidationError(_("该账号已停用"), code="inactive")
    user.session_epoch += 1
    return _save_and_audit(
        user, "user.disable", {"is_active": False}, actor, also_save=("session_epoch",)
    )


@transaction.atomic
def enable_user(*, actor, user: User) -> User:
    _check_manager(actor, user, verb=_("启用"))
    if user.is_active:
        raise ValidationError(_("该账号已是启用状态"), code="active")
    refuse_privileged(user)
    return _save_and_audit(user, "user.enable", {"is_active": True}, actor)


@transaction.atomic
def reset_password(*, actor, user: User) -> str:
    """Issue a new one-time password that must be changed at next login; ends sessions."""
    _check_manager(actor, user, verb=_("重置密码"))
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.session_epoch += 1
    user.save(update_fields=["password", "must_change_password", "session_epoch"])
    # The password itself is never audited.
    audit.record(
        "user.password_reset",
        object_type="user",
        object_id=user.username,
        object_repr=user.get_full_name(),
        actor=actor,
    )
    return password


@transaction.atomic
def change_own_password(*, user: User, new_password: str) -> User:
    """The user's own change (validated by the form): clears the first-login flag."""
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record("user.password_change", object_type="user", object_id=user.username, actor=user)
    return user


# --- conflicts of interest (回避) -------------------------------------------


@transaction.atomic
def declare_conflict(*, actor: User, cadre, reason: str, detail: str) -> ConflictDeclaration:
    """The actor declares a conflict with `cadre`; from now on the cadre is out of their
    scope everywhere (the scoping layer excludes active declarations)."""
    from tanhua.org.models import Cadre

    # A declaration is only possible about someone the actor can see; else it looks absent.
    scoping.require(Cadre.objects.visible_to(actor).filter(pk=cadre.pk).exists())
    if reason not in ConflictReason.values:
        raise ValidationError(_("回避事由无效"), code="reason")
    detail = (detail or "").strip()
    if not detail:
        raise ValidationError(_("请填写回避说明"), code="detail")
    if len(detail) > 500:
        raise ValidationError(_("回避说明不能超过500个字符"), code="detail")
    declaration = ConflictDeclaration.objects.create(
        user=actor, cadre=cadre, reason=reason, detail=detail
    )
    audit.record(
        "conflict.declare",
        object_type="cadre",
        object_id=cadre.code,
        object_repr=cadre.name,
        after={"reason": reason, "detail": detail, "declaration": declaration.pk},
        actor=actor,
    )
    return declaration


@transaction.atomic
def withdraw_conflict(*, actor, declaration: ConflictDeclaration) -> ConflictDeclaration:
    """Only the security administrator lifts a declaration (the declarer cannot undo it)."""
    if actor is not None:
        scoping.require(scoping.has_any(actor, R.MANAGE_USERS))
    if not declaration.active:
        raise ValidationError(_("该回避声明已撤销"), code="inactive")
    declaration.active = False
    declaration.withdrawn_at = timezone.now()
    declaration.withdrawn_by = actor
    declaration.save(update_fields=["active", "withdrawn_at", "withdrawn_by"])
    audit.record(
        "conflict.withdraw",
        object_type="cadre",
        object_id=declaration.cadre.code,
        object_repr=declaration.cadre.name,
        before={"active": True, "declaration": declaration.pk, "user": declaration.user_id},
        after={"active": False},
        actor=actor,
    )
    return declaration
