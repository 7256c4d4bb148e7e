"""The one write path into the audit trail. Business services call `record()` inside their
own transaction, so the entry commits or rolls back with the change it describes.

Retention: nothing in Tanhua deletes audit entries — not after AUDIT_RETENTION_DAYS (at least
180) nor ever; the database triggers (migration 0002) refuse UPDATE, DELETE and TRUNCATE. An
archive-and-purge of entries past retention would be a deliberate, separately reviewed
operation, and it would have to re-anchor the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from tanhua.audit import anchor
from tanhua.audit.models import (
    AnonymousRefusal,
    AuditEntry,
    AuditTrailStart,
    RefusalKind,
    Result,
)
from tanhua.core import keyfiles, request_context

GENESIS = "0" * 64
# Any constant; it names the advisory lock that serializes appends on PostgreSQL.
_PG_LOCK_KEY = 0x7A4E_4875_61
_MIN_KEY_CHARS = 16
_RESULTS = frozenset(Result.values)


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
    # Stamped under the chain lock when not given, so time order follows seq order.
    at: datetime | None = None


# --- the key -----------------------------------------------------------------------------


def _create_key_file(path: Path) -> None:
    keyfiles.create_once(path, secrets.token_hex(32).encode(), prefix=".audit-key-")


def key() -> bytes:
    """The HMAC key: TANHUA_AUDIT_KEY, else the key file (created on first use)."""
    if settings.AUDIT_HMAC_KEY:
        raw = settings.AUDIT_HMAC_KEY.strip()
        source = "TANHUA_AUDIT_KEY"
    else:
        path = Path(settings.AUDIT_HMAC_KEY_FILE)
        if not path.exists():
            _create_key_file(path)
        raw = path.read_text(encoding="utf-8").strip()
        source = str(path)
    if len(raw) < _MIN_KEY_CHARS:
        raise ImproperlyConfigured(f"审计密钥（{source}）过短：至少需要 {_MIN_KEY_CHARS} 个字符")
    return raw.encode()


# --- canonical form and MAC ----------------------------------------------------------------


def _strip_nul(value: Any) -> Any:
    # PostgreSQL refuses NUL in text and jsonb; strip it so both databases store the same.
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    return value


def _plain(value: Any) -> Any:
    """JSON as the database will give it back, so the MAC is computed over stable values."""
    if value is None:
        return None
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, allow_nan=False)
    # JSON writes NUL as the escape \u0000: without one in the text no string holds a NUL,
    # and the recursive walk (millions of calls in a large import) would change nothing.
    if "\\u0000" not in text:
        return json.loads(text)
    return _strip_nul(json.loads(text))


def _text(value: Any, limit: int) -> str:
    return _strip_nul("" if value is None else str(value))[:limit]


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
    # Added later, and only when present, so entries written before keep their MAC.
    if entry.client_request_id:
        payload.append(["client_request_id", entry.client_request_id])
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_mac(entry: AuditEntry, key_bytes: bytes | None = None) -> str:
    return hmac.new(key_bytes or key(), canonical(entry), hashlib.sha256).hexdigest()


# --- appending -----------------------------------------------------------------------------


def _lock_chain() -> None:
    # SQLite transactions here begin IMMEDIATE (settings), which already serializes writers.
    # On PostgreSQL the lock is held to the end of the caller's transaction: record late in
    # long transactions, or every audited write waits for them.
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _who(actor) -> tuple[int | None, str, str]:
    request = request_context.current_request()
    user = actor if actor is not None else getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "", ""
    return user.pk, user.get_username(), ",".join(sorted(user.role_names))


def _where() -> tuple[str, str, str]:
    """The client's address, the server's request id and the id the client sent."""
    from tanhua.core.middleware import client_ip

    request = request_context.current_request()
    if request is None:
        return "", "", ""
    return (
        client_ip(request),
        getattr(request, "request_id", ""),
        getattr(request, "client_request_id", ""),
    )


@cache
def _field_limit(name: str) -> int:
    return _field_limit_of(AuditEntry, name)


def _field_limit_of(model, name: str) -> int:
    return model._meta.get_field(name).max_length


# Rows per INSERT statement: 17 parameters each, well under SQLite's and PostgreSQL's limits.
_INSERT_ROWS = 100


@cache
def _insert_sql(vendor: str, rows: int) -> tuple[str, tuple]:
    meta = AuditEntry._meta
    q = connection.ops.quote_name
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([one] * rows)} RETURNING {q(meta.pk.column)}, "
        f"{q(meta.get_field('seq').column)}"
    )
    return sql, fields


def _insert(entries: list[AuditEntry]) -> None:
    """INSERT … RETURNING id of prepared entries, without bulk_create's per-call machinery
    (an audited read writes one entry, and that cost every read), and without its UNNEST of
    arrays on PostgreSQL, where psycopg escaped every quote of the JSON texts one by one
    (most of a large import's audit)."""
    with connection.cursor() as cursor:
        for i in range(0, len(entries), _INSERT_ROWS):
            chunk = entries[i : i + _INSERT_ROWS]
            sql, fields = _insert_sql(connection.vendor, len(chunk))
            params = [
                f.get_db_prep_save(getattr(e, f.attname), connection) for e in chunk for f in fields
            ]
            cursor.execute(sql, params)
            # Matched by seq: the order of RETURNING rows is not promised.
            ids = dict((seq, pk) for pk, seq in cursor.fetchall())
            for entry in chunk:
                entry.pk = ids[entry.seq]
                entry._state.adding = False
                entry._state.db = connection.alias


@transaction.atomic
def record_many(events: list[Event]) -> list[AuditEntry]:
    """Append events in order, chained, in the caller's transaction."""
    if not events:
        return []
    for event in events:
        if event.result not in _RESULTS:
            raise ValueError(f"unknown audit result {event.result!r}")
        if not event.action:
            raise ValueError("an audit entry needs an action")
    key_bytes = key()
    ip, request_id, client_request_id = _where()
    # Everything but the chain is prepared before the lock, so that it is held briefly.
    rows = []
    for event in events:
        user_id, username, roles = _who(event.actor)
        entry = AuditEntry(
            at=event.at,
            user_id_ref=user_id,
            username=_text(username, _field_limit("username")),
            roles=_text(roles, _field_limit("roles")),
            ip=_text(ip, _field_limit("ip")),
            request_id=_text(request_id, _field_limit("request_id")),
            client_request_id=_text(client_request_id, _field_limit("client_request_id")),
            action=_text(event.action, _field_limit("action")),
            object_type=_text(event.object_type, _field_limit("object_type")),
            object_id=_text(event.object_id, _field_limit("object_id")),
            object_repr=_text(event.object_repr, _field_limit("object_repr")),
            result=str(event.result),
            before=_plain(event.before),
            after=_plain(event.after),
            detail=_plain(event.detail),
        )
        rows.append(entry)
    _lock_chain()
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "mac").first()
    seq, prev = last if last else (0, GENESIS)
    beginning = last is None and not AuditTrailStart.objects.exists()
    if beginning:
        # The chain begins: anchor it before the commit (see anchor.begin).
        anchor.begin()
    start = seq + 1
    now = timezone.now()
    for entry in rows:
        seq += 1
        entry.seq = seq
        entry.at = entry.at or now
        entry.prev_mac = prev
        entry.mac = compute_mac(entry, key_bytes)
        prev = entry.mac
    _insert(rows)
    if beginning:
        AuditTrailStart.objects.create(started_at=now, first_mac=rows[0].mac)
    # The anchor outside the database moves only once the entries are durable; a writer
    # that commits later but runs its callback earlier cannot move it back (anchor.advance).
    transaction.on_commit(partial(anchor.advance, seq, prev, start=start))
    return rows


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


