"""Notifications, built once for the whole talk cycle: in the app (a bell and a list) and by
mail where SMTP is configured, sent after commit and never twice for one event."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user) -> NoticeQuerySet:
        """A user sees only the notices addressed to them."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NoticeQuerySet:
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """One notification to one user about one event. `event_key` names the event (e.g.
    "talk:42:moved:3"): (recipient, event_key) is unique, so an event that is announced twice
    — a retried request, two runs of the scheduler — reaches nobody twice.

    The text names no more than the recipient may see: callers write it for that recipient."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    event_key = models.CharField(max_length=200)
    kind = models.CharField(_("类别"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Mail: None until sent (or not wanted); `mail_error` keeps why a send failed.
    emailed_at = models.DateTimeField(null=True, blank=True)
    mail_error = models.CharField(max_length=300, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notice_once"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notice_recipient_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class CalendarFeedQuerySet(models.QuerySet):
    def visible_to(self, user) -> CalendarFeedQuerySet:
        """A user sees only their own feed addresses."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def active(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A user's secret calendar address (an .ics feed of their talks), for calendar clients
    that cannot log in. Like API tokens, only the SHA-256 of the secret is stored; `prefix`
    tells addresses apart. What the feed shows is decided at each request by what its owner
    may see then, so a revoked role or a declared 回避 takes effect at once; revoking the
    address ends it. A user holds at most one live address: a new one revokes the old."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("地址前缀"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("日历订阅地址")
        verbose_name_plural = _("日历订阅地址")

    def __str__(self) -> str:
        return f"{self.user_id} {self.prefix}…"
