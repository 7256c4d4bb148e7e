"""Mail for notices, where SMTP is configured (settings EMAIL_HOST); sent after commit."""

from __future__ import annotations

from django.conf import settings


def send_pending(notice_ids: list[int]) -> int:
    """Mail the given notices that have not been mailed yet; returns how many were sent.
    (Filled in by the notices work: SMTP through Django's mail, once per notice.)"""
    if not getattr(settings, "TANHUA_NOTICE_MAIL", False):
        return 0
    return 0
