"""Key files kept outside the database (the audit HMAC key, the annex signing key): created
once, readable by the owner only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def create_once(path: Path, data: bytes, *, prefix: str) -> None:
    """Write `data` to `path` unless it exists. Written aside and linked into place: a
    concurrent reader never sees a half-written key, and of two processes creating it at
    once exactly one wins (the other's key is discarded unread)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
