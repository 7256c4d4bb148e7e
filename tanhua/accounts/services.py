"""The write path for accounts: users, roles, clearance, disabling, resets, conflicts (回避),
and the two-person rule: a clearance above 内部, a role that sees people or an
administrator role, granted on the web, waits as a PendingGrant until a second person
approves it (settings TWO_PERSON_GRANTS). The operator at the command line (actor None)
already holds the database, so the rule does not apply to them.

Login-time state (failures, lockout, second factor) lives in tanhua.accounts.security."""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.accounts import roles as R
from tanhua.accounts.models import (
    ConflictDeclaration,
    ConflictReason,
    GrantState,
    PendingGrant,
    RoleGrant,
    User,
)
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
    # Under the two-person rule the account starts with the harmless part only, and
    # inactive, so that nobody (its creator included) uses it before the second person
    # has approved the rest; the approval enables it.
    waiting_roles, waiting_clearance = set(), None
    if two_person_rule(actor):
        waiting_roles, waiting_clearance = _second_person_part(role_set, clearance)
    waits = bool(waiting_roles) or waiting_clearance is not None
    held = role_set - waiting_roles
    password = password or one_time_password()
    user = User(
        username=username,
        first_name=full_name[:150],
        organization=organization,
        cadre=cadre,
        clearance=Classification.INTERNAL if waiting_clearance else clearance,
        must_change_password=must_change_password,
        password_issued_by=actor if must_change_password else None,
        is_active=not waits,
    )
    user.set_password(password)
    refuse_privileged(user)
    user.save()
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=user, role=r, granted_by=actor) for r in sorted(held)]
    )
    audit.record(
        "user.create",
        object_type="user",
        object_id=username,
        object_repr=full_name,
        after={**audit.snapshot(user, USER_FIELDS), "roles": sorted(held)},
        actor=actor,
    )
    if waits:
        _request_grant(
            actor=actor,
            user=user,
            roles=waiting_roles,
            clearance=waiting_clearance,
            activates=True,
        )
    return user, password


@transaction.atomic
def grant_role(*, actor, user: User, role: str) -> RoleGrant | PendingGrant:
    """Give `user` one more role. 三员分立 and the no-self-grant rule are checked here (and
    the latter once more by a database constraint). A role under the two-person rule
    returns the PendingGrant that waits for the second person instead."""
    _check_granter(actor, user)
    role = str(role)
    current = set(user.role_grants.values_list("role", flat=True))
    if role in current:
        raise ValidationError(_("该用户已持有角色“%(r)s”") % {"r": _role_label(role)}, code="held")
    waiting = _pending_of(user)
    check_role_set(current | {role} | {r for g in waiting for r in g.roles})
    if two_person_rule(actor) and role in R.SECOND_PERSON_ROLES:
        if any(role in g.roles for g in waiting):
            raise ValidationError(
                _("角色“%(r)s”的授予申请已在等待审批") % {"r": _role_label(role)}, code="pending"
            )
        return _request_grant(actor=actor, user=user, roles={role}, clearance=None)
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
def set_clearance(*, actor, user: User, clearance: int) -> User | PendingGrant:
    """Change the clearance. Lowering takes effect at once; raising it above 内部 under the
    two-person rule returns the PendingGrant that waits for the second person."""
    _check_manager(actor, user, verb=_("变更涉密等级"))
    if clearance not in Classification.values:
        raise ValidationError(_("涉密等级无效"), code="clearance")
    if user.clearance == clearance:
        return user
    if (
        two_person_rule(actor)
        and clearance > Classification.INTERNAL
        and clearance > user.clearance
    ):
        if any(g.clearance is not None for g in _pending_of(user)):
            raise ValidationError(_("该用户已有等待审批的涉密等级申请"), code="pending")
        return _request_grant(actor=actor, user=user, roles=set(), clearance=clearance)
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
    if any(g.activates for g in _pending_of(user)):
        raise ValidationError(_("该账号的授权正在等待第二人审批，批准后将自动启用"), code="pending")
    refuse_privileged(user)
    return _save_and_audit(user, "user.enable", {"is_active": True}, actor)


@transaction.atomic
def reset_password(*, actor, user: User) -> str:
    """Issue a new one-time password that must be changed at next login; ends sessions."""
    _check_manager(actor, user, verb=_("重置密码"))
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.password_issued_by = actor
    user.session_epoch += 1
    user.save(
        update_fields=["password", "must_change_password", "password_issued_by", "session_epoch"]
    )
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
    user.password_issued_by = None
    user.password_changed_at = timezone.now()
    user.save(
        update_fields=[
            "password",
            "must_change_password",
            "password_issued_by",
            "password_changed_at",
        ]
    )
    audit.record("user.password_change", object_type="user", object_id=user.username, actor=user)
    return user


