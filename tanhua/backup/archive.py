"""The archive container: a gzip-compressed tar, optionally encrypted with a passphrase.

Encrypted archives are AES-256-GCM in chunks (a file of any size streams through constant
memory), with the key derived from the passphrase by scrypt. Layout:

    MAGIC | header length (4 bytes, big-endian) | header (JSON: kdf parameters, salt, nonce prefix)
    then chunks: ciphertext length (4 bytes) | ciphertext (chunk + 16-byte tag)

Each chunk's nonce is the header's 8-byte prefix and the chunk's counter; its associated data
is the header and a final-chunk flag, so chunks cannot be reordered, dropped, swapped between
archives or cut off after the last one without the tag check failing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import secrets
import struct
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

MAGIC = b"TANHUA-BACKUP-AESGCM-1\n"
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1024 * 1024
MIN_PASSPHRASE = 10
# scrypt at 2**15 costs ~32 MiB and a fraction of a second; a header may not ask for more
# than 2**20, so that a forged archive cannot make verify allocate gigabytes.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_MAX_SCRYPT_N = 2**20
_MAX_HEADER = 4096
_FINAL, _MORE = b"\x01", b"\x00"


class ArchiveError(Exception):
    """The archive cannot be read: damaged, tampered, or the passphrase is wrong."""


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ArchiveError(f"口令过短：至少需要 {MIN_PASSPHRASE} 个字符")


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts what it is given into `raw`; finish() ends it."""

    def __init__(self, raw: BinaryIO, passphrase: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        check_passphrase(passphrase)
        salt, self._prefix = secrets.token_bytes(16), secrets.token_bytes(8)
        header = {
            "kdf": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": salt.hex(),
            "nonce_prefix": self._prefix.hex(),
            "chunk": CHUNK,
        }
        self._header = json.dumps(header, sort_keys=True).encode()
        self._aead = AESGCM(_derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))
        self._raw, self._buffer, self._counter = raw, bytearray(), 0
        raw.write(MAGIC + struct.pack(">I", len(self._header)) + self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, chunk: bytes, *, final: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._counter)
        self._counter += 1
        sealed = self._aead.encrypt(nonce, chunk, self._header + (_FINAL if final else _MORE))
        self._raw.write(struct.pack(">I", len(sealed)) + sealed)

    def finish(self) -> None:
        self._emit(bytes(self._buffer), final=True)
        self._buffer.clear()


