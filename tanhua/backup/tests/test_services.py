"""create_backup / verify_backup / restore_backup in process, on the suite's database engine.

Transactional: PostgreSQL's pg_dump reads from its own session, so the data must be
committed; the audit plugin empties the trail before each test's flush.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from tanhua.accounts.models import User
from tanhua.audit import anchor as anchors
from tanhua.audit import services as audit
from tanhua.audit.models import AuditEntry
from tanhua.audit.testing import clear_trail_for_flush
from tanhua.audit.verify import verify
from tanhua.backup import digest, engines, services
from tanhua.backup.tests.conftest import manifest_of, put_file, read_members, rewrite_manifest
from tanhua.core.testing import build_world
from tanhua.org.models import Cadre, Organization, Position
from tanhua.org.services import update_cadre

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filled(home):
    """The test world, some audited work, and two stored files (one with a Chinese name)."""
    world = build_world()
    cadre = Cadre.objects.unscoped("test setup").order_by("code").first()
    update_cadre(actor=None, cadre=cadre, name="改过的名字")
    put_file(home, "imports/1/干部.csv", "code,name\nG1,张三\n".encode())
    put_file(home, "attachments/a/b.bin", bytes(range(256)) * 10)
    return world


def test_a_backup_lists_every_table_with_its_rows_hash_and_every_file(filled, tmp_path):
    out = tmp_path / "nightly.tar.gz"
    report = services.create_backup(out=out)
    manifest = manifest_of(out)
    tables = manifest["tables"]
    assert set(tables) == set(digest.table_names("default"))
    assert tables["org_cadre"]["rows"] == Cadre.objects.unscoped("test").count()
    assert tables["org_position"]["rows"] == Position.objects.unscoped("test").count()
    assert tables["org_organization"]["rows"] == Organization.objects.count()
    assert tables["accounts_user"]["rows"] == User.objects.count()
    assert all(len(t["sha256"]) == 64 for t in tables.values())
    assert "files/media/imports/1/干部.csv" in manifest["members"]
    assert "files/media/attachments/a/b.bin" in manifest["members"]
    assert manifest["engine"] == connection.vendor
    assert "org.0001_initial" in manifest["migrations"]
    assert report.files == 2 and report.rows == sum(t["rows"] for t in tables.values())
    assert not report.encrypted and out.stat().st_size == report.size


def test_the_audit_key_is_never_in_an_archive(filled, tmp_path, settings):
    out = tmp_path / "b.tar.gz"
    services.create_backup(out=out)
    key = audit.key()
    for name, data in read_members(out).items():
        assert key not in data, name
        assert "key" not in name
    assert settings.AUDIT_HMAC_KEY.encode() == key


def test_the_archive_anchor_is_the_copys_last_audit_entry(filled, tmp_path):
    last = AuditEntry.objects.order_by("-seq").first()
    out = tmp_path / "c.tar.gz"
    services.create_backup(out=out)
    members = read_members(out)
    assert members[services.ANCHOR] == f'{{"seq": {last.seq}, "mac": "{last.mac}"}}'.encode()
    assert manifest_of(out)["audit"] == {"entries": last.seq, "last_seq": last.seq}


def test_a_backup_is_audited_as_an_export_after_the_copy(filled, tmp_path):
    before = AuditEntry.objects.count()
    out = tmp_path / "d.tar.gz"
    report = services.create_backup(out=out)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.seq == before + 1
    assert (entry.action, entry.object_type, entry.object_id) == ("export", "backup", out.name)
    assert entry.detail["filters"]["sha256"] == report.sha256
    assert entry.detail["filters"]["audit_last_seq"] == before


def test_a_good_archive_verifies_with_a_confirmed_signature(filled, tmp_path):
    out = tmp_path / "e.tar.gz"
    services.create_backup(out=out, passphrase="a long enough passphrase")
    report = services.verify_backup(archive=out, passphrase="a long enough passphrase")
    assert report.signed and report.warnings == []
    assert report.manifest["tables"]["org_cadre"]["rows"] == Cadre.objects.unscoped("t").count()


def test_verify_refuses_an_archive_whose_file_was_altered(filled, tmp_path):
    out = tmp_path / "f.tar.gz"
    services.create_backup(out=out)
    members = read_members(out)
    members["files/media/imports/1/干部.csv"] = "code,name\nG1,李四\n".encode()
    from tanhua.backup.tests.conftest import write_members

    write_members(out, members)
    with pytest.raises(services.BackupError, match=r"干部\.csv”的哈希与清单不符"):
        services.verify_backup(archive=out)


def test_verify_refuses_a_manifest_rewritten_without_the_audit_key(filled, tmp_path):
    out = tmp_path / "g.tar.gz"
    services.create_backup(out=out)

    def change(m):
        m["tables"]["org_cadre"]["rows"] += 1

    rewrite_manifest(out, change, key=b"someone-elses-key-0123456789")
    with pytest.raises(services.BackupError, match="清单签名与当前审计密钥不符"):
        services.verify_backup(archive=out)


def test_verify_refuses_a_manifest_edited_in_place(filled, tmp_path):
    out = tmp_path / "h.tar.gz"
    services.create_backup(out=out)
    rewrite_manifest(out, lambda m: m.update(created_at="2020-01-01"), key=None)
    with pytest.raises(services.BackupError, match="清单的哈希不符"):
        services.verify_backup(archive=out)


def test_verify_refuses_an_extra_member_and_a_missing_one(filled, tmp_path):
    from tanhua.backup.tests.conftest import write_members

    out = tmp_path / "i.tar.gz"
    services.create_backup(out=out)
    members = read_members(out)
    write_members(out, {**members, "files/media/evil.sh": b"rm -rf /"})
    with pytest.raises(services.BackupError, match=r"清单之外的条目“files/media/evil.sh”"):
        services.verify_backup(archive=out)
    members.pop("files/media/attachments/a/b.bin")
    write_members(out, members)
    with pytest.raises(services.BackupError, match=r"缺少“files/media/attachments/a/b.bin”"):
        services.verify_backup(archive=out)


def test_verify_and_restore_refuse_an_archive_from_a_newer_schema(filled, tmp_path):
    out = tmp_path / "j.tar.gz"
    services.create_backup(out=out)
    rewrite_manifest(out, lambda m: m["migrations"].append("org.9999_future"), key=audit.key())
    with pytest.raises(services.BackupError, match=r"org.9999_future.*请先升级 Tanhua"):
        services.verify_backup(archive=out)
    with pytest.raises(services.BackupError, match="更新版本"):
        services.restore_backup(archive=out)


def test_an_archive_with_an_unsafe_path_is_refused(filled, tmp_path):
    out = tmp_path / "k.tar.gz"
    services.create_backup(out=out)

    def change(m):
        m["members"]["files/media/../../etc/passwd"] = {"size": 1, "sha256": "0" * 64}

    rewrite_manifest(out, change, key=audit.key())
    with pytest.raises(services.BackupError, match="不安全的路径"):
        services.verify_backup(archive=out)


def test_restore_refuses_a_target_with_data_and_changes_nothing(filled, tmp_path):
    out = tmp_path / "l.tar.gz"
    services.create_backup(out=out)
    cadres = Cadre.objects.unscoped("test").count()
    entries = AuditEntry.objects.count()
    with pytest.raises(services.BackupError, match=r"目标数据库不是空的.*org_cadre"):
        services.restore_backup(archive=out)
    assert Cadre.objects.unscoped("test").count() == cadres
    assert AuditEntry.objects.count() == entries


def _empty_the_target(home) -> None:
    """What a new installation looks like: migrated tables, no rows, no files, no anchor."""
    import shutil

    clear_trail_for_flush()
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(home / "media")
    anchors.reset(None)


def test_restore_refuses_a_target_whose_file_folder_is_not_empty(filled, home, tmp_path):
    out = tmp_path / "m.tar.gz"
    services.create_backup(out=out)
    _empty_the_target(home)
    put_file(home, "left/over.txt", b"x")
    with pytest.raises(services.BackupError, match=r"存储目录.*已有文件"):
        services.restore_backup(archive=out)
    assert Organization.objects.count() == 0


def test_restore_into_an_empty_target_brings_back_every_row_file_and_the_chain(
    filled, home, tmp_path
):
    out = tmp_path / "n.tar.gz"
    services.create_backup(out=out, passphrase="restore drill passphrase")
    before = digest.database_digests("default")
    manifest = manifest_of(out, "restore drill passphrase")
    csv = (home / "media/imports/1/干部.csv").read_bytes()
    _empty_the_target(home)
    assert Organization.objects.count() == 0

    report = services.restore_backup(archive=out, passphrase="restore drill passphrase")

    after = digest.database_digests("default")
    assert {t: d.as_dict() for t, d in after.items()} == manifest["tables"]
    # The live database had one more entry (the backup's own) than the copy.
    assert before["audit_auditentry"].rows == after["audit_auditentry"].rows + 1
    assert {t: d for t, d in before.items() if t != "audit_auditentry"} == {
        t: d for t, d in after.items() if t != "audit_auditentry"
    }
    assert (home / "media/imports/1/干部.csv").read_bytes() == csv
    assert report.files == 2 and report.pending_migrations == []
    assert verify().ok
    assert anchors.read().seq == manifest["audit"]["last_seq"]
    assert Cadre.objects.unscoped("test").filter(name="改过的名字").exists()
    # The restored database takes new audited work on the same chain.
    audit.record("org.update", object_id="after-restore")
    assert verify().ok


def test_the_restored_audit_trail_still_refuses_changes(filled, home, tmp_path):
    out = tmp_path / "o.tar.gz"
    services.create_backup(out=out)
    _empty_the_target(home)
    services.restore_backup(archive=out)
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.count() > 0


def test_restore_needs_the_audit_key_put_back_first(filled, home, tmp_path, settings):
    out = tmp_path / "p.tar.gz"
    services.create_backup(out=out)
    settings.AUDIT_HMAC_KEY = ""
    with pytest.raises(services.BackupError, match="未找到审计密钥"):
        services.restore_backup(archive=out)
    assert not (home / "keys" / "audit.key").exists()  # never invented at restore time
    report = services.verify_backup(archive=out)  # verify can go on without it
    assert not report.signed and "未找到审计密钥" in report.warnings[0]


def test_a_row_is_hashed_as_one_line_of_canonical_json(db):
    """Keys sorted, no spaces, datetimes in UTC with microseconds: the line is pinned here,
    since a change to it would make every earlier archive fail its comparison."""
    import datetime as dt

    line = digest._line(
        [1, True, None, dt.datetime(2020, 5, 1, 8, tzinfo=dt.UTC), {"b": 1, "a": 2}]
    )
    assert line == b'[1,true,null,"2020-05-01T08:00:00.000000",{"a":2,"b":1}]\n'
    assert engines.vendor() in {"sqlite", "postgresql"}
