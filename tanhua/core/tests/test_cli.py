"""The `tanhua` console script as a user meets it: Chinese usage, help and errors on every
verb, help that never breaks a word, and the production guard of `tanhua serve`."""

from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command, load_command_class

from tanhua import cli
from tanhua.core.commands import check_port, display_width, wrap

# What argparse and Django say when nobody translated them.
ENGLISH_BOILERPLATE = [
    "usage:",
    "options:",
    "positional arguments",
    "optional arguments",
    "show this help message",
    "error:",
    "subcommands",
    "Show program's version",
    "Verbosity level",
    "Display a full stack trace",
    "Don't colorize",
    "Skip system checks",
    "CommandError",
]


def parsers(verb: str):
    """(name, parser) of the verb and of each of its subcommands, at any depth."""
    app, command, _text = cli.VERBS[verb]
    stack = [(f"tanhua {verb}", load_command_class(app, command).create_parser("tanhua", verb))]
    while stack:
        name, parser = stack.pop()
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack += [(f"{name} {sub}", p) for sub, p in action.choices.items()]


ALL_PARSERS = [(name, parser) for verb in sorted(cli.VERBS) for name, parser in parsers(verb)]


def test_tanhua_without_a_verb_prints_every_verb_and_exits_2(capsys):
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：tanhua VERB")
    for verb in cli.VERBS:
        assert verb in err


