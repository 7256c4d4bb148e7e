"""The write path of calendar feed addresses: issuing and revoking, each audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.notices.models import CalendarFeed

FEED_PREFIX = "cal_"
DISPLAY_PREFIX_LENGTH = 10
TOUCH_INTERVAL = dt.timedelta(minutes=5)
FIELDS = ["user", "prefix", "created_at", "revoked_at"]


def hash_secret(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8", "surrogatepass")).hexdigest()


def _revoke_rows(actor, rows) -> None:
    now = timezone.now()
    for feed in rows:
        before = audit.snapshot(feed, FIELDS)
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit.record(
            "calendar_feed.revoke",
            object_type="calendar_feed",
            object_id=str(feed.pk),
            object_repr=f"{feed.user.username}（{feed.prefix}…）",
            before=before,
            after=audit.snapshot(feed, FIELDS),
            actor=actor,
        )


@transaction.atomic
def issue_feed(*, actor, user) -> tuple[CalendarFeed, str]:
    """A new secret address for `user` (the old one, if any, stops working). Returns the row
    and the plain secret, which is shown once and never stored."""
    if actor is not None and actor.pk != user.pk:
        raise scoping.OutOfScope
    live = CalendarFeed.objects.select_for_update().filter(user=user, revoked_at=None)
    _revoke_rows(actor, list(live.select_related("user")))
    plain = FEED_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=user, key_hash=hash_secret(plain), prefix=plain[:DISPLAY_PREFIX_LENGTH]
    )
    audit.record(
        "calendar_feed.issue",
        object_type="calendar_feed",
        object_id=str(feed.pk),
        object_repr=f"{user.username}（{feed.prefix}…）",
        after=audit.snapshot(feed, FIELDS),
        actor=actor,
    )
    return feed, plain


@transaction.atomic
def revoke_feeds(*, actor, user) -> int:
    """Stop every live address of `user`; returns how many."""
    if actor is not None and actor.pk != user.pk:
        raise scoping.OutOfScope
    live = list(
        CalendarFeed.objects.select_for_update()
        .filter(user=user, revoked_at=None)
        .select_related("user")
    )
    _revoke_rows(actor, live)
    return len(live)


def resolve_feed(plain: str) -> CalendarFeed | None:
    """The live feed behind `plain`, with its active owner, or None."""
    if not plain or len(plain) > 200 or not plain.startswith(FEED_PREFIX):
        return None
    digest = hash_secret(plain)
    feed = (
        CalendarFeed.objects.active()
        .filter(key_hash=digest, user__is_active=True)
        .select_related("user", "user__organization")
        .first()
    )
    if feed is None or not secrets.compare_digest(feed.key_hash, digest):
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= TOUCH_INTERVAL:
        # Usage bookkeeping, not a business change: one conditional UPDATE, not audited.
        CalendarFeed.objects.filter(pk=feed.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL)
        ).update(last_used_at=now)
    return feed
