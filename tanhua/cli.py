"""The `tanhua` console script (DESIGN §7): one verb per operation, each a Django management
command, so that `--help` works on every verb and the same code runs from `manage.py`."""

from __future__ import annotations

import os
import sys

# verb -> (app module, management command, help). Later issues add their verbs here.
VERBS: dict[str, tuple[str, str, str]] = {
    "demo": ("tanhua.demo", "demo", "创建内置数据库、载入演示省份、打印演示账号并启动服务"),
    "serve": ("tanhua.core", "serve", "启动 Web 服务（含 API），默认 127.0.0.1:8000"),
    "import": ("tanhua.exchange", "import_files", "导入组织、干部、职务等表格（.xlsx / .csv）"),
    "user": ("tanhua.accounts", "user", "用户管理：tanhua user add NAME --role ROLE --org CODE"),
    "token": ("tanhua.api", "token", "为用户生成新的 API 令牌"),
    "audit": ("tanhua.audit", "audit", "审计日志：tanhua audit verify 校验哈希链"),
    "backup": ("tanhua.backup", "backup", "备份：tanhua backup --out FILE；--verify FILE 校验备份"),
    "restore": ("tanhua.backup", "restore", "把备份恢复到空数据库：tanhua restore FILE"),
    "migrate": ("django.core", "migrate", "升级数据库结构"),
}


def usage() -> str:
    lines = ["用法: tanhua VERB [选项]   (每个 VERB 都支持 --help)", "", "VERB:"]
    width = max(len(v) for v in VERBS)
    lines += [f"  {verb.ljust(width)}  {text}" for verb, (_a, _c, text) in VERBS.items()]
    lines += ["", "环境变量 DATABASE_URL 选择 PostgreSQL；默认使用 ./var/tanhua.sqlite3。"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    verb, rest = argv[0], argv[1:]
    if verb not in VERBS:
        print(f"tanhua: 未知命令“{verb}”\n\n{usage()}", file=sys.stderr)
        return 2
    if verb == "demo":
        # Must be set before settings load: the demo relaxes login rules for its printed accounts.
        os.environ["TANHUA_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    import django
    from django.core.management import load_command_class

    django.setup()
    app, command, _text = VERBS[verb]
    cmd = load_command_class(app, command)
    try:
        cmd.run_from_argv(["tanhua", verb, *rest])
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
