"""The write path of API tokens: issuing and revoking, each audited in its own transaction."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.api.models import ApiToken
from tanhua.audit import services as audit
from tanhua.core import scoping

TOKEN_PREFIX = "th_"  # noqa: S105 - a marker telling tokens apart from passwords, not a secret
DISPLAY_PREFIX_LENGTH = 11  # "th_" and eight random characters
MAX_NAME = 100
# Stamping last use on every request would turn each read into a write; once a minute
# is enough to tell a live token from a forgotten one.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
TOKEN_FIELDS = ["user", "name", "prefix", "created_at", "revoked_at"]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def issue_token(*, actor, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with the plain token, which is shown once
    and never stored. `actor` None is the operator at the command line; a person may only
    issue tokens for themself."""
    if actor is not None and actor.pk != user.pk:
        raise scoping.OutOfScope
    if not user.is_active:
        raise ValidationError(_("用户“%(name)s”已停用，不能生成令牌") % {"name": user.username})
    label = (name or "").strip()
    if not label:
        raise ValidationError(_("令牌名称不能为空"), code="required")
    if len(label) > MAX_NAME:
        raise ValidationError(_("令牌名称超过%(max)d个字符") % {"max": MAX_NAME}, code="max_length")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=label, key_hash=hash_token(plain), prefix=plain[:DISPLAY_PREFIX_LENGTH]
    )
    audit.record(
        "api_token.issue",
        object_type="api_token",
        object_id=str(token.pk),
        object_repr=f"{user.username} {token.name}（{token.prefix}…）",
        after=audit.snapshot(token, TOKEN_FIELDS),
        actor=actor,
    )
    return token, plain


@transaction.atomic
def revoke_token(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once. Revoking twice changes nothing the second time."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if actor is not None and actor.pk != token.user_id:
        raise scoping.OutOfScope
    if token.revoked_at is not None:
        return token
    before = audit.snapshot(token, TOKEN_FIELDS)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        "api_token.revoke",
        object_type="api_token",
        object_id=str(token.pk),
        object_repr=f"{token.user.username} {token.name}（{token.prefix}…）",
        before=before,
        after=audit.snapshot(token, TOKEN_FIELDS),
        actor=actor,
    )
    return token


# Resolved tokens, by digest: (valid until, the token with its user, organization and role
# set). The lookup and the role query were a seventh of an API read (docs/benchmarks.md).
# Emptied at once in this process by every save or delete of a token, user, role grant or
# organization (and again when that transaction commits); other processes (a second worker,
# the command line) see such a change within API_TOKEN_CACHE_SECONDS.
_resolved: dict[str, tuple[float, ApiToken]] = {}


def forget_resolved_tokens(**_signal) -> None:
    _resolved.clear()
    if transaction.get_connection().in_atomic_block:
        # A request between this write and its commit could cache what is about to change.
        transaction.on_commit(_resolved.clear)


def _own_copy(token: ApiToken) -> ApiToken:
    # Each request gets instances of its own: views and middleware set attributes on
    # request.user, and a worker's threads share the cache.
    mine = copy.copy(token)
    mine.user = copy.copy(token.user)
    return mine


def resolve_token(plain: str) -> ApiToken | None:
    """The live token behind `plain`, with its active user, or None.

    The lookup is by SHA-256, so timing says nothing about how much of a guess was right."""
    if not plain or len(plain) > 200 or not plain.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(plain)
    ttl = settings.API_TOKEN_CACHE_SECONDS
    now = time.monotonic()
    hit = _resolved.get(digest) if ttl > 0 else None
    if hit is not None and hit[0] > now:
        cached = hit[1]
        token = _own_copy(cached)
    else:
        token = (
            ApiToken.objects.active()
            .filter(key_hash=digest, user__is_active=True)
            .select_related("user", "user__organization")
            .first()
        )
        if token is None or not secrets.compare_digest(token.key_hash, digest):
            return None
        cached = None
        if ttl > 0:
            token.user.role_names  # noqa: B018 - computed once, kept with the user
            cached = _own_copy(token)
            _resolved[digest] = (now + ttl, cached)
    _touch(token)
    if cached is not None:
        cached.last_used_at = token.last_used_at
    return token


def _touch(token: ApiToken) -> None:
    """Usage bookkeeping, not a business change: one conditional UPDATE, not audited."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now
