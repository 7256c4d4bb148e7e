"""Backup and restore (等保 2.0 三级：数据备份恢复、数据完整性): the one write path for both.

    create_backup(*, out, passphrase=None, actor=None) -> BackupReport
    verify_backup(*, archive, passphrase=None) -> VerifyReport
    restore_backup(*, archive, passphrase=None) -> RestoreReport

An archive holds, in this order: `manifest.json`; `manifest.sig` (its SHA-256 and an HMAC
under the audit key, so a manifest rewritten to match altered members is caught too); the
database copy (engines.py); `audit/anchor.json`, the audit chain's anchor as of that copy;
and every stored file under `files/<folder>/…`. The manifest lists the time, versions, the
applied migrations, row counts and a hash per table (digest.py), and size and hash per member.
The audit key itself is never in an archive: README says to back it up apart.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.migrations.loader import MigrationLoader

from tanhua.audit import anchor as anchors
from tanhua.audit import services as audit
from tanhua.backup import archive, digest, engines

FORMAT, FORMAT_VERSION = "tanhua-backup", 1
MANIFEST, SIGNATURE, ANCHOR = "manifest.json", "manifest.sig", "audit/anchor.json"
FILES_PREFIX = "files/"
_SIGN_CONTEXT = b"tanhua-backup-manifest\x00"


class BackupError(Exception):
    """A backup, verify or restore that cannot go on; the message says why, in Chinese."""


@dataclass
class BackupReport:
    path: Path
    size: int
    sha256: str
    tables: int
    rows: int
    files: int
    audit_entries: int
    encrypted: bool
    seconds: float


@dataclass
class VerifyReport:
    manifest: dict
    signed: bool  # the manifest's HMAC was checked against the audit key here
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.manifest["tables"].values())


@dataclass
class RestoreReport:
    manifest: dict
    tables: int
    rows: int
    files: int
    audit_entries: int
    pending_migrations: list[str]
    seconds: float


# --- what is stored --------------------------------------------------------------------------


def stored_file_roots() -> dict[str, Path]:
    """The folders whose files are user data. MEDIA_ROOT holds uploads and attachments; an
    app that keeps files elsewhere names its folder in settings.TANHUA_STORED_FILE_DIRS."""
    roots = {"media": Path(settings.MEDIA_ROOT)}
    roots.update({k: Path(v) for k, v in getattr(settings, "TANHUA_STORED_FILE_DIRS", {}).items()})
    return roots


def _stored_files() -> list[tuple[str, Path]]:
    out = []
    for key, root in sorted(stored_file_roots().items()):
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            out.append((f"{FILES_PREFIX}{key}/{path.relative_to(root).as_posix()}", path))
    return out


def _version() -> str:
    try:
        return metadata.version("tanhua")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


# --- the key and the signature ---------------------------------------------------------------


def _audit_key(*, required: bool) -> bytes | None:
    """The audit key as configured, never created here: a missing key at restore time means
    the operator has not put back the key they kept apart."""
    if not settings.AUDIT_HMAC_KEY and not Path(settings.AUDIT_HMAC_KEY_FILE).exists():
        if required:
            raise BackupError(
                f"未找到审计密钥：请先把单独保管的审计密钥放回 {settings.AUDIT_HMAC_KEY_FILE}"
                "（或设置 TANHUA_AUDIT_KEY / TANHUA_AUDIT_KEY_FILE），再恢复"
            )
        return None
    return audit.key()


def sign(manifest_bytes: bytes, key: bytes) -> bytes:
    mac = hmac.new(key, _SIGN_CONTEXT + manifest_bytes, hashlib.sha256).hexdigest()
    body = {"sha256": hashlib.sha256(manifest_bytes).hexdigest(), "hmac": mac}
    return json.dumps(body, sort_keys=True).encode()


# --- backup ----------------------------------------------------------------------------------


def create_backup(*, out: Path, passphrase: str | None = None, actor=None) -> BackupReport:
    """Write one archive of the running system to `out` (never over an existing file)."""
    started = dt.datetime.now(dt.UTC)
    out = Path(out)
    if out.exists():
        raise BackupError(f"“{out}”已存在：不覆盖已有的备份，请换一个文件名")
    if not out.parent.is_dir():
        raise BackupError(f"目录“{out.parent}”不存在")
    for root in stored_file_roots().values():
        if out.resolve().is_relative_to(root.resolve()):
            raise BackupError(f"备份文件不能放在存储目录“{root}”之内（它会把自己也备份进去）")
    if passphrase is not None:
        _archive_call(archive.check_passphrase, passphrase)
    key = audit.key()
    vendor = engines.vendor()
    try:
        return _create(out, passphrase, actor, key, vendor, started)
    except OSError as exc:
        where = f"“{exc.filename}”" if exc.filename else f"“{out.parent}”"
        raise BackupError(f"备份失败：无法读写 {where}：{exc.strerror or exc}") from exc


def _create(out: Path, passphrase, actor, key: bytes, vendor: str, started) -> BackupReport:
    # The staging copy sits beside the archive (the same disk, so it fits), readable by the
    # operator only (mkdtemp's 0700), and is removed as soon as the archive is written.
    with tempfile.TemporaryDirectory(prefix=".tanhua-backup-", dir=out.parent) as tmp:
        staging = Path(tmp)
        dump = staging / "database"
        try:
            snap = engines.snapshot(dump)
        except engines.EngineError as exc:
            raise BackupError(str(exc)) from exc
        # Files after the database: a file uploaded meanwhile is extra, never missing.
        files = {}
        for name, path in _stored_files():
            copy = staging / f"file-{len(files)}"
            try:
                shutil.copyfile(path, copy)
            except FileNotFoundError:
                continue  # removed since it was listed (an expired import preview)
            files[name] = (copy, {"size": copy.stat().st_size, "sha256": archive.file_sha256(copy)})
        anchor_bytes = json.dumps(
            {"seq": snap.audit_last[0], "mac": snap.audit_last[1]} if snap.audit_last else None
        ).encode()
        db_name = engines.DUMP_NAMES[vendor]
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": started.isoformat(timespec="seconds"),
            "tanhua_version": _version(),
            "django_version": django.get_version(),
            "engine": vendor,
            "engine_version": snap.server_version,
            "migrations": snap.migrations,
            "tables": {name: d.as_dict() for name, d in sorted(snap.tables.items())},
            "audit": {
                "entries": snap.tables.get("audit_auditentry", digest.TableDigest(0, "")).rows,
                "last_seq": snap.audit_last[0] if snap.audit_last else 0,
            },
            "members": {
                db_name: {"size": dump.stat().st_size, "sha256": archive.file_sha256(dump)},
                ANCHOR: {
                    "size": len(anchor_bytes),
                    "sha256": hashlib.sha256(anchor_bytes).hexdigest(),
                },
                **{name: meta for name, (_copy, meta) in files.items()},
            },
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        partial = staging / "archive.partial"
        try:
            with open(partial, "wb") as fh:
                writer = archive.ArchiveWriter(fh, passphrase)
                writer.add_bytes(MANIFEST, manifest_bytes)
                writer.add_bytes(SIGNATURE, sign(manifest_bytes, key))
                writer.add_file(db_name, dump)
                writer.add_bytes(ANCHOR, anchor_bytes)
                for name, (copy, _meta) in files.items():
                    writer.add_file(name, copy)
                writer.close()
            size, sha = partial.stat().st_size, archive.file_sha256(partial)
            archive.publish(partial, out)
        except archive.ArchiveError as exc:
            raise BackupError(str(exc)) from exc
    rows = sum(d.rows for d in snap.tables.values())
    encrypted = passphrase is not None
    _record_backup(actor=actor, out=out, sha=sha, manifest=manifest, rows=rows, enc=encrypted)
    return BackupReport(
        path=out,
        size=size,
        sha256=sha,
        tables=len(snap.tables),
        rows=rows,
        files=len(files),
        audit_entries=manifest["audit"]["entries"],
        encrypted=encrypted,
        seconds=(dt.datetime.now(dt.UTC) - started).total_seconds(),
    )


@transaction.atomic
def _record_backup(*, actor, out: Path, sha: str, manifest: dict, rows: int, enc: bool) -> None:
    # A backup is every record leaving the system at once: audited like an export. The
    # entry comes after the copy, so it is in the next backup, not in this one.
    audit.record_export(
        "backup",
        rows,
        actor=actor,
        fmt="tanhua-backup",
        object_id=out.name,
        object_repr=str(out),
        filters={
            "sha256": sha,
            "tables": len(manifest["tables"]),
            "files": sum(1 for m in manifest["members"] if m.startswith(FILES_PREFIX)),
            "encrypted": enc,
            "audit_last_seq": manifest["audit"]["last_seq"],
            "os_user": getpass.getuser(),
        },
    )


def _archive_call(fn, *args):
    try:
        return fn(*args)
    except archive.ArchiveError as exc:
        raise BackupError(str(exc)) from exc


# --- reading an archive ------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and "\\" not in name and bool(p.parts)


def _parse_manifest(data: bytes) -> dict:
    try:
        manifest = json.loads(data)
        assert isinstance(manifest, dict) and manifest.get("format") == FORMAT
        assert isinstance(manifest["members"], dict) and isinstance(manifest["tables"], dict)
        assert isinstance(manifest["migrations"], list)
    except (ValueError, AssertionError, KeyError) as exc:
        raise BackupError("备份文件已损坏：清单（manifest.json）无效") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {manifest.get('format_version')} 不受支持"
            f"（本版本读取格式 {FORMAT_VERSION}）"
        )
    bad = [m for m in manifest["members"] if not _safe_member(m)]
    if bad:
        raise BackupError(f"备份文件被篡改：清单中有不安全的路径“{bad[0]}”")
    return manifest


def _check_signature(manifest_bytes: bytes, sig_bytes: bytes, key: bytes | None) -> bool:
    try:
        sig = json.loads(sig_bytes)
        stated_sha, stated_mac = str(sig["sha256"]), str(sig["hmac"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError("备份文件已损坏：清单签名（manifest.sig）无效") from exc
    if not hmac.compare_digest(hashlib.sha256(manifest_bytes).hexdigest(), stated_sha):
        raise BackupError("备份文件已损坏或被篡改：清单的哈希不符")
    if key is None:
        return False
    expected = json.loads(sign(manifest_bytes, key))["hmac"]
    if not hmac.compare_digest(expected, stated_mac):
        raise BackupError(
            "清单签名与当前审计密钥不符：备份被篡改，或当前审计密钥不是备份时的那一把"
        )
    return True


def _check_schema(manifest: dict) -> list[str]:
    """Refuses an archive from a newer schema; returns the migrations it lacks (older)."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    applied = set(manifest["migrations"])
    unknown = sorted(applied - known)
    if unknown:
        more = f" 等 {len(unknown)} 个" if len(unknown) > 1 else ""
        raise BackupError(
            f"备份来自更新版本的 Tanhua（{manifest.get('tanhua_version')}）：数据库结构含本版本"
            f"没有的迁移 {unknown[0]}{more}；请先升级 Tanhua 再恢复"
        )
    return sorted(known - applied)


