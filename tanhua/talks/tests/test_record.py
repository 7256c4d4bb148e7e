"""The record: started only with an approved outline and a recorder, versioned saves that
never overwrite each other, held, confirmed by both with their password, sealed for good."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import TEST_PASSWORD
from tanhua.notices.models import Notice
from tanhua.talks.models import RecordProblem, TalkRecord, TalkStatus
from tanhua.talks.services import record as records
from tanhua.talks.services.record import ProblemDraft
from tanhua.talks.tests.helpers import approve_outline, fresh, held_record, talk_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def tworld(db):
    return talk_world()


def _record(talk):
    return TalkRecord.objects.unscoped("test").get(talk=talk)


def test_the_record_cannot_start_without_an_approved_outline_or_a_recorder(tworld):
    talk, recorder = tworld.talks["k11"], tworld.users["recorder_c1"]
    with pytest.raises(ValidationError, match="提纲尚未经谈话人审定"):
        records.start(actor=recorder, talk=talk)
    approve_outline(tworld, talk)
    talk.recorder = None
    talk.save(update_fields=["recorder"])
    with pytest.raises(ValidationError, match="尚未指定记录人"):
        records.start(actor=tworld.users["commission_c1"], talk=fresh(talk))


def test_only_the_recorder_starts_and_writes(tworld):
    talk = tworld.talks["k11"]
    approve_outline(tworld, talk)
    for name in ("commission_c1", "talker_c1", "subject_k11"):
        with pytest.raises(OutOfScope):
            records.start(actor=tworld.users[name], talk=talk)
    rec = records.start(actor=tworld.users["recorder_c1"], talk=talk)
    with pytest.raises(OutOfScope):
        records.save(
            actor=tworld.users["talker_c1"],
            talk=talk,
            expected_version=rec.version,
            sections={"explanation": "x"},
        )
    assert AuditEntry.objects.filter(action="record.start").count() == 1


def test_a_save_from_an_older_version_is_refused_with_the_saved_text(tworld):
    talk, recorder = tworld.talks["k11"], tworld.users["recorder_c1"]
    approve_outline(tworld, talk)
    rec = records.start(actor=recorder, talk=talk)
    v = rec.version
    records.save(
        actor=recorder,
        talk=talk,
        expected_version=v,
        sections={"overall_evaluation": "第一位编辑的评价"},
    )
    with pytest.raises(records.StaleRecord) as stale:
        records.save(
            actor=recorder,
            talk=talk,
            expected_version=v,
            sections={"overall_evaluation": "第二位编辑的评价"},
        )
    assert stale.value.current["overall_evaluation"] == "第一位编辑的评价"
    assert stale.value.current["version"] == v + 1
    assert _record(talk).overall_evaluation == "第一位编辑的评价"


def test_problems_keep_their_ids_link_to_the_outline_and_can_be_new(tworld):
    talk, recorder = tworld.talks["k11"], tworld.users["recorder_c1"]
    approve_outline(tworld, talk)
    rec = records.start(actor=recorder, talk=talk)
    op = talk.outline.problems.unscoped("test").get()
    rec = records.save(
        actor=recorder,
        talk=talk,
        expected_version=rec.version,
        problems=[
            ProblemDraft("A3", "文山会海", outline_problem=op.pk),
            ProblemDraft("A4", "谈话中新提出的问题"),
        ],
    )
    first, second = RecordProblem.objects.unscoped("test").filter(record=rec)
    assert first.outline_problem_id == op.pk and second.outline_problem_id is None
    rec = records.save(
        actor=recorder,
        talk=talk,
        expected_version=rec.version,
        problems=[
            ProblemDraft("A4", "谈话中新提出的问题（修改）", id=second.pk),
        ],
    )
    [left] = RecordProblem.objects.unscoped("test").filter(record=rec)
    assert left.pk == second.pk and left.text.endswith("（修改）")
    with pytest.raises(ValidationError, match="提纲问题"):
        records.save(
            actor=recorder,
            talk=talk,
            expected_version=rec.version,
            problems=[ProblemDraft("A1", "x", outline_problem=999999)],
        )


def test_held_asks_both_to_confirm_and_lets_the_subject_read_the_record(tworld):
    talk = tworld.talks["k11"]
    subject = tworld.users["subject_k11"]
    assert not TalkRecord.objects.visible_to(subject).exists()
    held_record(tworld, talk)
    assert fresh(talk).status == TalkStatus.HELD
    assert TalkRecord.objects.visible_to(subject).count() == 1
    assert set(
        Notice.objects.filter(kind="record_to_confirm").values_list(
            "recipient__username", flat=True
        )
    ) == {"talker_c1", "subject_k11"}


def test_a_wrong_password_confirms_nothing_and_is_audited(tworld):
    talk = tworld.talks["k11"]
    rec = held_record(tworld, talk)
    with pytest.raises(ValidationError, match="密码"):
        records.confirm(
            actor=tworld.users["talker_c1"],
            talk=talk,
            password="wrong",
            expected_version=rec.version,
        )
    assert _record(talk).talker_confirmed_at is None
    assert AuditEntry.objects.filter(action="auth.reauth_failed").count() == 1


def test_both_confirmations_seal_the_record_with_a_hash_anyone_can_recompute(tworld):
    talk = tworld.talks["k11"]
    rec = held_record(tworld, talk, explanation="情况属实，将认真整改")
    rec = records.confirm(
        actor=tworld.users["talker_c1"],
        talk=talk,
        password=TEST_PASSWORD,
        expected_version=rec.version,
    )
    assert not rec.is_sealed
    with pytest.raises(ValidationError, match="已确认"):
        records.confirm(
            actor=tworld.users["talker_c1"],
            talk=talk,
            password=TEST_PASSWORD,
            expected_version=rec.version,
        )
    rec = records.confirm(
        actor=tworld.users["subject_k11"],
        talk=talk,
        password=TEST_PASSWORD,
        expected_version=rec.version,
    )
    rec = _record(talk)
    assert rec.is_sealed and len(rec.content_hash) == 64
    assert records.seal_intact(rec)
    assert fresh(talk).status == TalkStatus.SEALED
    actions = list(
        AuditEntry.objects.filter(object_type="talk_record").values_list("action", flat=True)
    )
    assert actions[-3:] == ["record.confirm", "record.confirm", "record.seal"]


def test_an_edit_after_one_confirmation_undoes_it(tworld):
    talk, recorder = tworld.talks["k11"], tworld.users["recorder_c1"]
    rec = held_record(tworld, talk)
    rec = records.confirm(
        actor=tworld.users["talker_c1"],
        talk=talk,
        password=TEST_PASSWORD,
        expected_version=rec.version,
    )
    rec = records.save(
        actor=recorder,
        talk=talk,
        expected_version=rec.version,
        sections={"requirements": "抓紧整改"},
    )
    assert rec.talker_confirmed_at is None
    # The subject confirms what they read: the version before the edit is stale now.
    with pytest.raises(records.StaleRecord):
        records.confirm(
            actor=tworld.users["subject_k11"],
            talk=talk,
            password=TEST_PASSWORD,
            expected_version=rec.version - 1,
        )


def _sealed(tworld):
    talk = tworld.talks["k11"]
    rec = held_record(tworld, talk)
    for name in ("talker_c1", "subject_k11"):
        rec = records.confirm(
            actor=tworld.users[name],
            talk=talk,
            password=TEST_PASSWORD,
            expected_version=rec.version,
        )
    return talk, _record(talk)


def test_a_sealed_record_refuses_every_edit_and_takes_dated_addenda(tworld):
    talk, rec = _sealed(tworld)
    with pytest.raises(ValidationError, match="已封存"):
        records.save(
            actor=tworld.users["recorder_c1"],
            talk=talk,
            expected_version=rec.version,
            sections={"explanation": "改"},
        )
    a = records.add_addendum(actor=tworld.users["recorder_c1"], talk=talk, text="第二段笔误更正")
    a.refresh_from_db()
    assert a.content_hash == records.addendum_hash(rec, text=a.text, at=a.at, by="recorder_c1")
    rec.refresh_from_db()
    assert records.seal_intact(rec)


def test_the_database_itself_refuses_to_change_a_sealed_record(tworld):
    talk, rec = _sealed(tworld)
    errors = DatabaseError  # SQLite: IntegrityError; PostgreSQL: the raised exception
    with pytest.raises(errors), transaction.atomic():
        TalkRecord.objects.unscoped("test").filter(pk=rec.pk).update(explanation="篡改")
    with pytest.raises(errors), transaction.atomic():
        RecordProblem.objects.unscoped("test").filter(record=rec).update(text="篡改")
    with pytest.raises(errors), transaction.atomic():
        RecordProblem.objects.create(record=rec, focus_area="A1", text="后加的问题")
    assert _record(talk).content_hash == rec.content_hash


def _totp_code(device) -> str:
    from django_otp.oath import totp

    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(6)


def test_a_confirmer_with_an_authenticator_gives_its_code_too(tworld):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    talk = tworld.talks["k11"]
    talker = tworld.users["talker_c1"]
    device = TOTPDevice.objects.create(user=talker, name="authenticator", confirmed=True)
    rec = held_record(tworld, talk)
    with pytest.raises(ValidationError, match="动态口令"):
        records.confirm(
            actor=talker, talk=talk, password=TEST_PASSWORD, token="", expected_version=rec.version
        )
    assert _record(talk).talker_confirmed_at is None
    rec = records.confirm(
        actor=talker,
        talk=talk,
        password=TEST_PASSWORD,
        token=_totp_code(device),
        expected_version=rec.version,
    )
    assert rec.talker_confirmed_at is not None
    assert AuditEntry.objects.filter(action="auth.otp_verify", result="ok").count() == 1


def test_where_roles_require_a_second_factor_a_confirmer_without_one_is_sent_to_enrol(
    tworld, settings
):
    settings.REQUIRE_TOTP = True
    talk = tworld.talks["k11"]
    rec = held_record(tworld, talk)
    with pytest.raises(ValidationError, match="绑定验证器"):
        records.confirm(
            actor=tworld.users["subject_k11"],
            talk=talk,
            password=TEST_PASSWORD,
            expected_version=rec.version,
        )
