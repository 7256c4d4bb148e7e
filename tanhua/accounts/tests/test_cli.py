"""`tanhua user …`: creating accounts from the command line, with Chinese errors."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tanhua import cli
from tanhua.accounts.models import User
from tanhua.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("user", *args, stdout=out)
    return out.getvalue()


def test_user_add_creates_the_account_and_prints_a_working_one_time_password(world):
    out = run(
        "add",
        "zhangsan",
        "--role",
        "commission",
        "--role",
        "recorder",
        "--org",
        "C1",
        "--clearance",
        "秘密",
        "--full-name",
        "张三",
    )
    password = out.strip().splitlines()[-1]
    user = User.objects.get(username="zhangsan")
    assert user.check_password(password) and len(password) >= 10
    assert user.must_change_password
    assert user.organization.code == "C1" and user.clearance == 2
    assert sorted(user.role_names) == ["commission", "recorder"]
    assert AuditEntry.objects.filter(action="user.create", object_id="zhangsan").exists()


def test_user_add_accepts_english_clearance_names_and_a_cadre(world):
    run(
        "add",
        "talker2",
        "--role",
        "talker",
        "--org",
        "C1",
        "--clearance",
        "confidential",
        "--cadre",
        "GC1M",
    )
    user = User.objects.get(username="talker2")
    assert user.clearance == 3 and user.cadre.code == "GC1M"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "x1", "--role", "commission", "--org", "NOPE"], "组织编码“NOPE”不存在"),
        (["add", "x1", "--role", "boss", "--org", "C1"], "未知角色“boss”"),
        (["add", "commission_c1", "--role", "viewer", "--org", "C1"], "已存在"),
        (["add", "x1", "--role", "secadmin", "--role", "viewer", "--org", "P"], "三员分立"),
        (["add", "x1", "--role", "viewer", "--org", "C1", "--clearance", "绝密"], "涉密等级"),
        (["add", "x1", "--role", "talker", "--org", "C1", "--cadre", "G404"], "干部编号"),
        (["add", "x1", "--org", "C1"], "缺少必需参数"),
        (["disable", "nobody"], "不存在"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_written(world, args, message):
    before = User.objects.count()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert User.objects.count() == before


def test_the_console_script_exits_non_zero_without_a_traceback(world, capsys):
    code = cli.main(["user", "add", "x2", "--role", "commission", "--org", "NOPE"])
    err = capsys.readouterr().err
    assert code != 0
    assert "组织编码“NOPE”不存在" in err and "Traceback" not in err


def test_user_add_help_is_in_chinese(capsys):
    assert cli.main(["user", "add", "--help"]) == 0
    out = capsys.readouterr().out
    assert "用法：tanhua user add" in out and "所属组织编码" in out and "涉密等级" in out


def test_disable_reset_and_enable_from_the_command_line(world):
    assert "已停用" in run("disable", "commission_c1")
    assert not User.objects.get(username="commission_c1").is_active
    out = run("reset-password", "commission_c1")
    assert User.objects.get(username="commission_c1").check_password(out.strip().splitlines()[-1])
    run("enable", "commission_c1")
    assert User.objects.get(username="commission_c1").is_active
    listing = run("list")
    assert re.search(r"^commission_c1 +C1 +commission +启用$", listing, re.M)
