"""The chain's anchor outside the database: the last committed entry's seq and MAC.

The HMAC chain proves that no entry was changed, removed from the middle or reordered, but
cutting off the tail leaves a shorter chain that is still valid. The anchor, kept in a small
file outside the database (settings.AUDIT_ANCHOR_FILE, by default beside the key file, one
per database), lets `tanhua audit verify` notice that: the database must hold at least the
anchored seq, with the anchored MAC there.

The anchor is advanced after commits and may lag behind the database (a crash between
commit and write, a write that failed), never run ahead of it; verify only complains when the
database holds fewer entries than the anchor, or a different MAC at the anchor's seq.

Not after every commit, though (issue 7): rewriting the file, under a file lock and after a
query for the anchored MAC, cost an audited read more than its own INSERT. With
settings.AUDIT_ANCHOR_INTERVAL > 0 (seconds, 1 by default) a process writes the anchor at
most once per interval: a commit finding the last write older than that writes at once (the
first commit of a process always does), later ones leave the highest (seq, MAC) pending and a
timer writes it when the interval is up; the process's exit writes what is still pending.
The window this opens: the entries of the last interval before a write are not yet anchored,
so a cut of them alone (and only them) goes unnoticed — as a crash between commit and write
always could. 0 anchors after every commit, as before (the tests do).

A missing anchor is a failure too (verify.py): only the first entry ever written creates
it. A later write finding it gone leaves it gone, since anchoring the chain as it then is
would bless whatever was cut before. `verify --reset-anchor` re-anchors deliberately; on an
emptied trail it anchors seq 0 (GENESIS), from which writes advance as usual.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from tanhua.core import keyfiles

try:  # POSIX only; elsewhere concurrent advances may briefly move the anchor back.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    seq: int
    mac: str


class AnchorError(Exception):
    """The anchor file exists but cannot be read."""


def _fingerprint() -> str:
    s = connection.settings_dict
    ident = "|".join(
        str(x) for x in (connection.vendor, s.get("NAME"), s.get("HOST"), s.get("PORT"))
    )
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def path() -> Path:
    if settings.AUDIT_ANCHOR_FILE:
        return Path(settings.AUDIT_ANCHOR_FILE)
    # Named per database, so that test databases and the real one never share an anchor.
    return Path(settings.AUDIT_HMAC_KEY_FILE).parent / f"audit-anchor-{_fingerprint()}.json"


def read(p: Path | None = None) -> Anchor | None:
    """The current anchor, or None when there is none yet. A damaged file is an error."""
    p = p or path()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AnchorError(f"审计锚点文件 {p} 无法读取：{exc}") from exc
    try:
        return Anchor(seq=int(data["seq"]), mac=str(data["mac"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnchorError(f"审计锚点文件 {p} 内容无效") from exc


@contextmanager
def _locked(p: Path):
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p.with_suffix(".lock"), "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _write(p: Path, anchor: Anchor) -> None:
    # Not synced: rewritten up to once a second, and a lost write leaves an older anchor,
    # which verify still checks against.
    data = json.dumps({"seq": anchor.seq, "mac": anchor.mac}).encode()
    keyfiles.replace(p, data, prefix=".audit-anchor-", sync=False)


def _db_mac(seq: int) -> str | None:
    from tanhua.audit.models import AuditEntry
    from tanhua.audit.services import GENESIS

    if seq == 0:
        return GENESIS
    return AuditEntry.objects.filter(seq=seq).values_list("mac", flat=True).first()


def advance(seq: int, mac: str, *, start: int = 1) -> None:
    """Move the anchor to (seq, mac) after a commit of entries `start`..`seq`, at once or,
    within AUDIT_ANCHOR_INTERVAL of this process's last write, when the interval is up (see
    the module docstring). Failures are logged, not raised: the entries are already
    committed and the request must not fail for its after-effect."""
    wait = _interval()
    try:
        p = path()
    except Exception:
        log.exception("could not advance the audit anchor")
        return
    if wait <= 0:
        _advance_at(p, seq, mac, start, deferred=False)
        return
    now = time.monotonic()
    with _state:
        old = _pending.get(p)
        if old is None:
            _pending[p] = (seq, mac, start)
        else:
            top = (seq, mac) if seq > old[0] else old[:2]
            _pending[p] = (*top, min(start, old[2]))
        since = now - _written_at.get(p, float("-inf"))
        due = since >= wait
        if not due and p not in _timers:
            timer = threading.Timer(wait - since, _flush_from_timer, args=(p,))
            timer.daemon = True
            _timers[p] = timer
            timer.start()
    if due:
        flush(p)


def flush(p: Path | None = None) -> None:
    """Write what is pending now (for `p`, or every anchor this process has pending)."""
    with _state:
        paths = [p] if p is not None else list(_pending)
    for where in paths:
        with _state:
            item = _pending.pop(where, None)
            _written_at[where] = time.monotonic()
            timer = _timers.pop(where, None)
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()
        if item is not None:
            _advance_at(where, *item, deferred=True)


def _interval() -> float:
    return float(getattr(settings, "AUDIT_ANCHOR_INTERVAL", 0) or 0)


# Per anchor file: the highest (seq, MAC, first seq of the batches) committed and not yet
# written, when this process last wrote it, and the timer that will.
_state = threading.Lock()
_pending: dict[Path, tuple[int, str, int]] = {}
_written_at: dict[Path, float] = {}
_timers: dict[Path, threading.Timer] = {}


def _flush_from_timer(p: Path) -> None:
    from django.db import connections

    try:
        flush(p)
    finally:
        # The timer's thread opened its own connection for the check: close it.
        connections.close_all()


atexit.register(flush)


def _advance_at(p: Path, seq: int, mac: str, start: int, *, deferred: bool) -> None:
    """Never backwards, and only along the chain it anchors: if the database no longer
    holds the anchored entry, the anchor stays as evidence and verify reports it. A missing
    anchor is created only by the batch that began the chain (start == 1). A deferred write
    also checks that the entry it anchors is still there (a restore may have come between)."""
    try:
        with _locked(p):
            current = read(p)
            if current is None:
                if start != 1:
                    log.error("audit anchor %s is missing: run `tanhua audit verify`", p)
                    return
            else:
                if seq <= current.seq:
                    return
                if _db_mac(current.seq) != current.mac:
                    log.error("audit anchor #%s no longer matches the database", current.seq)
                    return
            if deferred and _db_mac(seq) != mac:
                log.error("audit entry #%s to anchor is no longer in the database", seq)
                return
            _write(p, Anchor(seq, mac))
    except Exception:
        log.exception("could not advance the audit anchor")


def begin() -> None:
    """Anchor the empty chain (seq 0) before the first entry ever commits. advance() runs
    after the commit: a process killed in between would otherwise leave entries and no
    anchor, which verify must refuse (a missing anchor may hide a cut). With this, such a
    crash leaves an anchor lagging at 0, which verify accepts like any lagging anchor; if the
    transaction rolls back instead, seq 0 still matches the empty trail."""
    from tanhua.audit.services import GENESIS

    try:
        p = path()
        with _locked(p):
            if read() is None:
                _write(p, Anchor(0, GENESIS))
    except Exception:
        log.exception("could not write the audit anchor of the empty chain")


def reset(anchor: Anchor | None) -> None:
    """Re-anchor after a deliberate restore (verify --reset-anchor); None removes it."""
    p = path()
    with _state:
        # What this process had pending belongs to the trail before the reset.
        _pending.pop(p, None)
    with _locked(p):
        if anchor is None:
            p.unlink(missing_ok=True)
        else:
            _write(p, anchor)