# --- helpers for the kinds of event every app records --------------------------------------


def record_read(
    object_type: str,
    object_id: str,
    object_repr: str = "",
    *,
    actor=None,
    detail: dict | None = None,
) -> AuditEntry:
    """A read of a record about a person (DESIGN §2): pages and API endpoints call this."""
    request = request_context.current_request()
    extra = {"path": request.path} if request is not None else {}
    return record(
        f"{object_type}.read",
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        actor=actor,
        detail={**extra, **(detail or {})} or None,
    )


def record_export(
    kind: str,
    rows: int,
    *,
    actor=None,
    filters: dict | None = None,
    fmt: str = "xlsx",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """An export left the system: what kind, how many rows, under which filter."""
    return record(
        "export",
        object_type=kind,
        object_id=object_id,
        object_repr=object_repr,
        actor=actor,
        detail={"rows": int(rows), "format": fmt, "filters": filters or {}},
    )


def record_denied(*, path: str, status: int, reason: str = "", actor=None) -> AuditEntry:
    """A refused access (404 out of scope or absent, 403 forbidden)."""
    return record(
        "access.denied",
        object_type="url",
        object_id=path,
        result=Result.DENIED,
        actor=actor,
        detail={"path": path, "status": status, **({"reason": reason} if reason else {})},
    )


# --- anonymous refusals: counted, never chained ---------------------------------------------

# Addresses a minute and kind that get a row of their own; the rest share OTHER_CLIENTS. So
# the table grows by at most about (cap + 1) rows a minute and kind, however many addresses
# an attacker uses (under PostgreSQL's concurrency a few more: the cap is checked, not locked).
ANONYMOUS_CLIENTS_PER_MINUTE = 500
OTHER_CLIENTS = "*"
_KINDS = frozenset(RefusalKind.values)


def _upsert_refusal(client: str, minute: datetime, kind: str, path: str) -> None:
    # One statement, so that concurrent requests add up on both databases (ON CONFLICT is
    # PostgreSQL's and SQLite's since 3.24); the ORM has no "count = count + 1" upsert.
    meta = AnonymousRefusal._meta
    q = connection.ops.quote_name
    table = q(meta.db_table)
    c_client, c_minute, c_kind, c_count, c_path = (
        q(meta.get_field(n).column) for n in ("client", "minute", "kind", "count", "last_path")
    )
    sql = (
        f"INSERT INTO {table} ({c_client}, {c_minute}, {c_kind}, {c_count}, {c_path}) "  # noqa: S608 - names from the model
        f"VALUES (%s, %s, %s, 1, %s) "
        f"ON CONFLICT ({c_client}, {c_minute}, {c_kind}) "
        f"DO UPDATE SET {c_count} = {table}.{c_count} + 1, {c_path} = excluded.{c_path}"
    )
    at = meta.get_field("minute").get_db_prep_value(minute, connection)
    with connection.cursor() as cur:
        cur.execute(sql, [client, at, kind, path])


@transaction.atomic
def count_anonymous_refusal(
    *, client: str, kind: str, path: str = "", at: datetime | None = None
) -> None:
    """One refusal of a request without a logged-in user (401, 403, 404): adds one to the
    (client, minute, kind) counter. Nothing enters the chain, so the trail cannot be grown
    without logging in; the auditor's page shows the counts."""
    if kind not in _KINDS:
        raise ValueError(f"unknown refusal kind {kind!r}")
    minute = (at or timezone.now()).astimezone(UTC).replace(second=0, microsecond=0)
    client = _text(client, _field_limit_of(AnonymousRefusal, "client"))
    path = _text(path, _field_limit_of(AnonymousRefusal, "last_path"))
    bucket = AnonymousRefusal.objects.filter(minute=minute, kind=kind)
    if (
        not bucket.filter(client=client).exists()
        and bucket.exclude(client=OTHER_CLIENTS).count() >= ANONYMOUS_CLIENTS_PER_MINUTE
    ):
        client = OTHER_CLIENTS
    _upsert_refusal(client, minute, kind, path)


@transaction.atomic
def purge_anonymous_refusals(*, now: datetime | None = None, actor=None) -> int:
    """Drop counts older than AUDIT_RETENTION_DAYS; the purge itself enters the trail."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AnonymousRefusal.objects.filter(minute__lt=cutoff).delete()
    if deleted:
        record(
            "audit.anonymous_refusals_purged",
            object_type="anonymous_refusal",
            actor=actor,
            detail={"rows": deleted, "before": cutoff},
        )
    return deleted