class DecryptingReader(io.RawIOBase):
    """A read-only stream of the plaintext of an encrypted archive."""

    def __init__(self, raw: BinaryIO, passphrase: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        raw.read(len(MAGIC))
        (size,) = struct.unpack(">I", _exact(raw, 4))
        if size > _MAX_HEADER:
            raise ArchiveError("备份文件已损坏：加密头无效")
        self._header = _exact(raw, size)
        try:
            h = json.loads(self._header)
            salt, self._prefix = bytes.fromhex(h["salt"]), bytes.fromhex(h["nonce_prefix"])
            n, r, p = int(h["n"]), int(h["r"]), int(h["p"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ArchiveError("备份文件已损坏：加密头无效") from exc
        if h.get("kdf") != "scrypt" or not (2 <= n <= _MAX_SCRYPT_N) or not (0 < r * p <= 64):
            raise ArchiveError("备份文件已损坏：加密头中的密钥派生参数无效")
        self._aead = AESGCM(_derive(passphrase, salt, n, r, p))
        self._raw, self._plain, self._counter, self._done = raw, b"", 0, False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        from cryptography.exceptions import InvalidTag

        head = self._raw.read(4)
        if len(head) < 4:
            raise ArchiveError("备份文件不完整：加密内容被截断")
        (size,) = struct.unpack(">I", head)
        if size > CHUNK + 16:
            raise ArchiveError("备份文件已损坏：加密分块长度无效")
        sealed = _exact(self._raw, size)
        nonce = self._prefix + struct.pack(">I", self._counter)
        for flag in (_MORE, _FINAL):
            try:
                self._plain = self._aead.decrypt(nonce, sealed, self._header + flag)
            except InvalidTag:
                continue
            self._done = flag == _FINAL
            break
        else:
            if self._counter == 0:
                raise ArchiveError("无法解密：口令错误，或备份文件已损坏")
            raise ArchiveError(f"备份文件已损坏或被篡改：第 {self._counter + 1} 个加密分块校验失败")
        self._counter += 1
        if self._done and self._raw.read(1):
            raise ArchiveError("备份文件已损坏：加密内容之后还有多余的数据")

    def readinto(self, buffer) -> int:
        while not self._plain and not self._done:
            self._next_chunk()
        n = min(len(buffer), len(self._plain))
        buffer[:n] = self._plain[:n]
        self._plain = self._plain[n:]
        return n


def _exact(raw: BinaryIO, n: int) -> bytes:
    data = raw.read(n)
    if len(data) != n:
        raise ArchiveError("备份文件不完整：内容被截断")
    return data


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        start = fh.read(len(MAGIC))
    if start == MAGIC:
        return True
    if start[:2] == GZIP_MAGIC:
        return False
    raise ArchiveError(f"“{path.name}”不是 Tanhua 备份文件")


# --- writing -------------------------------------------------------------------------------


class ArchiveWriter:
    """Members go into a tar inside gzip inside (optionally) encryption, in the order added."""

    def __init__(self, fh: BinaryIO, passphrase: str | None):
        self._encrypter = EncryptingWriter(fh, passphrase) if passphrase is not None else None
        target = self._encrypter if self._encrypter is not None else fh
        # mtime=0: the same content gives the same bytes (before encryption).
        self._gzip = gzip.GzipFile(fileobj=target, mode="wb", compresslevel=6, mtime=0)
        self._tar = tarfile.open(fileobj=self._gzip, mode="w|", format=tarfile.PAX_FORMAT)

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o600
        self._tar.addfile(info, io.BytesIO(data))

    def add_file(self, name: str, path: Path) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = path.stat().st_size, 0o600
        with open(path, "rb") as fh:
            self._tar.addfile(info, fh)

    def close(self) -> None:
        self._tar.close()
        self._gzip.close()
        if self._encrypter is not None:
            self._encrypter.finish()


# --- reading -------------------------------------------------------------------------------


def members(path: Path, passphrase: str | None) -> Iterator[tuple[str, BinaryIO]]:
    """(name, stream) of each regular member in order; a stream is valid until the next."""
    with open(path, "rb") as raw:
        if is_encrypted(path):
            if passphrase is None:
                raise ArchiveError(
                    "备份已加密：请用 --passphrase-file 或环境变量 TANHUA_BACKUP_PASSPHRASE"
                    " 提供口令"
                )
            source: BinaryIO = io.BufferedReader(DecryptingReader(raw, passphrase), CHUNK)
        else:
            source = raw
        try:
            with (
                gzip.GzipFile(fileobj=source, mode="rb") as gz,
                tarfile.open(fileobj=gz, mode="r|") as tar,
            ):
                for info in tar:
                    if not info.isreg():
                        raise ArchiveError(f"备份文件中有不应出现的条目“{info.name}”")
                    stream = tar.extractfile(info)
                    assert stream is not None
                    yield info.name, _Guarded(stream)
                # Read to the very end: an encrypted archive's last chunk carries the flag
                # that proves nothing was cut off after it.
                while gz.read(CHUNK):
                    pass
                while source.read(CHUNK):
                    pass
        except _DAMAGE as exc:
            raise ArchiveError(f"备份文件已损坏，无法读取：{exc}") from exc


_DAMAGE = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)


class _Guarded:
    """A member's stream: damage found while its bytes are read is an ArchiveError too."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream

    def read(self, n: int = -1) -> bytes:
        try:
            return self._stream.read(n)
        except _DAMAGE as exc:
            raise ArchiveError(f"备份文件已损坏，无法读取：{exc}") from exc


def copy_hashing(stream: BinaryIO, dest: BinaryIO | None) -> tuple[str, int]:
    """Copy (or only read) a member: its sha256 and size."""
    digest, size = hashlib.sha256(), 0
    while block := stream.read(CHUNK):
        digest.update(block)
        size += len(block)
        if dest is not None:
            dest.write(block)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return copy_hashing(fh, None)[0]


def publish(tmp: Path, out: Path) -> None:
    """Move a finished archive to its name; an existing file there is never overwritten."""
    try:
        os.link(tmp, out)
    except FileExistsError as exc:
        raise ArchiveError(f"“{out}”已存在：不覆盖已有的备份，请换一个文件名") from exc
    finally:
        tmp.unlink(missing_ok=True)