def _read_archive(
    path: Path, passphrase: str | None, staging: Path, *, key_required: bool, only_db=False
):
    """Walk the archive once: manifest and signature first, then every member, each checked
    against the manifest and copied into `staging` (with `only_db`, the database copy only:
    the others are hashed as they stream past)."""
    if not path.is_file():
        raise BackupError(f"备份文件“{path}”不存在")
    manifest = None
    signed = False
    seen: dict[str, Path | None] = {}
    expected_order = [MANIFEST, SIGNATURE]
    manifest_bytes = b""
    try:
        for index, (name, stream) in enumerate(archive.members(path, passphrase)):
            if index < 2:
                if name != expected_order[index]:
                    want = expected_order[index]
                    raise BackupError(f"备份文件已损坏：第 {index + 1} 项应为 {want}")
                data = stream.read()
                if index == 0:
                    manifest_bytes = data
                else:
                    key = _audit_key(required=key_required)
                    signed = _check_signature(manifest_bytes, data, key)
                    manifest = _parse_manifest(manifest_bytes)
                continue
            assert manifest is not None
            meta = manifest["members"].get(name)
            if meta is None or name in seen:
                raise BackupError(f"备份文件被篡改：含清单之外的条目“{name}”")
            keep = not only_db or not name.startswith(FILES_PREFIX)
            dest = staging / f"m{index}" if keep else None
            if dest is not None:
                with open(dest, "wb") as out:
                    sha, size = archive.copy_hashing(stream, out)
            else:
                sha, size = archive.copy_hashing(stream, None)
            if sha != meta["sha256"] or size != meta["size"]:
                raise BackupError(f"备份文件已损坏或被篡改：“{name}”的哈希与清单不符")
            seen[name] = dest
    except archive.ArchiveError as exc:
        raise BackupError(str(exc)) from exc
    if manifest is None:
        raise BackupError("备份文件已损坏：缺少清单")
    missing = sorted(set(manifest["members"]) - set(seen))
    if missing:
        raise BackupError(f"备份文件不完整：缺少“{missing[0]}”（共缺 {len(missing)} 项）")
    return manifest, signed, seen


