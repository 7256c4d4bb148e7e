"""The anchor outside the database catches a cut-off tail; `tanhua audit verify|export`."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from tanhua.audit import anchor, services
from tanhua.audit.models import AuditEntry
from tanhua.audit.testing import tamper
from tanhua.audit.verify import verify


@pytest.fixture
def keydir(db, settings, tmp_path):
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    return tmp_path


def _committed(capture, n: int, action: str = "org.update") -> None:
    """Record as a request would: the anchor moves when the transaction commits."""
    with capture(execute=True):
        for i in range(n):
            services.record(action, object_type="organization", object_id=f"O{i}")


def test_the_anchor_follows_the_last_committed_entry(keydir, django_capture_on_commit_callbacks):
    _committed(django_capture_on_commit_callbacks, 4)
    last = AuditEntry.objects.order_by("-seq").first()
    assert anchor.read() == anchor.Anchor(4, last.mac)
    assert anchor.path().parent == keydir
    assert json.loads(anchor.path().read_text()) == {"seq": 4, "mac": last.mac}


def test_the_anchor_never_moves_back(keydir, django_capture_on_commit_callbacks):
    _committed(django_capture_on_commit_callbacks, 3)
    entry = AuditEntry.objects.get(seq=2)
    anchor.advance(2, entry.mac)  # a slower writer's late callback
    assert anchor.read().seq == 3


def test_no_anchor_moves_for_a_rolled_back_entry(keydir, django_capture_on_commit_callbacks):
    from django.db import transaction

    _committed(django_capture_on_commit_callbacks, 2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.record("org.update")
            raise RuntimeError("the business change failed")
    assert callbacks == []
    assert anchor.read().seq == 2


def test_verify_notices_a_cut_off_tail_through_the_anchor(
    keydir, django_capture_on_commit_callbacks
):
    _committed(django_capture_on_commit_callbacks, 6)
    tamper("DELETE FROM audit_auditentry WHERE seq > 4")
    report = verify()
    assert not report.ok
    assert report.problem == "审计记录末尾缺失：外部锚点记录到第 6 条，数据库只到第 4 条"
    assert report.bad_seq == 5


def test_verify_notices_a_cut_off_tail_that_grew_again(keydir, django_capture_on_commit_callbacks):
    _committed(django_capture_on_commit_callbacks, 6)
    tamper("DELETE FROM audit_auditentry WHERE seq > 3")
    _committed(django_capture_on_commit_callbacks, 5, action="later")
    # The anchor stays as evidence: the entry it names is gone.
    assert anchor.read().seq == 6
    report = verify()
    assert (report.ok, report.bad_seq) == (False, 6)
    assert "与外部锚点不符" in report.problem


def test_a_lagging_anchor_is_no_problem(keydir, django_capture_on_commit_callbacks):
    _committed(django_capture_on_commit_callbacks, 2)
    services.record("org.update")  # committed, callback not (yet) run
    report = verify()
    assert report.ok and report.last_seq == 3 and report.anchor.seq == 2


def test_command_verify_prints_count_and_last_seq(
    keydir, django_capture_on_commit_callbacks, capsys
):
    _committed(django_capture_on_commit_callbacks, 5)
    call_command("audit", "verify", "--batch-size", "2")
    out = capsys.readouterr().out
    assert "审计链完整：共 5 条记录，最后一条为第 5 条；外部锚点：第 5 条" in out


def test_command_verify_exits_non_zero_naming_the_first_changed_entry(keydir, capsys):
    for i in range(5):
        services.record("org.update", object_id=str(i))
    tamper("UPDATE audit_auditentry SET username = 'someone' WHERE seq = 2")
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify")
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "第 2 条审计记录被篡改" in err
    assert "此前 1 条记录完好" in err


def test_command_reset_anchor_reanchors_an_intact_chain(
    keydir, django_capture_on_commit_callbacks, capsys
):
    _committed(django_capture_on_commit_callbacks, 5)
    tamper("DELETE FROM audit_auditentry WHERE seq > 3")  # as a restored older backup would
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    call_command("audit", "verify", "--reset-anchor")
    assert anchor.read() == anchor.Anchor(3, AuditEntry.objects.get(seq=3).mac)
    call_command("audit", "verify")
    assert "最后一条为第 3 条" in capsys.readouterr().out


def test_a_damaged_anchor_file_is_reported_not_ignored(keydir):
    services.record("org.update")
    anchor.path().write_text("not json")
    with pytest.raises(CommandError, match="锚点文件"):
        call_command("audit", "verify")


def test_command_export_writes_the_filtered_entries_and_audits_itself(keydir, tmp_path):
    services.record("org.update", object_id="A", object_repr="=cmd|' /C calc'!A0")
    services.record("cadre.read", object_id="GK11")
    services.record("org.create", object_id="B")
    out = tmp_path / "log.xlsx"
    call_command("audit", "export", "--out", str(out), "--action", "org.")
    rows = list(load_workbook(out, read_only=True)["audit_log"].iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "时间", "用户")
    assert [r[8] for r in rows[1:]] == ["A", "B"]
    assert rows[1][9] == "'=cmd|' /C calc'!A0"
    last = AuditEntry.objects.order_by("-seq").first()
    assert last.action == "export" and last.object_type == "audit_log"
    assert last.detail["rows"] == 2
    assert last.detail["filters"]["action"] == "org."
    assert last.detail["filters"]["via"] == "cli"


def test_command_export_refuses_bad_input_with_a_chinese_message(keydir, tmp_path):
    with pytest.raises(CommandError, match=r"\.xlsx"):
        call_command("audit", "export", "--out", str(tmp_path / "log.csv"))
    with pytest.raises(CommandError, match="起始日期不能晚于截止日期"):
        call_command(
            "audit",
            "export",
            "--out",
            str(tmp_path / "x.xlsx"),
            "--since",
            "2026-02-01",
            "--until",
            "2026-01-01",
        )
    assert not AuditEntry.objects.exists()


def test_command_export_cuts_an_oversized_value_to_excels_cell_limit(keydir, tmp_path):
    services.record("org.update", object_id="BIG", after={"text": "长" * 40000})
    out = tmp_path / "log.xlsx"
    call_command("audit", "export", "--out", str(out))
    rows = list(load_workbook(out, read_only=True)["audit_log"].iter_rows(values_only=True))
    after = rows[1][12]
    assert len(after) <= 32767
    assert after.startswith('{"text": "长') and after.endswith("［已截断］")
