"""The write path of imports (DESIGN §6). Files and tables are parsed, validated as one set
against the database, and applied all-or-nothing in one transaction; the command line, the
web pages and the demo loader all come through here.

Contract (other apps depend on it):
    import_tables(tables, *, actor, source="", dry_run=False) -> ImportReport
    import_files(paths_or_uploaded_files, *, actor, dry_run=False) -> ImportReport
Both raise ImportRejected(problems) and write nothing when anything is wrong.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.exchange import parsers, schema
from tanhua.exchange.apply import apply_plan
from tanhua.exchange.models import PENDING, BatchStatus, ImportBatch
from tanhua.exchange.plan import KindCounts, Planner
from tanhua.exchange.problems import ImportRejected, Problem
from tanhua.exchange.tables import Table, tables_from_mapping

__all__ = [
    "CleanupReport",
    "ImportRejected",
    "ImportReport",
    "KindCounts",
    "Problem",
    "cleanup_imports",
    "confirm_batch",
    "create_batch",
    "import_files",
    "import_tables",
]

# A preview keeps this many problems; the error workbook recomputes all of them.
STORED_PROBLEMS = 1000
# A preview waits this long for its confirmation; then `tanhua cleanup` expires it.
PREVIEW_MAX_AGE = dt.timedelta(days=1)


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do): counts per kind, sample rows of what
    is created or updated, and the warnings (unknown columns, ignored sheets)."""

    counts: dict[str, KindCounts] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    samples: dict[str, list[dict]] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def lines(self) -> list[str]:
        out = []
        for kind in schema.KINDS:
            c = self.counts.get(kind)
            if c is not None:
                out.append(
                    f"{schema.KIND_LABELS[kind]}（{kind}）: 新增 {c.created}，"
                    f"更新 {c.updated}，未变 {c.unchanged}"
                )
        return out

    def as_dict(self) -> dict:
        return {
            "counts": {k: vars(c) for k, c in self.counts.items()},
            "warnings": [w.as_dict() for w in self.warnings],
            "samples": self.samples,
            "dry_run": self.dry_run,
        }


def _require_actor(actor) -> None:
    # None is the operator at the command line; a person needs the registry role.
    if actor is not None and not scoping.can_edit_registry(actor):
        raise scoping.OutOfScope


def _sorted(problems: list[Problem], tables: list[Table]) -> list[Problem]:
    order = {t.source: i for i, t in enumerate(tables)}
    return sorted(problems, key=lambda p: (order.get(p.source, -1), p.row or 0))


def _run(
    tables: list[Table],
    problems: list[Problem],
    warnings: list[Problem],
    *,
    actor,
    source: str,
    dry_run: bool,
) -> ImportReport:
    total = sum(len(t.rows) for t in tables)
    if total > settings.IMPORT_MAX_ROWS:
        problems.append(
            Problem(
                source,
                None,
                "",
                f"数据行过多（共 {total} 行），一次最多导入 {settings.IMPORT_MAX_ROWS} 行",
            )
        )
    if problems:
        raise ImportRejected(_sorted(problems, tables))
    if dry_run:
        return _plan_report(tables, warnings, actor=actor, source=source, dry_run=True)
    with transaction.atomic():
        return _plan_report(tables, warnings, actor=actor, source=source, dry_run=False)


def _plan_report(tables, warnings, *, actor, source, dry_run) -> ImportReport:
    planner = Planner(tables, actor)
    plan = planner.run()
    if planner.problems:
        raise ImportRejected(
            _sorted(planner.problems, tables), code_unavailable=planner.code_unavailable
        )
    report = ImportReport(
        counts={k: plan.counts[k] for k in schema.KINDS if k in plan.counts},
        warnings=warnings,
        samples=plan.samples,
        dry_run=dry_run,
    )
    if not dry_run and report.changed:
        apply_plan(plan, actor=actor, source=source)
        audit.record(
            "import.apply",
            object_type="import",
            object_id=source[:128],
            object_repr=source,
            detail=report.as_dict()["counts"],
            actor=actor,
        )
    return report


