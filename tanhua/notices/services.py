"""The one way anything in Tanhua tells a person something (DESIGN §9 `notices`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from tanhua.notices.models import Notice


@transaction.atomic
def notify(
    *,
    recipients: Iterable,
    event_key: str,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
) -> list[Notice]:
    """Tell each recipient about one event, once: a recipient already told about
    `event_key` is skipped (a unique key, so two concurrent runs cannot both tell them).
    Mail, where configured, goes after commit. Returns the notices created now.

    The caller writes `title` and `body` for these recipients: name nothing they may not see."""
    people = {u.pk: u for u in recipients if u is not None and getattr(u, "is_active", False)}
    if not people:
        return []
    already = set(
        Notice.objects.filter(recipient_id__in=people, event_key=event_key).values_list(
            "recipient_id", flat=True
        )
    )
    fresh = [
        Notice(recipient_id=pk, event_key=event_key, kind=kind, title=title, body=body, url=url)
        for pk in people
        if pk not in already
    ]
    Notice.objects.bulk_create(fresh, ignore_conflicts=True)
    # ignore_conflicts leaves pks unset on some engines: read back what this call made.
    made = list(
        Notice.objects.filter(
            recipient_id__in=[n.recipient_id for n in fresh], event_key=event_key, emailed_at=None
        )
    )
    if made:
        from tanhua.notices import mail

        ids = [n.pk for n in made]
        transaction.on_commit(lambda: mail.send_pending(ids))
    return made


def mark_read(*, user, notice_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notices read (all unread ones when `notice_ids` is None); returns
    how many changed. The recipient's own bookkeeping, like a mail client's: one conditional
    UPDATE, not an audited business change."""
    from django.utils import timezone

    qs = Notice.objects.visible_to(user).unread()
    if notice_ids is not None:
        qs = qs.filter(pk__in=list(notice_ids))
    return qs.update(read_at=timezone.now())
