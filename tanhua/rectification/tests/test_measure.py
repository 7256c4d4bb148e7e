"""Progress reports and extensions of a measure: who may report, the figure against the
target, attachments, open → in progress; an extension is a request the supervisor decides."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.versioning import StaleEdit
from tanhua.files.models import Attachment
from tanhua.notices.models import Notice
from tanhua.rectification.models import Measure, MeasureStatus, ProgressReport
from tanhua.rectification.services import extension, progress
from tanhua.rectification.testing_lists import file_plan
from tanhua.rectification.tests import lists_fixtures

year, sealed, users = lists_fixtures.year, lists_fixtures.sealed, lists_fixtures.users


@pytest.fixture
def measure(sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"], target=190, unit="项")
    return Measure.objects.unscoped("test").filter(talk=sealed).first()


def _fresh(m):
    return Measure.objects.unscoped("test").get(pk=m.pk)


def test_a_first_report_moves_the_measure_in_progress_and_sets_the_figure(measure, users):
    progress.report_progress(
        actor=users["subject_k11"], measure=measure, text="已建立交流机制120项", value="120",
        expected_version=measure.version,
    )  # fmt: skip
    m = _fresh(measure)
    assert m.status == MeasureStatus.IN_PROGRESS and str(m.achieved_value) == "120.00"
    assert AuditEntry.objects.filter(action="measure.progress", object_id=str(m.pk)).exists()


def test_a_report_keeps_its_files_checked_by_content(measure, users):
    from tanhua.files.testing import docx_bytes

    report = progress.report_progress(
        actor=users["subject_k11"], measure=measure, text="附佐证材料",
        files=[("佐证.docx", docx_bytes("交流机制清单"))],
    )  # fmt: skip
    files = Attachment.objects.unscoped("test").filter(owner_kind="progress_report")
    assert [(f.owner_id, f.kind) for f in files] == [(report.pk, "docx")]
    # Visible where the measure is: the talker reads it, a sibling city does not.
    assert Attachment.objects.visible_to(users["talker_c1"]).count() == 1
    assert Attachment.objects.visible_to(users["commission_c2"]).count() == 0


def test_a_refused_file_refuses_the_whole_report(measure, users):
    from tanhua.files.content import FileRefused

    with pytest.raises(FileRefused):
        progress.report_progress(
            actor=users["subject_k11"],
            measure=measure,
            text="附件",
            files=[("x.docx", b"MZ\x90\x00not a document")],
        )
    assert _fresh(measure).status == MeasureStatus.OPEN


def test_only_the_owner_reports_progress(measure, users):
    for name in ("talker_c1", "commission_c1", "recorder_c1"):
        with pytest.raises(OutOfScope):
            progress.report_progress(actor=users[name], measure=measure, text="代报")
    with pytest.raises(OutOfScope):
        progress.report_progress(actor=users["commission_c2"], measure=measure, text="外市")


def test_a_unit_owned_measures_progress_is_reported_by_the_subject_or_staff(sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"], owner_code="K11")
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    progress.report_progress(actor=users["commission_c1"], measure=m, text="县委已部署")
    progress.report_progress(actor=users["subject_k11"], measure=m, text="县委已落实")
    assert ProgressReport.objects.unscoped("test").filter(measure=m).count() == 2


def test_a_report_on_an_unapproved_plan_is_refused(sealed, users):
    file_plan(sealed, users["subject_k11"])
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    with pytest.raises(ValidationError, match="审核通过后"):
        progress.report_progress(actor=users["subject_k11"], measure=m, text="进展")


def test_a_report_from_an_older_version_is_refused(measure, users):
    progress.report_progress(actor=users["subject_k11"], measure=measure, text="一")
    with pytest.raises(StaleEdit):
        progress.report_progress(
            actor=users["subject_k11"], measure=measure, text="二",
            expected_version=measure.version,
        )  # fmt: skip


def test_an_approved_extension_moves_the_deadline_and_keeps_the_original(measure, users):
    extension.request_extension(
        actor=users["subject_k11"], measure=measure, proposed_deadline=dt.date(2026, 12, 31),
        reason="涉及跨部门协调",
    )  # fmt: skip
    assert Notice.objects.filter(kind="extension_requested", recipient=users["talker_c1"]).exists()
    extension.decide_extension(actor=users["talker_c1"], measure=measure, approve=True)
    m = _fresh(measure)
    assert m.deadline == dt.date(2026, 12, 31) and m.original_deadline == dt.date(2026, 10, 31)
    assert Notice.objects.filter(kind="extension_decided", recipient=users["subject_k11"]).exists()


def test_a_refused_extension_leaves_the_deadline_and_needs_a_reason(measure, users):
    extension.request_extension(
        actor=users["subject_k11"], measure=measure, proposed_deadline=dt.date(2026, 12, 31),
        reason="理由",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="不同意的理由"):
        extension.decide_extension(actor=users["commission_c1"], measure=measure, approve=False)
    extension.decide_extension(
        actor=users["commission_c1"], measure=measure, approve=False, comment="无正当理由"
    )
    assert _fresh(measure).deadline == dt.date(2026, 10, 31)


def test_an_extension_must_move_the_deadline_later(measure, users):
    with pytest.raises(ValidationError, match="须晚于现时限"):
        extension.request_extension(
            actor=users["subject_k11"], measure=measure, proposed_deadline=dt.date(2026, 9, 1),
            reason="提前",
        )  # fmt: skip


def test_the_requester_never_decides_their_own_extension(sealed, users):
    file_plan(sealed, users["subject_k11"], users["talker_c1"], owner_code="K11")
    m = Measure.objects.unscoped("test").filter(talk=sealed).first()
    extension.request_extension(
        actor=users["commission_c1"], measure=m, proposed_deadline=dt.date(2026, 12, 1),
        reason="代为申请",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="申请人"):
        extension.decide_extension(actor=users["commission_c1"], measure=m, approve=True)
    with pytest.raises(OutOfScope):
        extension.decide_extension(actor=users["subject_k11"], measure=m, approve=True)
