"""Where attachment bytes live: ATTACHMENT_ROOT/ab/abcdef… (the SHA-256 of the content),
outside the web root and outside STATIC_ROOT, readable by the service account only."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

from tanhua.core import keyfiles


def root() -> Path:
    return Path(settings.ATTACHMENT_ROOT)


def path_of(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256 name")
    return root() / sha256[:2] / sha256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(data: bytes) -> str:
    """Write `data` under its SHA-256 (once: the same content is already there) and return
    the name. Written aside and renamed into place, so a reader never sees half a file."""
    name = digest(data)
    target = path_of(name)
    if target.exists():
        return name
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    keyfiles.replace(target, data, prefix=".upload-")
    return name


def open_blob(sha256: str):
    return path_of(sha256).open("rb")
