"""`tanhua restore FILE`: put an archive back into an empty database and home."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from tanhua.backup import archive, passphrase, services
from tanhua.core.commands import TanhuaCommand


class Command(TanhuaCommand):
    # Restore looks after its target itself: migrating it first would make it non-empty
    # (SQLite) or be refused (a server database that is not migrated yet).
    requires_database = False
    help = (
        "恢复：把备份文件恢复到空数据库和空的存储目录。先完整校验备份（损坏、篡改、"
        "来自更新版本的备份一律拒绝），恢复后逐表核对行数与哈希，并校验审计链。"
        "审计密钥须事先放回原处。"
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", metavar="FILE", help="备份文件")
        parser.add_argument(
            "--passphrase-file",
            metavar="FILE",
            help=f"加密备份的口令文件（第一行为口令）；也可用环境变量 {passphrase.ENV}",
        )

    def handle(self, *args, **opts):
        path = Path(opts["archive"])
        try:
            encrypted = path.is_file() and archive.is_encrypted(path)
            secret = passphrase.obtain(opts["passphrase_file"], confirm=False, required=encrypted)
            report = services.restore_backup(archive=path, passphrase=secret)
        except (services.BackupError, archive.ArchiveError) as exc:
            raise CommandError(str(exc)) from exc
        m = report.manifest
        self.stdout.write(
            f"恢复完成：{path}（创建于 {m['created_at']}）\n"
            f"  数据表 {report.tables} 张，共 {report.rows} 行，行数与哈希均与清单一致；"
            f"存储文件 {report.files} 个\n"
            f"  审计链完整：{report.audit_entries} 条记录\n"
            f"  用时 {report.seconds:.1f} 秒"
        )
        if report.pending_migrations:
            self.stdout.write(
                "备份来自较早的版本：请运行 tanhua migrate"
                f"（{len(report.pending_migrations)} 个迁移）"
            )
