"""A missing anchor is a failure, not a pass (issue 6, item 7).

Decided: the first entry ever written creates the anchor (after commit) and leaves a marker
in the database that entries once existed. `verify` then passes without an anchor only for
an empty trail on a database that never had an entry (a fresh install); a missing anchor
with entries, or with a marker and no entries, fails until the operator re-anchors with
`--reset-anchor`. A later write never re-creates a missing anchor: that would bless a cut."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tanhua.audit import anchor, services
from tanhua.audit.models import AuditEntry, AuditTrailStart
from tanhua.audit.testing import tamper
from tanhua.audit.verify import verify


@pytest.fixture
def keydir(db, settings, tmp_path):
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    settings.AUDIT_ANCHOR_FILE = ""
    return tmp_path


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Record as a request would: the anchor moves when the transaction commits."""

    def run(n: int, action: str = "org.update") -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(n):
                services.record(action, object_type="organization", object_id=f"O{i}")

    return run


def _verify_command(capsys) -> tuple[int, str, str]:
    try:
        call_command("audit", "verify")
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_cut_off_tail_with_the_anchor_deleted_fails(keydir, commit, capsys):
    commit(6)
    tamper("DELETE FROM audit_auditentry WHERE seq > 4")
    anchor.path().unlink()
    report = verify()
    assert not report.ok
    assert report.problem.startswith("找不到外部锚点")
    assert "数据库中有 4 条审计记录" in report.problem
    code, out, err = _verify_command(capsys)
    assert code == 1
    assert "尚无外部锚点" not in out
    assert "--reset-anchor" in err


def test_a_wiped_trail_with_the_anchor_deleted_fails(keydir, commit, capsys):
    commit(3)
    tamper("DELETE FROM audit_auditentry")
    anchor.path().unlink()
    report = verify()
    assert not report.ok
    assert report.problem.startswith("审计记录已全部缺失")
    code, _out, err = _verify_command(capsys)
    assert code == 1
    assert "审计记录已全部缺失" in err


def test_a_fresh_install_with_an_empty_trail_and_no_anchor_passes(keydir, capsys):
    report = verify()
    assert (report.ok, report.count, report.anchor) == (True, 0, None)
    code, out, _err = _verify_command(capsys)
    assert code == 0
    assert "尚无审计记录" in out


def test_the_first_entry_creates_the_anchor_and_the_marker(keydir, commit):
    assert not AuditTrailStart.objects.exists()
    commit(1)
    first = AuditEntry.objects.get(seq=1)
    assert anchor.read() == anchor.Anchor(1, first.mac)
    assert AuditTrailStart.objects.get().first_mac == first.mac


def test_a_deleted_anchor_is_not_recreated_by_a_later_write(keydir, commit):
    commit(6)
    tamper("DELETE FROM audit_auditentry WHERE seq > 4")
    anchor.path().unlink()
    commit(2, action="after.the.cut")
    assert anchor.read() is None
    assert not verify().ok


def test_reset_anchor_re_anchors_a_checked_chain_whose_anchor_is_missing(keydir, commit, capsys):
    commit(4)
    anchor.path().unlink()
    call_command("audit", "verify", "--reset-anchor")
    assert anchor.read() == anchor.Anchor(4, AuditEntry.objects.get(seq=4).mac)
    code, out, _err = _verify_command(capsys)
    assert code == 0 and "外部锚点：第 4 条" in out


def test_reset_anchor_on_an_emptied_trail_anchors_it_at_zero_and_writes_continue(
    keydir, commit, capsys
):
    commit(2)
    tamper("DELETE FROM audit_auditentry")
    anchor.path().unlink()
    call_command("audit", "verify", "--reset-anchor")
    assert anchor.read() == anchor.Anchor(0, services.GENESIS)
    assert verify().ok
    commit(2)
    assert anchor.read() == anchor.Anchor(2, AuditEntry.objects.get(seq=2).mac)
    assert verify().ok


def test_the_anchor_file_can_live_elsewhere(keydir, commit, settings, tmp_path):
    elsewhere = tmp_path / "other-volume" / "tanhua-anchor.json"
    settings.AUDIT_ANCHOR_FILE = str(elsewhere)
    commit(2)
    assert anchor.path() == elsewhere
    assert elsewhere.exists()
    assert not list(keydir.glob("audit-anchor-*.json"))
    elsewhere.unlink()
    assert not verify().ok


def test_a_database_that_had_entries_before_the_marker_existed_gets_one(keydir):
    from importlib import import_module

    from django.apps import apps

    services.record("org.update")
    AuditTrailStart.objects.all().delete()
    migration = import_module("tanhua.audit.migrations.0004_audit_trail_start")
    migration.mark_existing_trail(apps, None)
    assert AuditTrailStart.objects.get().first_mac == AuditEntry.objects.get(seq=1).mac


def test_reset_anchor_into_an_unwritable_place_says_so_in_chinese(keydir, commit, settings):
    from django.core.management.base import CommandError

    commit(1)
    blocker = keydir / "not-a-directory"
    blocker.write_text("")
    settings.AUDIT_ANCHOR_FILE = str(blocker / "anchor.json")
    with pytest.raises(CommandError, match="无法写入外部锚点文件"):
        call_command("audit", "verify", "--reset-anchor")


def test_a_crash_between_the_first_commit_and_its_anchor_still_verifies(
    keydir, commit, monkeypatch
):
    # The process dies after the first entries commit, before advance() writes the anchor.
    monkeypatch.setattr(anchor, "advance", lambda *a, **k: None)
    commit(3)
    assert anchor.read() == anchor.Anchor(0, services.GENESIS)
    report = verify()
    assert report.ok, report.problem
    assert report.count == 3
