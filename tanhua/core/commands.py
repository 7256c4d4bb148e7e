"""The base of every `tanhua` verb: argparse's own words in Chinese, like the rest of the UI."""

from __future__ import annotations

import argparse
import re

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)

HELP_TEXT = "显示本帮助并退出"
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

_ARGPARSE_WORDS = [
    (re.compile(r"the following arguments are required: "), "缺少必需参数："),
    (re.compile(r"unrecognized arguments: "), "无法识别的参数："),
    (re.compile(r"^argument ([^:]+): "), r"参数 \1："),
    (re.compile(r"invalid choice: "), "无效的选项："),
    (re.compile(r"expected one argument"), "需要一个值"),
]


class ChineseHelpFormatter(DjangoHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法: ")


class ChineseCommandParser(CommandParser):
    def error(self, message):
        for pattern, text in _ARGPARSE_WORDS:
            message = pattern.sub(text, message)
        if self.called_from_command_line:
            self.print_usage(argparse._sys.stderr)
            self.exit(2, f"{self.prog}: 错误：{message}\n")
        raise CommandError(f"错误：{message}")


def localize(parser: argparse.ArgumentParser) -> None:
    """argparse's own section titles and Django's common options, in Chinese."""
    parser._positionals.title = "位置参数"
    parser._optionals.title = "选项"
    for action in parser._actions:
        if action.dest in _BASE_HELP:
            action.help = _BASE_HELP[action.dest]


class TanhuaCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a CommandParser; ours only overrides error(), so re-classing the
        # finished parser keeps Django's construction instead of copying it.
        parser.__class__ = ChineseCommandParser
        localize(parser)
        return parser
