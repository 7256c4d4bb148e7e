"""`tanhua backup --out FILE | --verify FILE`: write an archive of the running system, or
check one without restoring."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from tanhua.backup import archive, passphrase, services
from tanhua.core.commands import TanhuaCommand


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


class Command(TanhuaCommand):
    help = (
        "备份：在系统运行时把数据库的一致副本、全部存储文件、审计锚点和清单写入一个备份文件"
        "（可用口令加密）；--verify 只校验备份文件而不恢复。审计密钥不在备份中，须另行保管。"
    )

    def add_arguments(self, parser):
        # Checked in handle(): argparse's own messages for a mutually exclusive group are
        # English only.
        parser.add_argument("--out", metavar="FILE", help="写入的备份文件（不覆盖已有文件）")
        parser.add_argument(
            "--verify", metavar="FILE", help="只校验该备份文件（哈希、签名、结构版本），不恢复"
        )
        parser.add_argument(
            "--encrypt",
            action="store_true",
            help=f"用口令加密（AES-256-GCM）；口令取自 --passphrase-file、环境变量 "
            f"{passphrase.ENV}，或在终端输入",
        )
        parser.add_argument(
            "--passphrase-file",
            metavar="FILE",
            help="口令文件（第一行为口令）；指定即表示加密，校验加密备份时也用它",
        )

    def handle(self, *args, **opts):
        if bool(opts["out"]) == bool(opts["verify"]):
            raise CommandError("请指定 --out FILE（写入备份）或 --verify FILE（校验备份）之一")
        if opts["verify"] and opts["encrypt"]:
            raise CommandError("--encrypt 只用于写入备份（--out）")
        try:
            if opts["verify"]:
                return self._verify(opts)
            return self._backup(opts)
        except services.BackupError as exc:
            raise CommandError(str(exc)) from exc

    def _backup(self, opts):
        encrypt = opts["encrypt"] or bool(opts["passphrase_file"])
        secret = (
            passphrase.obtain(opts["passphrase_file"], confirm=True, required=True)
            if encrypt
            else None
        )
        report = services.create_backup(out=Path(opts["out"]), passphrase=secret)
        self.stdout.write(
            f"备份完成：{report.path}（{_mib(report.size)}，"
            f"{'已加密' if report.encrypted else '未加密'}）\n"
            f"  数据表 {report.tables} 张，共 {report.rows} 行；存储文件 {report.files} 个；"
            f"审计记录 {report.audit_entries} 条\n"
            f"  SHA-256 {report.sha256}\n"
            f"  用时 {report.seconds:.1f} 秒"
        )

    def _verify(self, opts):
        path = Path(opts["verify"])
        try:
            encrypted = path.is_file() and archive.is_encrypted(path)
        except archive.ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        secret = passphrase.obtain(opts["passphrase_file"], confirm=False, required=encrypted)
        report = services.verify_backup(archive=path, passphrase=secret)
        m = report.manifest
        files = sum(1 for name in m["members"] if name.startswith(services.FILES_PREFIX))
        for warning in report.warnings:
            self.stderr.write(f"注意：{warning}")
        self.stdout.write(
            f"备份完好：{path}\n"
            f"  创建于 {m['created_at']}，Tanhua {m['tanhua_version']}，{m['engine']}\n"
            f"  数据表 {len(m['tables'])} 张，共 {report.rows} 行；存储文件 {files} 个；"
            f"审计记录 {m['audit']['entries']} 条\n"
            f"  清单签名：{'已用审计密钥确认' if report.signed else '未确认（无审计密钥）'}"
        )
