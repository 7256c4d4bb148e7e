"""Mail for notices, where SMTP is configured (settings EMAIL_HOST, or TANHUA_NOTICE_MAIL);
sent after commit (notify registers `send_pending` with transaction.on_commit), once per
notice, and never at the cost of the request that caused it.

Once: a sender first claims the notice with one conditional UPDATE (emailed_at still
empty → now); only the sender whose UPDATE changed the row sends. Two senders (a retried
request, two workers) cannot both send. A failed send gives the claim back and keeps why, so
a later run may try again; it never fails the request.

What a mail says: the title and a link, not the body. Mail leaves the system's protection
(its scoping, its audit, its classification marks); the details stay behind the login."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger("tanhua.notices")
MAX_ERROR = 300


def enabled() -> bool:
    return bool(getattr(settings, "TANHUA_NOTICE_MAIL", False))


def _text(notice) -> str:
    lines = [
        _("%(name)s，您好：") % {"name": notice.recipient.get_full_name() or notice.recipient},
        "",
        notice.title,
        "",
        _("详情请登录党内政治监督谈话系统查看。"),
    ]
    base = getattr(settings, "TANHUA_SITE_URL", "")
    if base and notice.url:
        lines.append(base + notice.url)
    lines += ["", _("（本邮件由系统自动发送，请勿回复。内部系统，注意保密。）")]
    return "\n".join(lines)


def send_pending(notice_ids: list[int]) -> int:
    """Mail the given notices that have not been mailed yet; returns how many were sent."""
    if not enabled() or not notice_ids:
        return 0
    try:
        return _send(notice_ids)
    except Exception:  # the request that made the notices has committed; never fail it
        logger.exception("notice mail failed")
        return 0


def _send(notice_ids: list[int]) -> int:
    from tanhua.notices.models import Notice

    pending = list(
        Notice.objects.filter(pk__in=notice_ids, emailed_at=None).select_related("recipient")
    )
    sent = 0
    connection = None
    for notice in pending:
        address = (notice.recipient.email or "").strip()
        if not address:
            Notice.objects.filter(pk=notice.pk, emailed_at=None).update(
                mail_error=_("收件人未登记电子邮箱")
            )
            continue
        claimed = Notice.objects.filter(pk=notice.pk, emailed_at=None).update(
            emailed_at=timezone.now(), mail_error=""
        )
        if not claimed:
            continue  # another sender has it
        try:
            connection = connection or get_connection(fail_silently=False)
            EmailMessage(
                subject=_("【谈话系统】%(title)s") % {"title": notice.title},
                body=_text(notice),
                to=[address],
                connection=connection,
            ).send()
        except Exception as exc:
            logger.warning("notice %s: mail failed: %s", notice.pk, exc)
            Notice.objects.filter(pk=notice.pk).update(
                emailed_at=None, mail_error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
            )
            connection = None
        else:
            sent += 1
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: S110 - closing a finished connection; nothing to keep
            pass
    return sent
