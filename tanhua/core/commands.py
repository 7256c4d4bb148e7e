"""The base of every `tanhua` verb: argparse's own words in Chinese, like the rest of the UI,
help text wrapped without breaking words, errors as one Chinese line, and the database
created (embedded default) or checked (DATABASE_URL) before a verb touches it."""

from __future__ import annotations

import argparse
import errno
import os
import re
import socket
import sys
import unicodedata

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    SystemCheckError,
    handle_default_options,
)

HELP_TEXT = "显示本帮助并退出"
USAGE_PREFIX = "用法："
_BASE_HELP = {
    "help": HELP_TEXT,
    "version": "显示版本号并退出",
    "verbosity": "输出详细程度：0 最少，1 正常，2 详细，3 非常详细",
    "settings": "Django 设置模块（默认取环境变量 DJANGO_SETTINGS_MODULE）",
    "pythonpath": "加入 Python 搜索路径的目录",
    "traceback": "出错时显示完整的调用栈",
    "no_color": "不使用彩色输出",
    "force_color": "强制使用彩色输出",
    "skip_checks": "跳过系统检查",
}

# argparse builds its messages from English templates; these are all it can say to a user.
_ARGPARSE_WORDS = [
    (re.compile(r"^Error: "), ""),
    (re.compile(r"^argument ([^:]+): "), r"参数 \1："),
    (re.compile(r"the following arguments are required: "), "缺少必需参数："),
    (re.compile(r"unrecognized arguments: "), "无法识别的参数："),
    (re.compile(r"invalid choice: (.+?) \(choose from (.+)\)"), r"无效的选项 \1，可选：\2"),
    (re.compile(r"invalid int value: (.+)"), r"\1 不是整数"),
    (re.compile(r"invalid float value: (.+)"), r"\1 不是数字"),
    (re.compile(r"invalid \S+ value: (.+)"), r"值 \1 无效"),
    (re.compile(r"expected one argument"), "需要一个值"),
    (re.compile(r"expected at most one argument"), "最多只能有一个值"),
    (re.compile(r"expected at least one argument"), "至少需要一个值"),
    (re.compile(r"expected (\d+) arguments?"), r"需要 \1 个值"),
    (re.compile(r"not allowed with argument (.+)"), r"不能与参数 \1 同时使用"),
    (re.compile(r"one of the arguments (.+) is required"), r"必须提供以下参数之一：\1"),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), r"选项 \1 有歧义，可能是：\2"),
    (re.compile(r"ignored explicit argument (.+)"), r"此选项不接受值：\1"),
    # Subcommands (user add, audit verify): argparse names them by their {a,b} metavar.
    (re.compile(r"^参数 \{[^}]*\}：无效的选项 (.+?)，可选：(.+)$"), r"未知的子命令 \1，可选：\2"),
    (re.compile(r"^缺少必需参数：\{([^}]*)\}$"), r"请指定子命令：\1"),
]


def translate_argparse(message: str) -> str:
    for pattern, text in _ARGPARSE_WORDS:
        message = pattern.sub(text, message)
    return message


# --- text that a terminal shows: CJK characters take two columns ---------------------------

# A line must not start with closing punctuation nor end with opening punctuation.
_OPENING = set("（「『《〈【“‘([{")
_CLOSING = set("、，。；：！？）」』》〉】”’),.;:!?]}")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _atoms(word: str) -> list[str]:
    """The unbreakable pieces of a space-free word: each CJK character alone, a run of other
    characters (an English word, a code, an option) whole, punctuation kept with its neighbour."""
    pieces: list[str] = []
    previous_wide = True
    for ch in word:
        wide = unicodedata.east_asian_width(ch) in "WF"
        if pieces and not wide and not previous_wide:
            pieces[-1] += ch
        else:
            pieces.append(ch)
        previous_wide = wide
    merged: list[str] = []
    for piece in pieces:
        if merged and (piece[0] in _CLOSING or merged[-1][-1] in _OPENING):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def wrap(text: str, width: int) -> list[str]:
    """Greedy wrapping by display width that breaks at spaces and between CJK characters,
    never inside an English word (argparse's own wrapping breaks "organization" in two)."""
    lines: list[str] = []
    line, line_width = "", 0
    for word in text.split():
        for i, atom in enumerate(_atoms(word)):
            sep = " " if i == 0 and line else ""
            atom_width = display_width(atom)
            if line and line_width + len(sep) + atom_width > width:
                lines.append(line)
                line, line_width = atom, atom_width
            else:
                line += sep + atom
                line_width += len(sep) + atom_width
    if line:
        lines.append(line)
    return lines


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns aligned on a terminal, CJK included, under a header and a rule."""
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c + " " * (w - display_width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


class ChineseHelpFormatter(DjangoHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        # prefix "" is argparse computing a subcommand's prog from this usage: keep it bare.
        return super().add_usage(usage, actions, groups, USAGE_PREFIX if prefix is None else prefix)

    def _format_usage(self, usage, actions, groups, prefix):
        # argparse measures the prefix by len(); "用法：" is wider on screen. Wrapping in a
        # frame narrower by the difference, then shifting the continuation lines, keeps them
        # aligned under the first and inside the terminal.
        extra = display_width(prefix or "") - len(prefix or "")
        if extra <= 0:
            return super()._format_usage(usage, actions, groups, prefix)
        self._width -= extra
        try:
            text = super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += extra
        first, *rest = text.split("\n")
        return "\n".join([first, *((" " * extra + r) if r.strip() else r for r in rest)])

    def _split_lines(self, text, width):
        return wrap(text, width) or [""]

    def _fill_text(self, text, width, indent):
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))


class ChineseCommandParser(CommandParser):
    def error(self, message):
        message = translate_argparse(message)
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, f"错误：{message}（{self.prog} --help 查看用法）\n")
        raise CommandError(f"错误：{message}")


def localize(parser: argparse.ArgumentParser) -> None:
    """argparse's own section titles and Django's common options, in Chinese, on the parser
    and on every subcommand's parser below it."""
    parser.__class__ = ChineseCommandParser if isinstance(parser, CommandParser) else type(parser)
    parser.formatter_class = ChineseHelpFormatter
    parser._positionals.title = "位置参数"
    parser._optionals.title = "选项"
    for action in parser._actions:
        if action.dest in _BASE_HELP and action.help is not argparse.SUPPRESS:
            action.help = _BASE_HELP[action.dest]
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                localize(sub)


