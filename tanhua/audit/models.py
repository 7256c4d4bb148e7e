"""The audit trail: an append-only, HMAC-chained log of every write, login and read of a
record about a person."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Result(models.TextChoices):
    OK = "ok", _("成功")
    DENIED = "denied", _("拒绝")
    FAILED = "failed", _("失败")


class AppendOnlyError(Exception):
    """The audit trail is append-only: entries are never changed or deleted."""


class AuditEntryQuerySet(models.QuerySet):
    # Refused here with a clear error before the database triggers refuse them anyway.
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries are never updated")

    def delete(self):
        raise AppendOnlyError("audit entries are never deleted")

    def visible_to(self, user) -> AuditEntryQuerySet:
        """Only the audit administrator reads the trail (三员分立)."""
        from tanhua.accounts.roles import READ_AUDIT
        from tanhua.core import scoping

        if not scoping.has_any(user, READ_AUDIT):
            return self.none()
        return self.all()


class AuditEntry(models.Model):
    """One audited event. `seq` numbers entries without gaps; `mac` is an HMAC over the
    entry and the previous entry's `mac`, keyed outside the database, so a changed, removed
    or reordered entry breaks the chain even if the refusing triggers were dropped.

    Append-only: save() of an existing entry, delete() and QuerySet update()/delete() raise
    here, and database triggers (migration 0002) refuse UPDATE/DELETE/TRUNCATE. Retention
    (AUDIT_RETENTION_DAYS, at least 180) is kept by deleting nothing."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    user_id_ref = models.BigIntegerField(null=True, blank=True, db_index=True)
    username = models.CharField(max_length=150, blank=True, db_index=True)
    roles = models.CharField(max_length=200, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # The X-Request-ID the client sent, if sane: the client's word, kept for correlation only.
    client_request_id = models.CharField(max_length=64, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=128, blank=True, db_index=True)
    object_repr = models.CharField(max_length=300, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.OK)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.JSONField(null=True, blank=True)
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are never deleted")


class AuditTrailStart(models.Model):
    """The trail once had an entry: written with the first entry ever, never removed.

    Lets `tanhua audit verify` tell a fresh install (no entries, no anchor: fine) from a
    trail emptied together with its anchor file (a failure). One row at most."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    started_at = models.DateTimeField()
    first_mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链起点")
        verbose_name_plural = _("审计链起点")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_trail_start_singleton")
        ]

    def __str__(self) -> str:
        return f"audit trail started {self.started_at:%Y-%m-%d %H:%M:%S}"


class RefusalKind(models.TextChoices):
    UNAUTHENTICATED = "unauthenticated", _("未登录（401）")
    FORBIDDEN = "forbidden", _("被禁止（403）")
    NOT_FOUND = "not_found", _("未找到（404）")
    # Failed logins that name no account, and attempts on a locked name: counted like the
    # refusals above, so that guessing names cannot grow the chained trail.
    LOGIN_UNKNOWN_USER = "login_unknown_user", _("登录失败（用户名不存在）")
    LOGIN_WHILE_LOCKED = "login_while_locked", _("锁定期间的登录尝试")


class AnonymousRefusalQuerySet(models.QuerySet):
    def visible_to(self, user) -> AnonymousRefusalQuerySet:
        """The audit administrator's, like the trail (三员分立)."""
        from tanhua.accounts.roles import READ_AUDIT
        from tanhua.core import scoping

        if not scoping.has_any(user, READ_AUDIT):
            return self.none()
        return self.all()


class AnonymousRefusal(models.Model):
    """How often one client address was refused without being logged in, in one minute.

    Not chained and not append-only, unlike AuditEntry: anyone on the network can cause
    these, so each refusal only adds one to a counter (services.count_anonymous_refusal), and
    the table grows by a bounded number of rows a minute however many addresses are used."""

    client = models.CharField(max_length=64)
    minute = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=32, choices=RefusalKind.choices)
    count = models.PositiveIntegerField(default=0)
    # The latest path refused, cut short: a hint of what was probed, not a record of it.
    last_path = models.CharField(max_length=200, blank=True)

    objects = AnonymousRefusalQuerySet.as_manager()

    class Meta:
        verbose_name = _("匿名访问被拒计数")
        verbose_name_plural = _("匿名访问被拒计数")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "minute", "kind"], name="audit_anonymous_refusal_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.client} {self.kind} ×{self.count}"
