"""The plain outline: staff in scope draft it, the talker approves or returns it; approved
means frozen; every step audited, versioned, and told to the one who acts next."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.versioning import StaleEdit
from tanhua.notices.models import Notice
from tanhua.talks.models import Outline, OutlineStatus, TalkStatus
from tanhua.talks.services import outline as outlines
from tanhua.talks.services.outline import ProblemDraft
from tanhua.talks.tests.helpers import fresh, talk_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def tworld(db):
    return talk_world()


def _outline(talk):
    return Outline.objects.unscoped("test").get(talk=talk)


def test_staff_add_edit_reorder_and_remove_problems_each_as_a_new_version(tworld):
    staff, talk = tworld.users["commission_c1"], tworld.talks["k11"]
    o = _outline(talk)
    o = outlines.add_problem(
        actor=staff,
        talk=talk,
        focus_area="A4",
        statement="政商交往边界不清",
        evidence="2025年信访举报12件",
        expected_version=o.version,
    )
    first, second = [p.pk for p in o.problems.unscoped("test")]
    o = outlines.move_problem(
        actor=staff, talk=talk, problem_id=second, by=-1, expected_version=o.version
    )
    assert [p.focus_area for p in o.problems.unscoped("test")] == ["A4", "A3"]
    o = outlines.edit_problem(
        actor=staff,
        talk=talk,
        problem_id=first,
        focus_area="A2",
        statement="主体责任落实不到位",
        expected_version=o.version,
    )
    o = outlines.remove_problem(
        actor=staff, talk=talk, problem_id=second, expected_version=o.version
    )
    assert [p.statement for p in o.problems.unscoped("test")] == ["主体责任落实不到位"]
    assert o.version == 5
    assert AuditEntry.objects.filter(action="outline.update", object_id=str(talk.pk)).count() == 4


def test_an_edit_from_an_older_version_is_refused_and_says_what_changed(tworld):
    staff, talk = tworld.users["commission_c1"], tworld.talks["k11"]
    v = _outline(talk).version
    outlines.add_problem(
        actor=staff, talk=talk, focus_area="A1", statement="落实不力", expected_version=v
    )
    with pytest.raises(StaleEdit) as refused:
        outlines.add_problem(
            actor=tworld.users["organization_c1"],
            talk=talk,
            focus_area="A2",
            statement="另一人的修改",
            expected_version=v,
        )
    assert "落实不力" in refused.value.message
    assert _outline(talk).problems.unscoped("test").count() == 2


def test_bad_problems_are_refused_in_chinese(tworld):
    staff, talk = tworld.users["commission_c1"], tworld.talks["k11"]
    v = _outline(talk).version
    for bad in (ProblemDraft("A9", "x"), ProblemDraft("A1", "  "), ProblemDraft("A1", "x", id=999)):
        with pytest.raises(ValidationError) as refused:
            outlines.save_problems(actor=staff, talk=talk, problems=[bad], expected_version=v)
        assert "问题" in refused.value.messages[0]


def test_submit_tells_the_talker_and_approval_freezes_the_outline_and_tells_staff(tworld):
    staff, talker, talk = (
        tworld.users["commission_c1"],
        tworld.users["talker_c1"],
        tworld.talks["k11"],
    )
    o = outlines.submit(actor=staff, talk=talk, expected_version=_outline(talk).version)
    assert o.status == OutlineStatus.SUBMITTED
    assert Notice.objects.filter(recipient=talker, kind="outline_submitted").count() == 1
    o = outlines.approve(actor=talker, talk=talk, expected_version=o.version)
    assert o.status == OutlineStatus.APPROVED and o.approved_by == talker
    # Scheduled in the test world already: approved + a time = scheduled.
    assert fresh(talk).status == TalkStatus.SCHEDULED
    assert Notice.objects.filter(recipient=staff, kind="outline_approved").count() == 1
    with pytest.raises(ValidationError, match="退回"):
        outlines.add_problem(
            actor=staff,
            talk=talk,
            focus_area="A1",
            statement="再加一个",
            expected_version=o.version,
        )
    actions = list(
        AuditEntry.objects.filter(object_type="outline").values_list("action", flat=True)
    )
    assert actions == ["outline.submit", "outline.approve"]


def test_the_talker_returns_an_outline_with_a_comment_and_staff_may_edit_again(tworld):
    staff, talker, talk = (
        tworld.users["commission_c1"],
        tworld.users["talker_c1"],
        tworld.talks["k11"],
    )
    o = outlines.submit(actor=staff, talk=talk, expected_version=_outline(talk).version)
    with pytest.raises(ValidationError, match="退回意见"):
        outlines.return_outline(actor=talker, talk=talk, comment=" ", expected_version=o.version)
    o = outlines.return_outline(
        actor=talker, talk=talk, comment="问题不够具体，请补充数据", expected_version=o.version
    )
    assert o.status == OutlineStatus.DRAFT and o.return_comment.startswith("问题不够具体")
    assert Notice.objects.get(recipient=staff, kind="outline_returned").body.startswith("问题")
    assert fresh(talk).status == TalkStatus.PREPARING
    outlines.add_problem(
        actor=staff, talk=talk, focus_area="A1", statement="补充的问题", expected_version=o.version
    )


def test_only_the_talks_own_talker_approves_and_only_staff_in_scope_draft(tworld):
    talk = tworld.talks["k11"]
    v = _outline(talk).version
    for name in ("recorder_c1", "subject_k11", "viewer_c1", "talker_c1"):
        with pytest.raises(OutOfScope):
            outlines.add_problem(
                actor=tworld.users[name],
                talk=talk,
                focus_area="A1",
                statement="x",
                expected_version=v,
            )
    with pytest.raises(OutOfScope):
        outlines.add_problem(
            actor=tworld.users["commission_c2"],
            talk=talk,
            focus_area="A1",
            statement="x",
            expected_version=v,
        )
    o = outlines.submit(actor=tworld.users["commission_c1"], talk=talk, expected_version=v)
    for name in ("commission_c1", "recorder_c1", "subject_k11"):
        with pytest.raises(OutOfScope):
            outlines.approve(actor=tworld.users[name], talk=talk, expected_version=o.version)


def test_a_talk_without_an_outline_gets_one_as_staff_start_drafting(tworld):
    talk = tworld.talks["c2"]
    staff = tworld.users["commission_p"]
    o = outlines.add_problem(
        actor=staff, talk=talk, focus_area="A2", statement="问题", expected_version=1
    )
    assert o.problems.unscoped("test").count() == 1
    assert fresh(talk).status == TalkStatus.PREPARING


def test_once_the_record_has_started_the_outline_cannot_be_returned(tworld):
    from tanhua.talks.services import record as records
    from tanhua.talks.tests.helpers import approve_outline

    talk = tworld.talks["k11"]
    o = approve_outline(tworld, talk)
    records.start(actor=tworld.users["recorder_c1"], talk=talk)
    with pytest.raises(ValidationError, match="记录已开始"):
        outlines.return_outline(
            actor=tworld.users["talker_c1"], talk=talk, comment="再改改", expected_version=o.version
        )
