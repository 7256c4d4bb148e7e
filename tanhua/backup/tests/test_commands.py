"""`tanhua backup` and `tanhua restore`: Chinese help, and every bad input a clear error."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tanhua import cli
from tanhua.backup import passphrase

pytestmark = pytest.mark.django_db(transaction=True)
PASS = "a passphrase of some length"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_both_verbs_are_listed_and_explain_themselves_in_chinese(capsys):
    assert cli.main(["--help"]) == 0
    listing = capsys.readouterr().out
    assert "backup" in listing and "restore" in listing
    assert cli.main(["backup", "--help"]) == 0
    text = capsys.readouterr().out
    assert "用法：" in text and "--verify" in text and "审计密钥不在备份中" in text
    assert cli.main(["restore", "--help"]) == 0
    assert "空数据库" in capsys.readouterr().out


def test_backup_needs_exactly_one_of_out_and_verify(home, tmp_path):
    with pytest.raises(CommandError, match="--out FILE"):
        run("backup")
    with pytest.raises(CommandError, match="之一"):
        run("backup", "--out", str(tmp_path / "a"), "--verify", str(tmp_path / "b"))


def test_backup_and_verify_round_trip_through_the_command(world, home, tmp_path):
    out = tmp_path / "nightly.tar.gz"
    text = run("backup", "--out", str(out))
    assert "备份完成" in text and "未加密" in text
    text = run("backup", "--verify", str(out))
    assert "备份完好" in text and "已用审计密钥确认" in text


def test_backup_refuses_to_overwrite_an_existing_file(home, tmp_path):
    out = tmp_path / "exists.tar.gz"
    out.write_bytes(b"yesterday")
    with pytest.raises(CommandError, match="已存在"):
        run("backup", "--out", str(out))
    assert out.read_bytes() == b"yesterday"


def test_backup_into_a_missing_directory_says_so(home, tmp_path):
    with pytest.raises(CommandError, match=r"目录.*不存在"):
        run("backup", "--out", str(tmp_path / "nope" / "a.tar.gz"))


def test_backup_refuses_to_write_into_a_stored_file_folder(home):
    (home / "media").mkdir(parents=True)
    with pytest.raises(CommandError, match="不能放在存储目录"):
        run("backup", "--out", str(home / "media" / "a.tar.gz"))


def test_an_encrypted_backup_takes_its_passphrase_from_a_file(world, home, tmp_path):
    secret = tmp_path / "pass"
    secret.write_text(PASS + "\n")
    out = tmp_path / "enc.tanhua"
    assert "已加密" in run("backup", "--out", str(out), "--passphrase-file", str(secret))
    assert "备份完好" in run("backup", "--verify", str(out), "--passphrase-file", str(secret))


def test_an_encrypted_backup_takes_its_passphrase_from_the_environment(
    world, home, tmp_path, monkeypatch
):
    monkeypatch.setenv(passphrase.ENV, PASS)
    out = tmp_path / "enc.tanhua"
    assert "已加密" in run("backup", "--out", str(out), "--encrypt")
    assert "备份完好" in run("backup", "--verify", str(out))


def test_without_a_terminal_an_encrypted_backup_needs_a_passphrase_source(
    home, tmp_path, monkeypatch
):
    monkeypatch.delenv(passphrase.ENV, raising=False)
    with pytest.raises(CommandError, match="--passphrase-file"):
        run("backup", "--out", str(tmp_path / "a"), "--encrypt")


def test_a_wrong_passphrase_is_named_as_such(world, home, tmp_path, monkeypatch):
    monkeypatch.setenv(passphrase.ENV, PASS)
    out = tmp_path / "enc.tanhua"
    run("backup", "--out", str(out), "--encrypt")
    monkeypatch.setenv(passphrase.ENV, "not the passphrase at all")
    with pytest.raises(CommandError, match="口令错误"):
        run("backup", "--verify", str(out))
    with pytest.raises(CommandError, match="口令错误"):
        run("restore", str(out))


def test_a_short_or_empty_passphrase_is_refused(home, tmp_path):
    short = tmp_path / "short"
    short.write_text("abc")
    with pytest.raises(CommandError, match="至少需要 10 个字符"):
        run("backup", "--out", str(tmp_path / "a"), "--passphrase-file", str(short))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(CommandError, match="第一行是空的"):
        run("backup", "--out", str(tmp_path / "a"), "--passphrase-file", str(empty))
    with pytest.raises(CommandError, match=r"口令文件.*不存在"):
        run("backup", "--out", str(tmp_path / "a"), "--passphrase-file", str(tmp_path / "x"))


def test_verify_and_restore_name_a_missing_or_foreign_file(home, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        run("backup", "--verify", str(tmp_path / "missing.tar.gz"))
    with pytest.raises(CommandError, match="不存在"):
        run("restore", str(tmp_path / "missing.tar.gz"))
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup")
    with pytest.raises(CommandError, match="不是 Tanhua 备份文件"):
        run("backup", "--verify", str(notes))
    with pytest.raises(CommandError, match="不是 Tanhua 备份文件"):
        run("restore", str(notes))


def test_restore_into_a_database_with_data_is_refused(world, home, tmp_path):
    out = tmp_path / "a.tar.gz"
    run("backup", "--out", str(out))
    with pytest.raises(CommandError, match="目标数据库不是空的"):
        run("restore", str(out))


def test_the_command_line_exits_non_zero_with_the_message_on_stderr(home, tmp_path, capsys):
    assert cli.main(["restore", str(tmp_path / "missing.tar.gz")]) != 0
    assert "不存在" in capsys.readouterr().err