def verify_backup(*, archive: Path, passphrase: str | None = None) -> VerifyReport:
    """Check an archive without restoring: every member against the manifest, the manifest
    against its signature, the schema against this version; an SQLite copy is also re-read
    and its tables hashed; a PostgreSQL dump's table of contents is read by pg_restore."""
    archive_path = Path(archive)
    with tempfile.TemporaryDirectory(prefix=".tanhua-verify-") as tmp:
        manifest, signed, members = _read_archive(
            archive_path, passphrase, Path(tmp), key_required=False, only_db=True
        )
        warnings = []
        if not signed:
            warnings.append("未找到审计密钥：只校验了内容哈希，未能用密钥确认清单未被伪造")
        pending = _check_schema(manifest)
        if pending:
            warnings.append(
                f"备份来自较早的版本：恢复后需运行 tanhua migrate（{len(pending)} 个迁移）"
            )
        _check_database_member(manifest, members)
    return VerifyReport(manifest=manifest, signed=signed, warnings=warnings)


def _check_database_member(
    manifest: dict, members: dict[str, Path | None], *, rehash: bool = True
) -> None:
    """The database copy is there and readable; with `rehash`, an SQLite copy's tables are
    hashed again (a restore skips that: it hashes the restored database instead)."""
    engine = manifest.get("engine")
    path = members.get(engines.DUMP_NAMES.get(engine, ""))
    if path is None:
        raise BackupError("备份文件已损坏：缺少数据库副本")
    if engine == engines.SQLITE:
        if not rehash:
            return
        snap = engines.sqlite_read(path)
        _compare(manifest, snap.tables, "备份中的数据库副本")
    elif engines.vendor() == engines.POSTGRESQL:
        try:
            engines.pg_check_dump(path)
        except engines.EngineError as exc:
            raise BackupError(str(exc)) from exc


