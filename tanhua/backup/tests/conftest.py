"""Backup tests: a home of their own (stored files, the audit anchor) and archive surgery."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from tanhua.backup import archive, services


@pytest.fixture
def home(settings, tmp_path):
    """Stored files and the anchor under tmp_path; the key stays TANHUA_AUDIT_KEY's."""
    settings.MEDIA_ROOT = str(tmp_path / "home" / "media")
    # Attachments (tanhua/files) are stored files too, in their own folder.
    settings.ATTACHMENT_ROOT = tmp_path / "home" / "files"
    settings.TANHUA_STORED_FILE_DIRS = {"files": tmp_path / "home" / "files"}
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "home" / "keys" / "audit.key")
    (tmp_path / "home" / "keys").mkdir(parents=True)
    return tmp_path / "home"


def put_file(home: Path, rel: str, data: bytes) -> Path:
    path = home / "media" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_members(path: Path, passphrase: str | None = None) -> dict[str, bytes]:
    return {name: stream.read() for name, stream in archive.members(path, passphrase)}


def manifest_of(path: Path, passphrase: str | None = None) -> dict:
    return json.loads(read_members(path, passphrase)[services.MANIFEST])


def write_members(path: Path, members: dict[str, bytes]) -> None:
    """An unencrypted archive with exactly these members, in this order (no re-signing)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(buf.getvalue()))


def rewrite_manifest(path: Path, change, *, key: bytes | None) -> None:
    """Edit the manifest; re-sign it with `key` (the real one: a consistent forgery by
    someone holding the key, or another key: a forgery without it)."""
    members = read_members(path)
    manifest = json.loads(members[services.MANIFEST])
    change(manifest)
    data = json.dumps(manifest).encode()
    members[services.MANIFEST] = data
    if key is not None:
        members[services.SIGNATURE] = services.sign(data, key)
    write_members(path, members)
