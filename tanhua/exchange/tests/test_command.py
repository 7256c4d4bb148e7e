"""`tanhua import FILE… [--dry-run]`: the management command behind the verb (called through
call_command, since the console script closes the database connection the test runs in)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tanhua import cli
from tanhua.org.models import Organization

from .conftest import ORG_HEADER


@pytest.fixture
def org_csv(write):
    return write("organizations.csv", [ORG_HEADER, ["P9", "样省", "省", "", ""]])


def test_import_prints_counts_and_exits_zero(db, org_csv, capsys):
    call_command("import_files", str(org_csv))
    out = capsys.readouterr().out
    assert "组织（organizations）: 新增 1，更新 0，未变 0" in out
    assert Organization.objects.filter(code="P9").exists()


def test_a_dry_run_checks_and_writes_nothing(db, org_csv, capsys):
    call_command("import_files", "--dry-run", str(org_csv))
    assert "新增 1" in capsys.readouterr().out
    assert not Organization.objects.filter(code="P9").exists()


def test_a_rejected_import_exits_non_zero_with_one_line_per_problem(db, write, capsys):
    bad = write(
        "organizations.csv", [ORG_HEADER, ["P9", "", "省", "", ""], ["C9", "市", "市", "NO", ""]]
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("import_files", str(bad))
    assert exit_.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        "organizations.csv 第2行 name: “name”不能为空",
        "organizations.csv 第3行 parent_code: 上级编码“NO”不存在",
    ]
    assert not Organization.objects.exists()


def test_the_import_verb_runs_this_command():
    app, command, _text = cli.VERBS["import"]
    assert (app.rsplit(".", 1)[-1], command) == ("exchange", "import_files")


def test_help_is_in_chinese(capsys):
    assert cli.main(["import", "--help"]) == 0
    out = capsys.readouterr().out
    assert "导入组织" in out and "只校验" in out