def _compare(manifest: dict, found: dict[str, digest.TableDigest], where: str) -> None:
    stated = manifest["tables"]
    for table in sorted(set(stated) | set(found)):
        if table not in found:
            raise BackupError(f"{where}缺少表 {table}")
        if table not in stated:
            raise BackupError(f"{where}多出清单之外的表 {table}")
        got, want = found[table], stated[table]
        if got.rows != want["rows"]:
            raise BackupError(f"{where}的表 {table} 有 {got.rows} 行，清单记载 {want['rows']} 行")
        if got.sha256 != want["sha256"]:
            raise BackupError(f"{where}的表 {table} 内容哈希与清单不符")


# --- restore ---------------------------------------------------------------------------------


def _refuse_non_empty_target() -> None:
    filled = digest.tables_with_rows("default")
    if filled:
        shown = "、".join(filled[:5]) + (" 等" if len(filled) > 5 else "")
        raise BackupError(
            f"目标数据库不是空的（{shown} 中已有数据）：恢复只写入空数据库，以免覆盖现有数据"
        )
    for key, root in stored_file_roots().items():
        if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            raise BackupError(f"目标存储目录“{root}”（{key}）中已有文件：恢复只写入空目录")


def restore_backup(*, archive: Path, passphrase: str | None = None) -> RestoreReport:
    """Into an empty database and home only. The archive is checked in full before anything
    is written; afterwards the database's tables are hashed again and must match the
    manifest, and the audit chain must verify against the restored anchor."""
    from tanhua.audit.verify import verify

    started = dt.datetime.now(dt.UTC)
    # The unpacked archive is as large as the data: beside the home, not in a small /tmp.
    home = Path(settings.TANHUA_HOME)
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tanhua-restore-", dir=home) as tmp:
        manifest, _signed, members = _read_archive(
            Path(archive), passphrase, Path(tmp), key_required=True
        )
        pending = _check_schema(manifest)
        vendor = engines.vendor()
        if manifest.get("engine") != vendor:
            raise BackupError(
                f"备份来自 {manifest.get('engine')} 数据库，目标是 {vendor}：不支持跨数据库类型恢复"
            )
        _check_database_member(manifest, members, rehash=False)
        _refuse_non_empty_target()
        roots = stored_file_roots()
        files = [n for n in manifest["members"] if n.startswith(FILES_PREFIX)]
        for name in files:
            if name.split("/")[1] not in roots:
                raise BackupError(f"备份中的文件“{name}”属于本系统没有的存储目录")
        try:
            engines.restore(members[engines.DUMP_NAMES[vendor]])
        except engines.EngineError as exc:
            raise BackupError(str(exc)) from exc
        # Ids cached by this process name rows of the database that was replaced.
        ContentType.objects.clear_cache()
        found = digest.database_digests("default")
        _compare(manifest, found, "恢复后的数据库")
        for name in files:
            _prefix, key, rel = name.split("/", 2)
            dest = roots[key] / rel
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(members[name], dest)
            except OSError as exc:
                raise BackupError(f"无法写入存储文件“{dest}”：{exc.strerror or exc}") from exc
        stated = json.loads(members[ANCHOR].read_bytes())
    anchors.reset(anchors.Anchor(int(stated["seq"]), str(stated["mac"])) if stated else None)
    report = verify()
    if not report.ok:
        raise BackupError(f"恢复后审计链校验失败：{report.problem}")
    return RestoreReport(
        manifest=manifest,
        tables=len(found),
        rows=sum(d.rows for d in found.values()),
        files=len(files),
        audit_entries=report.count,
        pending_migrations=pending,
        seconds=(dt.datetime.now(dt.UTC) - started).total_seconds(),
    )
