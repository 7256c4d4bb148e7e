"""The `tanhua` console script (DESIGN §7): one verb per operation, each a Django management
command, so that `--help` works on every verb and the same code runs from `manage.py`."""

from __future__ import annotations

import os
import sys

# verb -> (app module, management command, help). Later issues add their verbs here.
VERBS: dict[str, tuple[str, str, str]] = {
    "demo": ("tanhua.demo", "demo", "创建内置数据库、载入演示省份、打印演示账号并启动服务"),
    "serve": ("tanhua.core", "serve", "启动 Web 服务（含 API），默认 127.0.0.1:8000"),
    "import": (
        "tanhua.exchange",
        "import_files",
        "导入组织、干部、职务、谈话、指标、问题等表格（.xlsx / .csv）",
    ),
    "plan": ("tanhua.campaigns", "plan", "按规则生成年度谈话计划：tanhua plan YEAR --all"),
    "stats": ("tanhua.campaigns", "stats", "年度政治监督谈话统计（--json 输出 JSON）"),
    "prepare": (
        "tanhua.portrait",
        "prepare",
        "生成画像与提纲草稿：tanhua prepare YEAR --all 或 --committee CODE",
    ),
    "classify": (
        "tanhua.evidence",
        "classify",
        "为问题描述建议重点方面（A1–A4）及置信度；--retrain 重新训练",
    ),
    "report": (
        "tanhua.reports",
        "report",
        "生成报告：tanhua report {special,year-end,look-back} YEAR --out FILE",
    ),
    "annex": (
        "tanhua.reports",
        "annex",
        "数据附件签名密钥：tanhua annex key|trust|revoke|list",
    ),
    "reindex": ("tanhua.search", "reindex", "重建全文搜索索引：恢复备份或更新分词词典后运行"),
    "tick": (
        "tanhua.rectification",
        "tick",
        "定期工作：整改到期提醒、预警、逾期督办，催报材料，清理过期数据（--json）",
    ),
    "cleanup": ("tanhua.exchange", "cleanup", "清理过期的导入预览及其文件等遗留数据"),
    "user": ("tanhua.accounts", "user", "用户管理：tanhua user add NAME --role ROLE --org CODE"),
    "office": (
        "tanhua.accounts",
        "office",
        "纪检监察室：tanhua office add NAME --org CODE --locality …",
    ),
    "token": ("tanhua.api", "token", "为用户生成新的 API 令牌"),
    "audit": ("tanhua.audit", "audit", "审计日志：tanhua audit verify 校验哈希链"),
    "backup": ("tanhua.backup", "backup", "备份：tanhua backup --out FILE；--verify FILE 校验备份"),
    "restore": ("tanhua.backup", "restore", "把备份恢复到空数据库：tanhua restore FILE"),
    "migrate": ("tanhua.core", "migrate", "创建或升级数据库结构（使用 DATABASE_URL 时须先运行）"),
}


def usage() -> str:
    lines = ["用法：tanhua VERB [选项]   （每个 VERB 都支持 --help）", "", "VERB："]
    width = max(len(v) for v in VERBS)
    lines += [f"  {verb.ljust(width)}  {text}" for verb, (_a, _c, text) in VERBS.items()]
    lines += [
        "",
        "环境变量 DATABASE_URL 选择 PostgreSQL；默认使用 TANHUA_HOME（默认 ./var）下的"
        " tanhua.sqlite3，各命令首次使用时自动创建。",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:
        # `tanhua user list | head`: the reader left; Python would print a traceback at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(argv: list[str]) -> int:
    if not argv:
        # A script that forgot its verb must not look like it succeeded.
        print(usage(), file=sys.stderr)
        return 2
    if argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    verb, rest = argv[0], argv[1:]
    if verb not in VERBS:
        print(f"错误：未知命令“{verb}”\n\n{usage()}", file=sys.stderr)
        return 2
    if verb == "demo":
        # Must be set before settings load: the demo relaxes login rules for its printed accounts.
        os.environ["TANHUA_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import load_command_class

    try:
        django.setup()
        app, command, _text = VERBS[verb]
        cmd = load_command_class(app, command)
        cmd.run_from_argv(["tanhua", verb, *rest])
    except ImproperlyConfigured as exc:
        # settings.py validates the environment variables (TANHUA_DEBUG=maybe, …).
        print(f"错误：配置有误（环境变量）：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n已中断。", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 1
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