# --- the two-person rule ------------------------------------------------------


def two_person_rule(actor) -> bool:
    """Whether a grant by `actor` waits for a second person. The operator at the command
    line (None) already holds the database and is exempt."""
    return bool(settings.TWO_PERSON_GRANTS) and actor is not None


def _second_person_part(roles: set[str], clearance: int) -> tuple[set[str], int | None]:
    """The part of a grant that needs a second person: those roles, and the clearance when
    it is above 内部."""
    waiting = {r for r in roles if r in R.SECOND_PERSON_ROLES}
    return waiting, (clearance if clearance > Classification.INTERNAL else None)


def may_decide_grants(user) -> bool:
    """A security administrator, or a business approver named in GRANT_APPROVERS."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return scoping.has_any(user, R.MANAGE_USERS) or user.username in settings.GRANT_APPROVERS


def _pending_of(user: User) -> list[PendingGrant]:
    return list(PendingGrant.objects.pending().filter(user=user))


def _request_grant(
    *, actor, user: User, roles: set[str], clearance: int | None, activates: bool = False
) -> PendingGrant:
    grant = PendingGrant.objects.create(
        user=user,
        requested_by=actor,
        roles=sorted(roles),
        clearance=clearance,
        activates=activates,
    )
    audit.record(
        "user.grant_request",
        object_type="user",
        object_id=user.username,
        object_repr=user.get_full_name(),
        after={"roles": grant.roles, "clearance": clearance, "activates": activates},
        detail={"grant": grant.pk},
        actor=actor,
    )
    return grant


def _check_decider(actor, grant: PendingGrant, *, approving: bool) -> None:
    if actor is None:
        return
    if not may_decide_grants(actor):
        raise scoping.OutOfScope
    if grant.user_id == actor.pk:
        raise ValidationError(_("不能审批对自己的授权申请"), code="self")
    if not approving:
        return  # the requester may withdraw their own request
    if grant.requested_by_id == actor.pk:
        raise ValidationError(
            _("不能批准自己提出的授权申请：须由另一位安全管理员或指定的审批人批准"),
            code="same_person",
        )
    if grant.clearance is not None and scoping.clearance(actor) < grant.clearance:
        raise ValidationError(
            _("您的涉密等级低于申请的“%(c)s”，不能批准该申请")
            % {"c": Classification(grant.clearance).label},
            code="clearance",
        )


def _locked_pending(grant: PendingGrant) -> PendingGrant:
    # Locked so that two approvers clicking at once apply the grant once.
    grant = PendingGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    if grant.state != GrantState.PENDING:
        raise ValidationError(_("该授权申请已处理，无需重复操作"), code="decided")
    return grant


@transaction.atomic
def approve_grant(*, actor, grant: PendingGrant) -> PendingGrant:
    """The second person approves: the roles and clearance take effect (and the account
    is enabled if it was created for this grant)."""
    grant = _locked_pending(grant)
    _check_decider(actor, grant, approving=True)
    user = User.objects.select_for_update().get(pk=grant.user_id)
    current = set(user.role_grants.values_list("role", flat=True))
    added = set(grant.roles) - current
    check_role_set(current | added)
    before = {"roles": sorted(current), "clearance": user.clearance, "is_active": user.is_active}
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=user, role=r, granted_by=grant.requested_by) for r in sorted(added)]
    )
    if grant.clearance is not None:
        user.clearance = grant.clearance
    if grant.activates:
        refuse_privileged(user)
        user.is_active = True
    user.save(update_fields=["clearance", "is_active"])
    _forget_roles(user)
    grant.state = GrantState.APPROVED
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(
        "user.grant_approve",
        object_type="user",
        object_id=user.username,
        object_repr=user.get_full_name(),
        before=before,
        after={
            "roles": sorted(current | added),
            "clearance": user.clearance,
            "is_active": user.is_active,
        },
        detail={"grant": grant.pk, "requested_by": grant.requested_by.username},
        actor=actor,
    )
    return grant


@transaction.atomic
def reject_grant(*, actor, grant: PendingGrant) -> PendingGrant:
    """A second person rejects the request (or its requester withdraws it). Nothing is
    granted; an account created for it stays disabled."""
    grant = _locked_pending(grant)
    _check_decider(actor, grant, approving=False)
    grant.state = GrantState.REJECTED
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(
        "user.grant_reject",
        object_type="user",
        object_id=grant.user.username,
        object_repr=grant.user.get_full_name(),
        before={"roles": grant.roles, "clearance": grant.clearance},
        detail={
            "grant": grant.pk,
            "requested_by": grant.requested_by.username,
            "withdrawn": actor is not None and actor.pk == grant.requested_by_id,
        },
        actor=actor,
    )
    return grant


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
