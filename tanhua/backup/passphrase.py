"""Where the operator's passphrase comes from: a file, an environment variable, or a prompt.

Never from the command line itself, where it would show in the process list and the shell's
history.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from django.core.management.base import CommandError

ENV = "TANHUA_BACKUP_PASSPHRASE"


def from_file(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CommandError(f"口令文件“{path}”不存在") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"无法读取口令文件“{path}”：{exc}") from exc
    lines = text.splitlines()
    passphrase = lines[0] if lines else ""
    if not passphrase:
        raise CommandError(f"口令文件“{path}”的第一行是空的")
    return passphrase


def obtain(passphrase_file: str | None, *, confirm: bool, required: bool) -> str | None:
    """The passphrase, or None when none was given and none is required."""
    if passphrase_file:
        return from_file(passphrase_file)
    if os.environ.get(ENV):
        return os.environ[ENV]
    if not required:
        return None
    if not sys.stdin.isatty():
        raise CommandError(f"需要口令：请用 --passphrase-file 指定口令文件，或设置环境变量 {ENV}")
    first = getpass.getpass("备份口令：")
    if confirm and getpass.getpass("再输入一次：") != first:
        raise CommandError("两次输入的口令不一致")
    return first