# --- the database a verb is about to use ----------------------------------------------------


def embedded_database() -> bool:
    """The SQLite file under TANHUA_HOME that settings use when DATABASE_URL is not set."""
    return not os.environ.get("DATABASE_URL")


def describe_database() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"{db['ENGINE'].rsplit('.', 1)[-1]} {host}{port}/{db.get('NAME')}"


def first_line(exc: BaseException) -> str:
    """The driver's own words (often English) for a database error, without its detail lines."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def pending_migrations() -> int:
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ensure_database() -> None:
    """The embedded database is created and upgraded on first use, silently, as `tanhua demo`
    does; a configured server is the operator's to upgrade, so pending migrations refuse."""
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        pending = pending_migrations()
    except DatabaseError as exc:
        raise CommandError(
            f"无法连接数据库 {describe_database()}：{first_line(exc)}。"
            "请检查 DATABASE_URL 与数据库服务。"
        ) from exc
    if not pending:
        return
    if embedded_database():
        call_command("migrate", interactive=False, verbosity=0)
        return
    raise CommandError(
        f"数据库 {describe_database()} 的结构需要升级（{pending} 个待执行的迁移）："
        "请先运行 tanhua migrate。"
    )


# --- ports -----------------------------------------------------------------------------------


def port_number(text: str) -> int:
    """argparse type for --port."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"端口“{text}”不是整数") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"端口 {port} 超出范围，应为 1–65535")
    return port


def check_port(host: str, port: int, *, verb: str) -> None:
    """Bind and release the address before serving, so that a port in use is one Chinese
    line instead of gunicorn's English retries."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise CommandError(f"无法解析监听地址“{host}”：请检查 --host。") from None
    family, kind, proto, _name, address = infos[0]
    # gunicorn sets SO_REUSEADDR too: a port still in TIME_WAIT is free for it, and for us.
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"端口 {port} 已被占用（{host}:{port}）：请用 --port 指定其他端口，"
                    f"例如 tanhua {verb} --port {port + 1 if port < 65535 else 8001}。"
                ) from None
            if exc.errno == errno.EACCES:
                raise CommandError(
                    f"无权监听端口 {port}：1024 以下的端口需要管理员权限，"
                    "请用 --port 指定其他端口。"
                ) from None
            raise CommandError(
                f"无法监听 {host}:{port}（{exc.strerror or exc}）：请检查 --host 与 --port。"
            ) from None


class TanhuaCommand(BaseCommand):
    # Verbs that read or write the database get it created (embedded) or checked (server)
    # first; `migrate` and `demo` look after the database themselves.
    requires_database = True
    # Operators configure through the environment, not Django's module options.
    suppressed_base_arguments = {"--settings", "--pythonpath", "--force-color"}

    def get_version(self):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"tanhua {version('tanhua')}"
        except PackageNotFoundError:  # a bare checkout, not installed
            return super().get_version()

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a CommandParser; ours only overrides error(), so re-classing the
        # finished parser (and its subcommands') keeps Django's construction.
        localize(parser)
        return parser

    def run_from_argv(self, argv):
        # Django's own prints "CommandError: …" and lets database errors through as
        # tracebacks; this is the same sequence with one Chinese line instead.
        from django.db import connections

        self._called_from_command_line = True
        parser = self.create_parser(argv[0], argv[1])
        options = parser.parse_args(argv[2:])
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        handle_default_options(options)
        try:
            if self.requires_database:
                ensure_database()
            self.execute(*args, **cmd_options)
        except CommandError as exc:
            if options.traceback:
                raise
            if isinstance(exc, SystemCheckError):
                self.stderr.write(str(exc), lambda x: x)
            else:
                message = re.sub(r"^(错误：|Error: )", "", str(exc))
                self.stderr.write(f"错误：{message}")
            sys.exit(exc.returncode)
        finally:
            connections.close_all()
