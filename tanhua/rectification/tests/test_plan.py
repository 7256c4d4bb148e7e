"""The 三清单's write path: filing from a sealed talk, edits, submit, return, approve, versions,
the talk's status, and the 民主生活会 analyses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.versioning import StaleEdit
from tanhua.notices.models import Notice
from tanhua.rectification.models import Measure, PlanStatus, PlanVersion, Problem
from tanhua.rectification.services import analysis, edits
from tanhua.rectification.services import plan as plans
from tanhua.rectification.testing_lists import file_plan
from tanhua.rectification.tests import lists_fixtures
from tanhua.talks.models import Talk, TalkStatus

year, sealed, users = lists_fixtures.year, lists_fixtures.sealed, lists_fixtures.users


def _talk(talk):
    return Talk.objects.unscoped("test").get(pk=talk.pk)


def test_filing_prefills_one_problem_for_each_problem_pointed_out_in_the_talk(sealed, users):
    plan = plans.ensure_plan(actor=users["subject_k11"], talk=sealed)
    problems = list(Problem.objects.unscoped("test").filter(plan=plan))
    assert [(p.focus_area, p.order) for p in problems] == [("A3", 1), ("A2", 2)]
    assert all(p.record_problem_id for p in problems)
    assert plan.status == PlanStatus.DRAFT
    assert AuditEntry.objects.filter(action="rectification_plan.create").count() == 1


def test_a_talk_whose_record_is_not_sealed_has_no_lists_yet(year, users):
    with pytest.raises(ValidationError, match="封存后"):
        plans.ensure_plan(actor=users["commission_c1"], talk=year.talks["k11"])


def test_the_recorder_and_outsiders_cannot_file_the_lists(sealed, users):
    for name in ("recorder_c1", "commission_c2", "viewer_c1", "talker_c1"):
        with pytest.raises(OutOfScope):
            plans.ensure_plan(actor=users[name], talk=sealed)


def test_the_subject_files_submits_and_the_talker_approves_with_versions_kept(sealed, users):
    plan = file_plan(sealed, users["subject_k11"], users["talker_c1"], target=190, unit="项")
    assert plan.status == PlanStatus.APPROVED
    versions = list(PlanVersion.objects.unscoped("test").filter(plan=plan))
    assert [v.action for v in versions] == ["submitted", "approved"]
    assert versions[0].content["problems"][0]["measures"][0]["target_value"] == "190.00"
    assert _talk(sealed).status == TalkStatus.RECTIFYING
    assert Notice.objects.filter(kind="plan_submitted", recipient=users["talker_c1"]).exists()
    assert Notice.objects.filter(kind="plan_approved", recipient=users["subject_k11"]).exists()


def test_staff_file_on_the_subjects_behalf_but_never_approve_their_own_submission(sealed, users):
    plan = file_plan(sealed, users["commission_c1"])
    with pytest.raises(ValidationError, match="不能审核自己提交"):
        plans.approve(actor=users["commission_c1"], talk=sealed, expected_version=plan.version)
    plan = plans.approve(actor=users["organization_c1"], talk=sealed, expected_version=plan.version)
    assert plan.status == PlanStatus.APPROVED


def test_the_subject_cannot_approve_their_own_lists(sealed, users):
    plan = file_plan(sealed, users["subject_k11"])
    with pytest.raises(OutOfScope):
        plans.approve(actor=users["subject_k11"], talk=sealed, expected_version=plan.version)


def test_a_returned_plan_carries_the_comment_and_can_be_edited_and_submitted_again(sealed, users):
    subject, talker = users["subject_k11"], users["talker_c1"]
    plan = file_plan(sealed, subject)
    plan = plans.return_plan(
        actor=talker, talk=sealed, comment="举措不够具体", expected_version=plan.version
    )
    assert plan.status == PlanStatus.RETURNED and plan.return_comment == "举措不够具体"
    plan = edits.add_problem(
        actor=subject, talk=sealed, focus_area="A4", text="政商交往边界不清",
        expected_version=plan.version,
    )  # fmt: skip
    new = Problem.objects.unscoped("test").get(plan=plan, focus_area="A4")
    plan = edits.put_measure(
        actor=subject, talk=sealed, problem_id=new.pk, expected_version=plan.version,
        measure=plans.MeasureDraft(text="制定政商交往负面清单", owner_code="K11",
                                   deadline=dt.date(2026, 9, 30)),
    )  # fmt: skip
    assert Measure.objects.unscoped("test").get(problem=new).owner_org.code == "K11"
    plan = plans.submit(actor=subject, talk=sealed, expected_version=plan.version)
    actions = list(
        PlanVersion.objects.unscoped("test").filter(plan=plan).values_list("action", flat=True)
    )
    assert actions == ["submitted", "returned", "submitted"]


def test_a_return_needs_a_comment(sealed, users):
    plan = file_plan(sealed, users["subject_k11"])
    with pytest.raises(ValidationError, match="退回意见"):
        plans.return_plan(
            actor=users["talker_c1"], talk=sealed, comment=" ", expected_version=plan.version
        )


def test_editing_after_approval_or_while_submitted_is_refused(sealed, users):
    subject = users["subject_k11"]
    plan = file_plan(sealed, subject)
    with pytest.raises(ValidationError, match="已提交审核"):
        edits.add_problem(
            actor=subject, talk=sealed, focus_area="A1", text="新问题",
            expected_version=plan.version,
        )  # fmt: skip
    plan = plans.approve(actor=users["talker_c1"], talk=sealed, expected_version=plan.version)
    with pytest.raises(ValidationError, match="已审核通过"):
        edits.add_problem(
            actor=subject, talk=sealed, focus_area="A1", text="新问题",
            expected_version=plan.version,
        )  # fmt: skip


def test_a_save_from_an_older_version_is_refused_and_saves_nothing(sealed, users):
    subject = users["subject_k11"]
    plan = plans.ensure_plan(actor=subject, talk=sealed)
    old = plan.version
    edits.add_problem(actor=subject, talk=sealed, focus_area="A1", text="甲", expected_version=old)
    with pytest.raises(StaleEdit):
        edits.add_problem(
            actor=subject, talk=sealed, focus_area="A1", text="乙", expected_version=old
        )
    assert not Problem.objects.unscoped("test").filter(text="乙").exists()


def test_a_deadline_must_fall_after_the_talk(sealed, users):
    with pytest.raises(ValidationError, match="须晚于谈话日期"):
        file_plan(sealed, users["subject_k11"], deadline=dt.date(2026, 6, 1))


@pytest.mark.parametrize("code", ["C2", "GC2", "GSECRET", "NOSUCH", "GC1"])
def test_the_subject_names_owners_only_in_their_own_organization(sealed, users, code):
    with pytest.raises(ValidationError, match="不在您可填报的范围内"):
        file_plan(sealed, users["subject_k11"], owner_code=code)


def test_the_subject_names_a_unit_below_them_and_staff_a_cadre_in_their_scope(sealed, users):
    plan = file_plan(sealed, users["subject_k11"], owner_code="T111")
    plan = plans.return_plan(
        actor=users["talker_c1"], talk=sealed, comment="改", expected_version=plan.version
    )
    drafts = plans.drafts_of(plan)
    d = drafts[0]
    m = d.measures[0]
    drafts[0] = plans.ProblemDraft(
        d.focus_area, d.text, (plans.MeasureDraft(m.text, "GT111", m.deadline, id=m.id),), d.id
    )
    plans.save_plan(
        actor=users["commission_c1"], talk=sealed, problems=drafts, expected_version=plan.version
    )
    assert Measure.objects.unscoped("test").filter(owner_cadre__code="GT111").count() == 1


def test_submitting_needs_a_measure_for_every_problem(sealed, users):
    plan = plans.ensure_plan(actor=users["subject_k11"], talk=sealed)
    with pytest.raises(ValidationError, match="至少填写一条举措"):
        plans.submit(actor=users["subject_k11"], talk=sealed, expected_version=plan.version)


def test_the_analysis_takes_the_team_meetings_date_by_default(sealed, users):
    plan = plans.ensure_plan(actor=users["subject_k11"], talk=sealed)
    problem = Problem.objects.unscoped("test").filter(plan=plan).first()
    first = analysis.record_analysis(
        actor=users["subject_k11"], talk=sealed, problem_id=problem.pk, text="对照检查：深刻反思"
    )
    assert first.meeting_date == dt.date(2026, 7, 1)
    other = analysis.record_analysis(
        actor=users["subject_k11"], talk=sealed, problem_id=problem.pk, text="补充",
        meeting_date=dt.date(2026, 7, 3),
    )  # fmt: skip
    assert other.meeting_date == dt.date(2026, 7, 3)
