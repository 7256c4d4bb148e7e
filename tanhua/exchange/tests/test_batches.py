"""The life of an uploaded batch beyond the happy path: nothing to import, a rejected upload
audited as refused, and previews never confirmed expiring with their files (issue 7)."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tanhua import cli
from tanhua.audit.models import AuditEntry
from tanhua.exchange.models import BatchStatus, ImportBatch
from tanhua.exchange.services import batch_dir, cleanup_imports, create_batch
from tanhua.org.models import Organization

from .conftest import CADRE_HEADER, ORG_HEADER, csv_bytes

NEW_COUNTY = [ORG_HEADER, ["K12", "东城乙县委", "县", "C1", ""]]
SAME_CITY = [ORG_HEADER, ["C1", "东城市委", "市", "P", ""]]


@pytest.fixture
def staff(client, owner):
    client.force_login(owner)
    return client


def upload(user, rows, name="organizations.csv") -> ImportBatch:
    return create_batch(user=user, files=[SimpleUploadedFile(name, csv_bytes(rows))])


def age(batch: ImportBatch, hours: float) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


# -- nothing to import -----------------------------------------------------------------------
def test_a_re_import_that_changes_nothing_says_so_instead_of_offering_to_import(staff, owner):
    batch = upload(owner, SAME_CITY)
    assert batch.status == BatchStatus.NOTHING
    page = staff.get(reverse("exchange:preview", args=[batch.pk])).content.decode()
    assert "没有需要导入的内容" in page
    assert "确认导入" not in page
    staff.post(reverse("exchange:confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.NOTHING
    assert not AuditEntry.objects.filter(action="import.apply").exists()


def test_a_batch_with_changes_still_offers_to_import(staff, owner):
    batch = upload(owner, NEW_COUNTY)
    assert batch.status == BatchStatus.READY
    assert "确认导入" in staff.get(reverse("exchange:preview", args=[batch.pk])).content.decode()


# -- rejected uploads are audited as refused ---------------------------------------------------
def test_a_rejected_upload_is_audited_as_refused(owner, world):
    batch = upload(owner, [CADRE_HEADER, ["G1", "甲", "部管", ""]], name="cadres.csv")
    entry = AuditEntry.objects.get(action="import.upload", object_id=str(batch.pk))
    assert entry.result == "denied"
    assert entry.get_result_display() == "拒绝"
    assert entry.detail == {"problem_count": 1, "code_unavailable": 0}


def test_an_accepted_upload_is_audited_as_a_success(owner, world):
    batch = upload(owner, NEW_COUNTY)
    assert AuditEntry.objects.get(action="import.upload", object_id=str(batch.pk)).result == "ok"


# -- expiry ------------------------------------------------------------------------------------
def test_a_preview_never_confirmed_expires_after_a_day_and_its_files_are_purged(
    owner, world, django_capture_on_commit_callbacks
):
    stale, fresh = upload(owner, NEW_COUNTY), upload(owner, NEW_COUNTY)
    age(stale, 25)
    with django_capture_on_commit_callbacks(execute=True):
        report = cleanup_imports()
    assert report.expired == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (BatchStatus.EXPIRED, BatchStatus.READY)
    assert not batch_dir(stale).exists()
    assert batch_dir(fresh).exists()
    entry = AuditEntry.objects.get(action="import.expire")
    assert entry.object_id == str(stale.pk)
    assert entry.before == {"status": "ready"} and entry.after == {"status": "expired"}


def test_a_nothing_to_import_preview_expires_too(owner, world, django_capture_on_commit_callbacks):
    batch = upload(owner, SAME_CITY)
    age(batch, 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert cleanup_imports().expired == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPIRED


def test_an_expired_batch_can_no_longer_be_confirmed(staff, owner, world):
    batch = upload(owner, NEW_COUNTY)
    age(batch, 25)
    cleanup_imports()
    page = staff.get(reverse("exchange:preview", args=[batch.pk])).content.decode()
    assert "已过期" in page and "确认导入" not in page
    staff.post(reverse("exchange:confirm", args=[batch.pk]))
    assert not Organization.objects.filter(code="K12").exists()


def test_files_of_failed_uploads_no_batch_references_are_purged_once_old(owner, world, settings):
    kept = upload(owner, NEW_COUNTY)
    root = batch_dir(kept).parent
    old, recent = root / "deadbeef", root / "cafe"
    for orphan in (old, recent):
        (orphan / "0").mkdir(parents=True)
        (orphan / "0" / "organizations.csv").write_text("code\n")
    day_ago = time.time() - 25 * 3600
    for path in (old, old / "0", old / "0" / "organizations.csv"):
        os.utime(path, (day_ago, day_ago))
    report = cleanup_imports()
    assert report.orphans == 1
    assert not old.exists() and recent.exists() and batch_dir(kept).exists()


def test_an_upload_that_fails_leaves_no_files_behind(owner, world, monkeypatch):
    from tanhua.exchange import services

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "import_files", boom)
    with pytest.raises(RuntimeError):
        upload(owner, NEW_COUNTY)
    root = services.imports_root()
    assert not root.exists() or not any(root.iterdir())


# -- the verb ----------------------------------------------------------------------------------
def test_the_cleanup_command_prints_its_counts(owner, world, capsys):
    age(upload(owner, NEW_COUNTY), 48)
    call_command("cleanup")
    out = capsys.readouterr().out
    assert "过期的导入预览：1 个" in out
    assert "无主的上传文件：0 个" in out


def test_the_cleanup_verb_runs_this_command_with_chinese_help(capsys):
    app, command, _text = cli.VERBS["cleanup"]
    assert (app.rsplit(".", 1)[-1], command) == ("exchange", "cleanup")
    assert cli.main(["cleanup", "--help"]) == 0
    assert "过期" in capsys.readouterr().out


def test_a_confirmation_refused_because_the_code_was_taken_meanwhile_is_audited(owner, world):
    from tanhua.core.testing import OrganizationFactory
    from tanhua.exchange.services import confirm_batch

    batch = upload(owner, NEW_COUNTY)
    OrganizationFactory(code="K12", name="西城乙县委", level="county", parent=world.orgs["C2"])
    assert confirm_batch(user=owner, batch=batch) is None
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REJECTED
    entry = AuditEntry.objects.get(action="import.confirm")
    assert (entry.result, entry.detail["code_unavailable"]) == ("denied", 1)
    assert "西城乙县委" not in str(batch.summary)
