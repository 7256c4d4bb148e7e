"""The one way anything in Tanhua tells a person something (DESIGN §9 `notices`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

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


class NoticeRow(NamedTuple):
    """One notice of `notify_each`: to whom, about which event, what it says."""

    recipient_id: int
    event_key: str
    kind: str
    title: str
    body: str = ""
    url: str = ""


@transaction.atomic
def notify_each(*, notices: Iterable[NoticeRow], active_ids: Iterable[int] | None = None) -> int:
    """`notify` for many events at once (the tick's thousands of deadline alerts). The same
    contract — once per recipient and event (a recipient already told of an event_key is
    skipped, and the unique key stops a concurrent run: `ON CONFLICT DO NOTHING`), only
    active recipients, mail after commit — in a few statements for the whole batch: the rows
    go in with one `executemany`, not a model instance each. `active_ids`, where given, are
    the recipients the caller read as active; otherwise they are read here. Returns the
    number of notices created now."""
    from django.utils import timezone

    from tanhua.accounts.models import User

    wanted: dict[tuple[int, str], NoticeRow] = {}
    for n in notices:
        wanted.setdefault((n.recipient_id, n.event_key), n)
    if not wanted:
        return 0
    people = {pk for pk, _k in wanted}
    if active_ids is None:
        active = set(
            User.objects.filter(pk__in=people, is_active=True).values_list("pk", flat=True)
        )
    else:
        active = people & set(active_ids)
    key_list = sorted({k for _pk, k in wanted})
    already: set[tuple[int, str]] = set()
    for i in range(0, len(key_list), 500):
        already.update(
            Notice.objects.filter(event_key__in=key_list[i : i + 500]).values_list(
                "recipient_id", "event_key"
            )
        )
    fresh = [n for key, n in wanted.items() if key[0] in active and key not in already]
    if not fresh:
        return 0
    from django.db import connection

    from tanhua.core.bulk import insert_ignoring_conflicts

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    insert_ignoring_conflicts(
        Notice,
        ["recipient_id", "event_key", "kind", "title", "body", "url", "created_at", "mail_error"],
        [(n.recipient_id, n.event_key, n.kind, n.title[:200], n.body, n.url[:300], now, "")
         for n in fresh],
        conflict=["recipient_id", "event_key"],
        pg_types=["bigint", "text", "text", "text", "text", "text", "timestamptz", "text"],
    )  # fmt: skip
    from tanhua.notices import mail

    if mail.enabled():
        fresh_keys = sorted({n.event_key for n in fresh})
        ids: list[int] = []
        for i in range(0, len(fresh_keys), 500):
            ids += list(
                Notice.objects.filter(
                    event_key__in=fresh_keys[i : i + 500], emailed_at=None
                ).values_list("pk", flat=True)
            )
        transaction.on_commit(lambda: mail.send_pending(ids))
    return len(fresh)
