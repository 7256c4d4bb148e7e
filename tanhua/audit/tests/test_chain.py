"""The chain itself: append-only triggers, HMAC links, and verify naming the first break."""

from __future__ import annotations

import itertools

import pytest
from django.db import DatabaseError, connection, transaction

from tanhua.audit import services
from tanhua.audit.models import AppendOnlyError, AuditEntry
from tanhua.audit.testing import tamper
from tanhua.audit.verify import verify


def _entries(n: int, start: int = 0) -> list[AuditEntry]:
    return services.record_many(
        [
            services.Event(
                action="org.update",
                object_type="organization",
                object_id=f"K{start + i}",
                before={"name": f"旧名{start + i}", "n": start + i},
                after={"name": f"新名{start + i}", "ratio": 0.1 * i},
            )
            for i in range(n)
        ]
    )


def _raw(sql: str, params=None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


@pytest.fixture
def chain(db, settings, tmp_path, django_capture_on_commit_callbacks):
    # The anchor lives beside the key file; keep it in the test's own directory. Committed
    # as a request would, so that the anchor exists (a trail without one fails verify).
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    with django_capture_on_commit_callbacks(execute=True):
        return _entries(10)


def test_entries_are_numbered_from_one_and_each_links_to_the_previous(chain):
    seqs = list(AuditEntry.objects.values_list("seq", "prev_mac", "mac"))
    assert [s for s, _p, _m in seqs] == list(range(1, 11))
    assert seqs[0][1] == services.GENESIS
    for (_s, _p, mac), (_s2, prev, _m2) in itertools.pairwise(seqs):
        assert prev == mac


def test_the_database_refuses_to_update_an_audit_entry(chain):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("UPDATE audit_auditentry SET object_repr = 'x' WHERE seq = 3")
    assert AuditEntry.objects.get(seq=3).object_repr == ""


def test_the_database_refuses_to_delete_an_audit_entry(chain):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("DELETE FROM audit_auditentry WHERE seq = 3")
    assert AuditEntry.objects.count() == 10


def test_postgresql_refuses_to_truncate_a_non_empty_trail(chain):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.count() == 10


def test_the_orm_refuses_to_change_or_delete_entries(chain):
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(action="changed")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_verify_passes_on_an_intact_chain_and_reports_count_and_last_seq(chain):
    report = verify(batch_size=3)
    assert report.ok, report.problem
    assert (report.count, report.last_seq) == (10, 10)


def test_verify_names_the_first_entry_changed_with_triggers_dropped(chain):
    tamper("UPDATE audit_auditentry SET object_repr = 'forged' WHERE seq IN (4, 7)")
    report = verify(batch_size=3)
    assert not report.ok
    assert report.bad_seq == 4
    assert report.problem == "第 4 条审计记录被篡改（校验码不符）"
    assert report.count == 3


def test_verify_names_a_changed_json_value(chain):
    tamper(
        "UPDATE audit_auditentry SET after = %s WHERE seq = 6",
        ['{"name": "新名5", "ratio": 0.6}'],
    )
    report = verify()
    assert (report.ok, report.bad_seq) == (False, 6)
    assert "被篡改" in report.problem


def test_verify_names_the_gap_where_an_entry_was_removed(chain):
    tamper("DELETE FROM audit_auditentry WHERE seq = 5")
    report = verify(batch_size=4)
    assert not report.ok
    assert report.problem == "第 4 条之后缺少记录（缺第 5 至第 5 条）"
    assert report.bad_seq == 5


def test_verify_notices_that_the_first_entries_were_removed(chain):
    tamper("DELETE FROM audit_auditentry WHERE seq <= 2")
    report = verify()
    assert (report.ok, report.bad_seq) == (False, 1)
    assert "缺少第 1 条至第 2 条" in report.problem


def test_verify_names_swapped_entries_as_reordered(chain):
    tamper("UPDATE audit_auditentry SET seq = -1 WHERE seq = 5")
    _raw("UPDATE audit_auditentry SET seq = 5 WHERE seq = 6")
    _raw("UPDATE audit_auditentry SET seq = 6 WHERE seq = -1")
    report = verify()
    assert not report.ok
    assert report.bad_seq == 5
    assert report.problem.startswith("第 5 条审计记录顺序错乱：该位置上是原第 6 条")


def test_verify_names_a_removal_hidden_by_renumbering_the_rest(chain):
    tamper("DELETE FROM audit_auditentry WHERE seq = 3")
    _raw("UPDATE audit_auditentry SET seq = seq - 1 WHERE seq > 3")
    report = verify()
    assert (report.ok, report.bad_seq) == (False, 3)
    assert "原第 4 条" in report.problem


def test_verify_with_another_key_fails_at_the_first_entry_and_says_to_check_the_key(
    chain, settings
):
    settings.AUDIT_HMAC_KEY = "another-key-of-sufficient-length"
    report = verify()
    assert (report.ok, report.bad_seq) == (False, 1)
    assert "审计密钥" in report.problem


def test_verify_of_an_empty_trail_passes(db, settings, tmp_path):
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    report = verify()
    assert (report.ok, report.count, report.last_seq) == (True, 0, 0)


def test_appends_after_the_chain_continue_it(chain):
    _entries(3, start=10)
    report = verify()
    assert (report.ok, report.last_seq) == (True, 13)


def test_values_are_stored_as_the_database_returns_them_so_the_mac_holds(db, settings, tmp_path):
    import datetime as dt
    import decimal

    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    services.record(
        "x.test",
        object_repr="含\x00空字符",
        before={"d": dt.date(2020, 5, 1), "amount": decimal.Decimal("1.50"), "z": None},
        after=[1, 2.5, "三", {"b": 1, "a": 2}],
        detail="plain string",
    )
    entry = AuditEntry.objects.get()
    assert entry.object_repr == "含空字符"
    assert entry.before == {"d": "2020-05-01", "amount": "1.50", "z": None}
    assert verify(use_anchor=False).ok


def test_record_refuses_an_unknown_result(db):
    with pytest.raises(ValueError, match="unknown audit result"):
        services.record("x.test", result="maybe")
    assert not AuditEntry.objects.exists()


def test_record_stamps_time_in_seq_order(chain):
    times = list(AuditEntry.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)


def test_the_key_file_is_created_once_with_owner_only_permissions(db, settings, tmp_path):
    settings.AUDIT_HMAC_KEY = ""
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "keys" / "audit.key")
    first = services.key()
    second = services.key()
    path = tmp_path / "keys" / "audit.key"
    assert first == second and len(first) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    services.record("x.test")
    assert verify(use_anchor=False).ok


def test_a_short_key_is_refused_with_a_clear_message(db, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_HMAC_KEY = "short"
    with pytest.raises(ImproperlyConfigured, match="审计密钥"):
        services.record("x.test")
