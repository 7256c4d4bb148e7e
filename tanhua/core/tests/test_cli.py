"""The `tanhua` console script and the production guard of `tanhua serve`."""

import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tanhua import cli


def test_tanhua_without_a_verb_prints_every_verb(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    for verb in cli.VERBS:
        assert verb in out


def test_an_unknown_verb_is_refused_with_exit_code_2(capsys):
    assert cli.main(["frobnicate"]) == 2
    assert "未知命令" in capsys.readouterr().err


@pytest.mark.parametrize("verb", sorted(cli.VERBS))
def test_every_verb_answers_help(verb):
    result = subprocess.run(
        [sys.executable, "-m", "tanhua.cli", verb, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"tanhua {verb}" in result.stdout


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
