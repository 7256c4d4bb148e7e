"""This deployment's Ed25519 key for report annexes, and checking another deployment's
signature with the public key a receiving side registered (TrustedSender).

The private key lives outside the database, like the audit key: the file named by
settings.ANNEX_SIGNING_KEY_FILE (TANHUA_ANNEX_KEY_FILE; by default beside the audit key),
created on first use with mode 0600. Whoever can write the database cannot sign, so a
figure edited on the way up, or in a copy of the database, no longer verifies.

A key is named by its `key_id`: the first 16 hex digits of the SHA-256 of the raw 32-byte
public key. The public key travels as the base64 of those 32 bytes (44 characters)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tanhua.core import keyfiles

RAW_PUBLIC_BYTES = 32


class KeyInvalid(ValueError):
    """A public key that is not an Ed25519 public key in base64 (message in Chinese)."""


def _path() -> Path:
    return Path(settings.ANNEX_SIGNING_KEY_FILE)


def _create_key_file(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    keyfiles.create_once(path, pem, prefix=".annex-key-")


def private_key():
    """This deployment's signing key, created on first use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = _path()
    if not path.exists():
        _create_key_file(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"数据附件签名密钥（{path}）无法读取：不是有效的密钥文件"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"数据附件签名密钥（{path}）不是 Ed25519 密钥")
    return key


def _raw_public(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()[:16]


def own_public_key() -> tuple[str, str]:
    """(public key in base64, key_id) of this deployment: what `tanhua annex key` prints."""
    raw = _raw_public(private_key())
    return base64.b64encode(raw).decode("ascii"), key_id_of(raw)


def sign(data: bytes) -> tuple[str, str]:
    """(signature in base64, key_id) of `data` under this deployment's key."""
    key = private_key()
    return base64.b64encode(key.sign(data)).decode("ascii"), key_id_of(_raw_public(key))


def parse_public_key(text: str) -> bytes:
    """The raw 32 bytes of a public key given in base64; KeyInvalid saying why otherwise."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    compact = "".join(str(text or "").split())
    if not compact:
        raise KeyInvalid("请填写公钥（报送单位运行 tanhua annex key 显示的 base64 文本）")
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyInvalid("公钥不是有效的 base64 文本") from exc
    if len(raw) != RAW_PUBLIC_BYTES:
        raise KeyInvalid(
            f"公钥长度不正确：Ed25519 公钥为 {RAW_PUBLIC_BYTES} 字节（base64 为 44 个字符），"
            f"收到 {len(raw)} 字节"
        )
    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise KeyInvalid("不是有效的 Ed25519 公钥") from exc
    return raw


def verifies(raw_public: bytes, data: bytes, signature: str) -> bool:
    """Whether `signature` (base64) is the key's signature of `data`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        sig = base64.b64decode(str(signature), validate=True)
        Ed25519PublicKey.from_public_bytes(raw_public).verify(sig, data)
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True
