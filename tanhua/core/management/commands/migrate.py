"""`tanhua migrate`: Django's migrate, with Chinese help, errors and summary.

It replaces Django's command of the same name (manage.py and call_command included) and
changes only words: the options, their meaning and the migrations run are Django's.
"""

from __future__ import annotations

import re

from django.core.management.base import CommandError
from django.core.management.commands import migrate

from tanhua.core.commands import TanhuaCommand, describe_database, pending_migrations

_OPTION_HELP = {
    "app_label": "只处理这个应用（应用标签）",
    "migration_name": "把该应用的数据库结构迁移到这个迁移之后的状态；“zero”表示撤销全部迁移",
    "interactive": "不提出任何询问（用于脚本）",
    "database": "要迁移的数据库连接（默认 default）",
    "fake": "只把迁移标记为已执行，并不真正执行（仅供恢复时使用）",
    "fake_initial": "初始迁移的表已存在时，把初始迁移标记为已执行",
    "plan": "只列出将要执行的迁移操作，不执行",
    "run_syncdb": "为没有迁移的应用直接建表",
    "check_unapplied": "有未执行的迁移时以非零状态退出，不执行任何迁移",
    "prune": "从 django_migrations 表中删除已不存在的迁移记录",
}

# Django's own refusals, as the operator reads them.
_ERRORS = [
    (re.compile(r"No installed app with label '([^']+)'\."), r"没有标签为“\1”的应用。"),
    (re.compile(r"App '([^']+)' does not have migrations\."), r"应用“\1”没有迁移。"),
    (
        re.compile(r"Cannot find a migration matching '([^']+)' from app '([^']+)'\."),
        r"应用“\2”中找不到名为“\1”的迁移。",
    ),
    (
        re.compile(r"More than one migration matches '([^']+)' in app '([^']+)'.*", re.S),
        r"应用“\2”中有多个迁移与“\1”匹配，请写得更具体。",
    ),
    (
        re.compile(r"Migrations can be pruned only when an app is specified\."),
        "--prune 需要同时指定应用标签。",
    ),
    (re.compile(r"^Conflicting migrations detected.*", re.S), "迁移存在冲突（多个末端迁移）。"),
]


class Command(TanhuaCommand, migrate.Command):
    help = (
        "创建或升级数据库结构。内置 SQLite 数据库在每个命令首次使用时会自动升级；"
        "使用 DATABASE_URL 指定的数据库时，安装或升级 Tanhua 之后须先运行本命令。"
    )
    requires_database = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        for action in parser._actions:
            if action.dest in _OPTION_HELP:
                action.help = _OPTION_HELP[action.dest]

    def handle(self, *args, **options):
        # Django's progress lines are English; at normal verbosity the operator gets one
        # Chinese sentence instead. -v 2 and --plan keep Django's own output.
        summarize = options["verbosity"] == 1 and not options["plan"]
        if summarize and not options["check_unapplied"]:
            pending = pending_migrations()
            options = {**options, "verbosity": 0}
        try:
            super().handle(*args, **options)
        except CommandError as exc:
            message = str(exc)
            for pattern, text in _ERRORS:
                message = pattern.sub(text, message)
            raise CommandError(message, returncode=exc.returncode) from exc
        except SystemExit as exc:
            if options["check_unapplied"] and exc.code:
                raise CommandError("有未执行的迁移：请运行 tanhua migrate。") from None
            raise
        if summarize and not options["check_unapplied"]:
            where = describe_database()
            if pending:
                self.stdout.write(f"已执行 {pending} 个迁移，数据库 {where} 的结构已是最新。")
            else:
                self.stdout.write(f"数据库 {where} 的结构已是最新，无需升级。")
