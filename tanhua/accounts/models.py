"""Accounts: users with an organization, roles and a clearance; conflict declarations (回避)."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from tanhua.accounts.roles import Role
from tanhua.core.classification import Classification
from tanhua.core.scoped import ScopedModel, ScopedQuerySet


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> UserQuerySet:
        """The security administrator manages every account; nobody else lists accounts."""
        from tanhua.accounts.roles import MANAGE_USERS
        from tanhua.core import scoping

        if not scoping.has_any(user, MANAGE_USERS):
            return self.none()
        return self.all()


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager with the scoping method `visible_to`."""


class User(AbstractUser):
    """A person who logs in. Belongs to one organization, which bounds what they see;
    holds roles (RoleGrant) and a clearance. Never a Django superuser in normal operation."""

    organization = models.ForeignKey(
        "org.Organization",
        verbose_name=_("所属组织"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    cadre = models.ForeignKey(
        "org.Cadre",
        verbose_name=_("对应干部"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("谈话人或被谈话人本人的干部档案"),
    )
    clearance = models.PositiveSmallIntegerField(
        _("涉密等级"), choices=Classification.choices, default=Classification.INTERNAL
    )
    office = models.ForeignKey(
        "org.Office",
        verbose_name=_("所在纪检监察室"),
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        help_text=_("纪委监委工作人员所在的纪检监察室：只见其联系地区的谈话"),
    )
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Who issued the current one-time password (None: the operator, or none pending), so a
    # login with it names them in the trail; cleared when the user sets their own.
    password_issued_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, related_name="+", null=True, blank=True, editable=False
    )
    # Part of the session hash: bumping it ends every session of the account at once.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names

    def _get_session_auth_hash(self, secret=None):
        # Django checks this hash on every request; mixing in the epoch lets disabling an
        # account (or a reset) end its sessions without scanning the session table.
        key_salt = "tanhua.accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}|{self.session_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()


class RoleGrant(models.Model):
    """One role held by one user, granted by a security administrator (never by oneself)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_grant_unique"),
            models.CheckConstraint(
                condition=~models.Q(granted_by=models.F("user")), name="role_grant_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.get_role_display()}"


class GrantState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class PendingGrantQuerySet(models.QuerySet):
    def visible_to(self, user) -> PendingGrantQuerySet:
        """Who may decide grants sees every request; nobody else sees any."""
        from tanhua.accounts.services import may_decide_grants

        if not may_decide_grants(user):
            return self.none()
        return self.all()

    def pending(self) -> PendingGrantQuerySet:
        return self.filter(state=GrantState.PENDING)


class PendingGrant(models.Model):
    """A grant that takes effect only when a second person approves it (two-person rule):
    roles that see people, administrator roles, or a clearance above 内部, asked by one
    security administrator for one user. `activates`: the account was created inactive for
    it and is enabled by the approval."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_grants"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    roles = models.JSONField(_("申请的角色"), default=list, blank=True)
    clearance = models.PositiveSmallIntegerField(
        _("申请的涉密等级"), choices=Classification.choices, null=True, blank=True
    )
    activates = models.BooleanField(default=False)
    state = models.CharField(
        _("状态"), max_length=16, choices=GrantState.choices, default=GrantState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = PendingGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("待审批授权")
        verbose_name_plural = _("待审批授权")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("user")),
                name="pending_grant_not_for_self",
            ),
            # The second person: whoever approves is never who asked (rejecting one's own
            # request is allowed: it withdraws it).
            models.CheckConstraint(
                condition=~models.Q(state="approved", decided_by=models.F("requested_by")),
                name="pending_grant_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.get_state_display()}"

    @property
    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(r, r)) for r in self.roles]


class LoginFailure(models.Model):
    """A failed login attempt, kept in the database so the lockout holds across processes.
    `username` is stored as typed, whether or not such an account exists."""

    username = models.CharField(max_length=150)
    ip = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [models.Index(fields=["username", "at"], name="login_failure_user_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M:%S}"


class ConflictReason(models.TextChoices):
    KIN = "kin", _("亲属关系")
    FORMER_SUBORDINATE = "former_subordinate", _("曾为上下级")
    OTHER = "other", _("其他")


class ConflictDeclarationQuerySet(ScopedQuerySet):
    def _visible(self, user) -> ConflictDeclarationQuerySet:
        """The security administrator sees the declarations on cadres within their own
        clearance (who declared on whom, to manage 回避); a user sees their own."""
        from tanhua.accounts.roles import MANAGE_USERS
        from tanhua.core import scoping

        if not scoping.user_roles(user):
            return self.none()
        if scoping.has_any(user, MANAGE_USERS):
            return self.filter(cadre__classification__lte=scoping.clearance(user))
        return self.filter(user=user)


class ConflictDeclaration(ScopedModel):
    """A staff member's declared conflict of interest (回避) with a cadre: while active the
    user loses access to everything about that cadre."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conflicts"
    )
    cadre = models.ForeignKey(
        "org.Cadre", on_delete=models.PROTECT, related_name="conflict_declarations"
    )
    reason = models.CharField(_("回避事由"), max_length=32, choices=ConflictReason.choices)
    detail = models.CharField(_("说明"), max_length=500)
    active = models.BooleanField(default=True)
    declared_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    # A declaration names a cadre: listing it shows that person (read audit, core.scoped).
    AUDIT_PERSON = "cadre_id"

    objects = ConflictDeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("回避声明")
        verbose_name_plural = _("回避声明")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cadre"],
                condition=models.Q(active=True),
                name="one_active_conflict_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username} 回避 {self.cadre.name}"