def test_tanhua_help_prints_every_verb_and_exits_0(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(verb in out for verb in cli.VERBS)


def test_an_unknown_verb_is_refused_with_exit_code_2(capsys):
    assert cli.main(["frobnicate"]) == 2
    assert "未知命令" in capsys.readouterr().err


def test_the_walk_reaches_every_verb_and_the_subcommands():
    names = {name for name, _parser in ALL_PARSERS}
    assert {f"tanhua {verb}" for verb in cli.VERBS} <= names
    assert {"tanhua user add", "tanhua user list", "tanhua audit verify"} <= names


@pytest.mark.parametrize(("name", "parser"), ALL_PARSERS, ids=[n for n, _p in ALL_PARSERS])
def test_help_of_every_verb_and_subcommand_has_no_english_argparse_words(name, parser, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = parser.format_help()
    assert text.startswith(f"用法：{name}")
    for phrase in ENGLISH_BOILERPLATE:
        assert phrase.lower() not in text.lower(), f"{name}: {phrase!r}"
    assert "显示本帮助并退出" in text


@pytest.mark.parametrize(("name", "parser"), ALL_PARSERS, ids=[n for n, _p in ALL_PARSERS])
def test_help_never_breaks_an_english_word_nor_runs_past_the_terminal(name, parser, monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    text = parser.format_help()
    # A narrow terminal wraps more, so it is where argparse broke "org anization".
    flat = " ".join(text.split())
    for action in parser._actions:
        if not action.help or action.help is argparse.SUPPRESS:
            continue
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]", action.help):
            assert re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", flat), (name, word)
    for line in text.splitlines():
        if not line.startswith("用法"):  # argparse keeps an over-long option list on one line
            assert display_width(line) <= 70 or " " not in line.strip(), (name, line)


def test_role_list_in_user_add_help_keeps_each_role_name_whole(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert cli.main(["user", "add", "--help"]) == 0
    out = capsys.readouterr().out
    for role in ("organization（组织部工作人员）", "sysadmin", "secadmin", "submitter"):
        assert role in out


def test_wrap_breaks_between_chinese_characters_but_never_inside_an_english_word():
    lines = wrap("角色：commission（纪委监委工作人员）、organization（组织部工作人员）", 24)
    assert all(display_width(line) <= 24 for line in lines)
    joined = "".join(lines)
    assert "commission" in joined and "organization" in joined
    assert not any(line.startswith(("、", "）", "，")) for line in lines)
    assert not any(line.endswith("（") for line in lines)


def test_wrap_keeps_an_over_long_word_whole_on_its_own_line():
    assert wrap("见 https://tanhua.example.gov/api/v1/openapi.json 说明", 12) == [
        "见",
        "https://tanhua.example.gov/api/v1/openapi.json",
        "说明",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["user", "add", "x1", "--org"], "错误：参数 --org：需要一个值"),
        (["user", "add", "x1", "--org", "C1"], "错误：缺少必需参数：--role"),
        (["user", "frob"], "错误：未知的子命令 'frob'"),
        (["audit"], "错误：请指定子命令：verify,export"),
        (["user"], "错误：请指定子命令：add,disable,enable,reset-password,list"),
        (["token"], "错误：缺少必需参数：NAME"),
        (["serve", "--port", "abc"], "错误：参数 --port：端口“abc”不是整数"),
        (["demo", "--port", "70000"], "错误：参数 --port：端口 70000 超出范围"),
        (["import", "--bogus", "x.csv"], "错误：无法识别的参数：--bogus"),
        (["audit", "verify", "--batch-size", "x"], "错误：参数 --batch-size：'x' 不是整数"),
    ],
)
def test_a_command_line_mistake_is_usage_and_one_chinese_error_line_with_exit_2(
    argv, message, capsys
):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：tanhua ")
    last = err.rstrip("\n").splitlines()[-1]
    assert last.startswith(message) and last.endswith("--help 查看用法）")
    assert "Traceback" not in err and "error:" not in err


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_one_chinese_line_without_the_exception_name(capsys):
    assert cli.main(["token", "nobody"]) == 1
    assert capsys.readouterr().err == "错误：用户“nobody”不存在\n"


@pytest.mark.django_db(transaction=True)
def test_migrate_reports_in_chinese_and_refuses_an_unknown_app_in_chinese(capsys):
    assert cli.main(["migrate"]) == 0
    assert "结构已是最新" in capsys.readouterr().out
    assert cli.main(["migrate", "nope"]) == 1
    assert capsys.readouterr().err == "错误：没有标签为“nope”的应用。\n"
    assert cli.main(["migrate", "--check"]) == 0


def test_migrate_is_the_verb_and_the_management_command_with_chinese_help():
    app, command, _text = cli.VERBS["migrate"]
    parser = load_command_class(app, command).create_parser("manage.py", "migrate")
    assert "创建或升级数据库结构" in parser.format_help()


def test_a_port_in_use_is_refused_in_chinese_naming_the_port_option():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(CommandError, match=rf"端口 {port} 已被占用.*--port"):
            check_port("127.0.0.1", port, verb="demo")
    check_port("127.0.0.1", port, verb="demo")  # free again once released


def test_serve_checks_its_port_before_starting(settings):
    settings.DEMO_MODE = True  # past the production guard, which has tests of its own
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(CommandError, match=rf"端口 {port} 已被占用.*tanhua serve --port"):
            call_command("serve", "--port", str(port))


def test_an_unknown_host_is_refused_in_chinese_naming_the_host_option():
    with pytest.raises(CommandError, match="--host"):
        check_port("no-such-host.invalid", 8000, verb="serve")


# Every verb's help from the console script's entry point, in one child process (a process
# per verb spent most of a minute starting Python and Django eighteen times).
_HELP_OF_EVERY_VERB = """
import contextlib, io, json, sys
from tanhua import cli
out = {}
for verb in sorted(cli.VERBS):
    buf, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        try:
            code = cli.main([verb, "--help"])
        except SystemExit as exc:
            code = exc.code
    out[verb] = [code, buf.getvalue(), err.getvalue()]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def help_of_every_verb() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _HELP_OF_EVERY_VERB],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("verb", sorted(cli.VERBS))
def test_every_verb_answers_help_from_the_console_script_in_chinese(verb, help_of_every_verb):
    code, stdout, stderr = help_of_every_verb[verb]
    assert code in (0, None), stderr
    assert stdout.startswith(f"用法：tanhua {verb}")
    assert "usage:" not in stdout and "options:" not in stdout


def test_a_bad_environment_variable_is_one_chinese_line_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tanhua.cli", "user", "list"],
        env={"PATH": "/usr/bin:/bin", "TANHUA_HOME": str(tmp_path), "TANHUA_DEBUG": "maybe"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("错误：配置有误") and "TANHUA_DEBUG" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_start_with_the_default_secret_key(settings):
    settings.DEMO_MODE = False
    settings.DEBUG = False
    settings.SECRET_KEY_IS_DEFAULT = True
    with pytest.raises(CommandError, match="TANHUA_SECRET_KEY"):
        call_command("serve")


def test_serve_refuses_to_start_with_debug_on(settings):
    settings.DEMO_MODE = False
    settings.DEBUG = True
    settings.SECRET_KEY = "x" * 60
    settings.SECRET_KEY_IS_DEFAULT = False
    with pytest.raises(CommandError, match="TANHUA_DEBUG"):
        call_command("serve")


def test_version_names_tanhua_not_django(capsys):
    assert cli.main(["user", "--version"]) == 0
    assert capsys.readouterr().out.startswith("tanhua ")


def test_a_reader_that_leaves_early_gets_no_traceback():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tanhua.cli", "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # as `tanhua --help | head -0` would, before the script writes
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert b"Traceback" not in err