def import_tables(
    tables: Mapping[str, Sequence[Mapping[str, object]]],
    *,
    actor,
    source: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Import rows handed in by code: {"organizations": [{"code": …, …}, …], …}. Rows are
    numbered from 2 in the order given, as if they were a spreadsheet under its header."""
    _require_actor(actor)
    parsed, problems, warnings = tables_from_mapping(tables, source)
    return _run(parsed, problems, warnings, actor=actor, source=source, dry_run=dry_run)


def import_files(
    paths_or_uploaded_files: Iterable, *, actor, dry_run: bool = False
) -> ImportReport:
    """Import .xlsx / .csv files (paths, Django uploaded files or parsers.Upload)."""
    _require_actor(actor)
    tables: list[Table] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    names = []
    for item in paths_or_uploaded_files:
        upload = parsers.load(item)
        if isinstance(upload, Problem):
            problems.append(upload)
            continue
        names.append(upload.name)
        t, p, w = parsers.parse(upload)
        tables += t
        problems += p
        warnings += w
    if not names and not problems:
        problems.append(Problem("", None, "", "没有选择要导入的文件"))
    source = "、".join(names)
    return _run(tables, problems, warnings, actor=actor, source=source, dry_run=dry_run)


# -- batches of the web upload ----------------------------------------------------------------
def imports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def batch_dir(batch: ImportBatch) -> Path:
    return imports_root() / batch.directory


def batch_paths(batch: ImportBatch) -> list[Path]:
    base = batch_dir(batch)
    return [base / str(i) / name for i, name in enumerate(batch.filenames)]


def _rejected_summary(exc: ImportRejected) -> dict:
    return {
        "problems": [p.as_dict() for p in exc.problems[:STORED_PROBLEMS]],
        "problem_count": len(exc.problems),
    }


def _stored_name(name: str) -> str:
    """The upload's own name (its stem names the kind of a CSV), made safe for the disk."""
    try:
        return get_valid_filename(Path(name or "").name)
    except SuspiciousFileOperation:
        return "file" + Path(name or "").suffix.lower()


@transaction.atomic
def create_batch(*, user, files: Sequence) -> ImportBatch:
    """Keep the uploaded files and check them (a dry run): the preview reads the summary."""
    _require_actor(user)
    batch = ImportBatch(user=user, directory=uuid.uuid4().hex, status=BatchStatus.READY)
    batch.filenames = [_stored_name(f.name) for f in files]
    try:
        for path, f in zip(batch_paths(batch), files, strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                for chunk in f.chunks():
                    out.write(chunk)
        refused: ImportRejected | None = None
        try:
            report = import_files(batch_paths(batch), actor=user, dry_run=True)
            batch.summary = report.as_dict()
            if not report.changed:
                batch.status = BatchStatus.NOTHING
        except ImportRejected as exc:
            refused = exc
            batch.status = BatchStatus.REJECTED
            batch.summary = _rejected_summary(exc)
        batch.save()
        _audit_batch("import.upload", batch, user, refused)
    except BaseException:
        # The batch row rolls back with this transaction; its files must not outlive it.
        shutil.rmtree(batch_dir(batch), ignore_errors=True)
        raise
    return batch


def _audit_batch(action: str, batch: ImportBatch, user, refused: ImportRejected | None) -> None:
    """A refused import is recorded as refused, with how many of its rows named a code taken
    by something the user may not see: repeated probing of codes shows in the trail."""
    detail = None
    if refused is not None:
        detail = {
            "problem_count": len(refused.problems),
            "code_unavailable": refused.code_unavailable,
        }
    audit.record(
        action,
        object_type="import_batch",
        object_id=str(batch.pk),
        object_repr=str(batch),
        after={"status": batch.status, "files": batch.filenames},
        detail=detail,
        result=audit.Result.DENIED if refused is not None else audit.Result.OK,
        actor=user,
    )


def confirm_batch(*, user, batch: ImportBatch) -> ImportReport | None:
    """Apply a previewed batch. Checked again at once: if the database changed since the
    preview and the files no longer pass, the batch turns rejected and nothing is written.
    The status is read under a row lock, so two confirmations at once apply the batch once."""
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
            if batch.status != BatchStatus.READY:
                return None
            report = import_files(batch_paths(batch), actor=user)
            batch.status = BatchStatus.APPLIED
            batch.applied_at = timezone.now()
            batch.summary = report.as_dict()
            batch.save(update_fields=["status", "applied_at", "summary"])
        return report
    except ImportRejected as exc:
        # Only a batch still waiting turns rejected (never one another request has applied).
        with transaction.atomic():
            changed = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.READY).update(
                status=BatchStatus.REJECTED, summary=_rejected_summary(exc)
            )
            if changed:
                batch.status = BatchStatus.REJECTED
                _audit_batch("import.confirm", batch, user, exc)
        return None


@dataclass
class CleanupReport:
    expired: int = 0  # previews expired (their files purged once the expiry commits)
    orphans: int = 0  # upload directories no batch references, purged

    def lines(self) -> list[str]:
        return [f"过期的导入预览：{self.expired} 个", f"无主的上传文件：{self.orphans} 个"]


@transaction.atomic
def cleanup_imports(
    *, now: dt.datetime | None = None, max_age: dt.timedelta = PREVIEW_MAX_AGE
) -> CleanupReport:
    """Expire previews left unconfirmed longer than `max_age` (audited, files purged after
    the commit) and purge upload directories that no batch references, e.g. of an upload
    that failed, once they are as old. Run by `tanhua cleanup` (and `tanhua tick`)."""
    now = now or timezone.now()
    cutoff = now - max_age
    report = CleanupReport()
    stale = list(
        ImportBatch.objects.select_for_update()
        .filter(status__in=PENDING, created_at__lt=cutoff)
        .order_by("pk")
    )
    events = []
    for batch in stale:
        events.append(
            audit.Event(
                action="import.expire",
                object_type="import_batch",
                object_id=str(batch.pk),
                object_repr=str(batch),
                before={"status": batch.status},
                after={"status": BatchStatus.EXPIRED},
                detail={"files": batch.filenames, "created_at": batch.created_at.isoformat()},
            )
        )
    if stale:
        ImportBatch.objects.filter(pk__in=[b.pk for b in stale]).update(status=BatchStatus.EXPIRED)
        audit.record_many(events)
        dirs = [batch_dir(b) for b in stale]
        transaction.on_commit(lambda: [shutil.rmtree(d, ignore_errors=True) for d in dirs])
    report.expired = len(stale)
    root = imports_root()
    if root.is_dir():
        known = set(ImportBatch.objects.values_list("directory", flat=True))
        oldest = time.time() - max_age.total_seconds()
        for entry in root.iterdir():
            # A directory still being written belongs to an upload whose batch is not yet
            # committed: only old ones are orphans.
            if entry.name in known or entry.stat().st_mtime >= oldest:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            report.orphans += 1
    return report


def export_error_workbook(*, user, batch: ImportBatch) -> bytes:
    """The error workbook of a rejected batch; the export is audited like every export."""
    batch = ImportBatch.objects.visible_to(user).get(pk=batch.pk)
    from tanhua.exchange.exports import error_workbook_for_files

    data = error_workbook_for_files(batch_paths(batch), actor=user)
    # Every export is audited through the one helper, so the auditor finds them all under
    # the action "export".
    audit.record_export(
        "import_errors",
        len((batch.summary or {}).get("problems", [])),
        actor=user,
        object_id=str(batch.pk),
        object_repr=str(batch),
    )
    return data


def preview_context(batch: ImportBatch) -> dict:
    """What the preview page shows, read from the batch's stored summary (no further query)."""
    summary = batch.summary or {}
    kinds = []
    for kind in schema.KINDS:
        counts = summary.get("counts", {}).get(kind)
        if counts is None:
            continue
        labels = {c.name: c.label for c in schema.COLUMNS[kind]}
        samples = [
            {
                **s,
                "cells": [s["values"].get(name, "") for name in labels],
                "changed_labels": [labels.get(f, f) for f in s.get("changed", [])],
            }
            for s in sorted(
                summary.get("samples", {}).get(kind, []),
                key=lambda s: (s.get("source", ""), s.get("row") or 0),
            )
        ]
        kinds.append(
            {
                "kind": kind,
                "label": schema.KIND_LABELS[kind],
                "counts": counts,
                "headers": list(labels.values()),
                "samples": samples,
            }
        )
    return {
        "batch": batch,
        "kinds": kinds,
        "problems": [Problem.from_dict(p) for p in summary.get("problems", [])],
        "problem_count": summary.get("problem_count", 0),
        "warnings": [Problem.from_dict(p) for p in summary.get("warnings", [])],
        "ready": batch.status == BatchStatus.READY,
        "rejected": batch.status == BatchStatus.REJECTED,
        "nothing": batch.status == BatchStatus.NOTHING,
        "expired": batch.status == BatchStatus.EXPIRED,
    }
