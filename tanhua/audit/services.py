"""The one write path into the audit trail. Business services call `record()` inside their
own transaction, so the entry commits or rolls back with the change it describes."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from tanhua.audit.models import AuditEntry, Result
from tanhua.core import request_context

GENESIS = "0" * 64
# Any constant; it names the advisory lock that serializes appends on PostgreSQL.
_PG_LOCK_KEY = 0x7A4E_4875_61


@dataclass
class Event:
    """What happened, before it is numbered and chained."""

    action: str
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    result: str = Result.OK
    before: Any = None
    after: Any = None
    detail: Any = None
    actor: Any = None
    at: datetime = field(default_factory=timezone.now)


def _key() -> bytes:
    if settings.AUDIT_HMAC_KEY:
        return settings.AUDIT_HMAC_KEY.encode()
    path = Path(settings.AUDIT_HMAC_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _plain(value: Any) -> Any:
    """JSON as the database will give it back, so the MAC is computed over stable values."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def canonical(entry: AuditEntry) -> bytes:
    at = entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    payload = [
        entry.seq,
        at,
        entry.user_id_ref,
        entry.username,
        entry.roles,
        entry.ip,
        entry.request_id,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.result,
        entry.before,
        entry.after,
        entry.detail,
        entry.prev_mac,
    ]
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_mac(entry: AuditEntry, key: bytes | None = None) -> str:
    return hmac.new(key or _key(), canonical(entry), hashlib.sha256).hexdigest()


def _lock_chain() -> None:
    # SQLite transactions here begin IMMEDIATE (settings), which already serializes writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _who(actor) -> tuple[int | None, str, str]:
    request = request_context.current_request()
    user = actor if actor is not None else getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "", ""
    return user.pk, user.get_username(), ",".join(sorted(user.role_names))


def _where() -> tuple[str, str]:
    from tanhua.core.middleware import client_ip

    request = request_context.current_request()
    if request is None:
        return "", ""
    return client_ip(request), getattr(request, "request_id", "")


@transaction.atomic
def record_many(events: list[Event]) -> list[AuditEntry]:
    """Append events in order, chained, in the caller's transaction."""
    if not events:
        return []
    _lock_chain()
    key = _key()
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "mac").first()
    seq, prev = last if last else (0, GENESIS)
    ip, request_id = _where()
    rows = []
    for event in events:
        seq += 1
        user_id, username, roles = _who(event.actor)
        entry = AuditEntry(
            seq=seq,
            at=event.at,
            user_id_ref=user_id,
            username=username,
            roles=roles,
            ip=ip,
            request_id=request_id,
            action=event.action,
            object_type=event.object_type,
            object_id=str(event.object_id)[:128],
            object_repr=str(event.object_repr)[:300],
            result=event.result,
            before=_plain(event.before),
            after=_plain(event.after),
            detail=_plain(event.detail),
            prev_mac=prev,
        )
        entry.mac = compute_mac(entry, key)
        prev = entry.mac
        rows.append(entry)
    return AuditEntry.objects.bulk_create(rows, batch_size=2000)


def record(action: str, **fields: Any) -> AuditEntry:
    """Append one event. Keyword fields as in `Event`."""
    return record_many([Event(action=action, **fields)])[0]


def snapshot(obj, fields: list[str]) -> dict[str, Any]:
    """The audited state of a model instance: the named fields, foreign keys as their ids."""
    out = {}
    for name in fields:
        f = obj._meta.get_field(name)
        out[name] = getattr(obj, f.attname)
    return _plain(out)
