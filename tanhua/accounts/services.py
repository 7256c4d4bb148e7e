"""The write path for accounts: creating users and granting roles."""

from __future__ import annotations

import secrets
import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tanhua.accounts import roles as R
from tanhua.accounts.models import RoleGrant, User
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
