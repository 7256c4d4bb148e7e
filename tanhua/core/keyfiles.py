"""Files written whole or not at all, outside the database: the key files (the audit HMAC key,
the annex signing key: created once, readable by the owner only), the audit anchor and the
stored attachments. Each is written aside in its folder and put in place in one step, so a
reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _write_aside(folder: Path, data: bytes, *, prefix: str, sync: bool) -> str:
    """A temporary file in `folder` holding `data`, mode 0600; its path. Removed again if
    writing it fails."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def create_once(path: Path, data: bytes, *, prefix: str) -> None:
    """Write `data` to `path` unless it exists. Linked into place: of two processes creating
    it at once exactly one wins (the other's key is discarded unread)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_aside(path.parent, data, prefix=prefix, sync=True)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def replace(path: Path, data: bytes, *, prefix: str, sync: bool = True) -> None:
    """Write `data` to `path`, replacing what is there in one rename. `sync=False` for a file
    rewritten often whose loss in a crash is caught otherwise (the audit anchor)."""
    tmp = _write_aside(path.parent, data, prefix=prefix, sync=sync)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
