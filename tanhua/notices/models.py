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
