"""Factories for the lists' tests: a talk sealed with the problems pointed out in it (written
straight to the tables, as if the record's confirmation had run), and a talk's plan filed,
submitted and approved through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tanhua.talks.models import RecordProblem, Talk, TalkRecord, TalkStatus

HELD_ON = dt.date(2026, 6, 10)
POINTED = (
    ("A3", "调研不深入，存在文山会海现象"),
    ("A2", "履行管党治党主体责任不到位，一岗双责落实不够"),
)


def seal_talk(talk: Talk, problems=POINTED, held_on: dt.date = HELD_ON) -> Talk:
    """The talk held on `held_on` and its record sealed, pointing out `problems`."""
    now = timezone.now()
    record, _ = TalkRecord.objects.unscoped("test factory").get_or_create(
        talk=talk,
        defaults={"overall_evaluation": "总体较好", "classification": talk.classification},
    )
    for i, (fa, text) in enumerate(problems, start=1):
        RecordProblem.objects.create(
            record=record, order=i, focus_area=fa, text=text, campaign_id=talk.campaign_id,
            year=talk.year, committee_id=talk.committee_id, talk_type=talk.type, sealed=True,
        )  # fmt: skip
    # Sealed last: a sealed record (and its problems) never changes again.
    TalkRecord.objects.unscoped("test factory").filter(pk=record.pk).update(
        sealed_at=now, talker_confirmed_at=now, subject_confirmed_at=now, content_hash="0" * 64
    )
    Talk.objects.unscoped("test factory").filter(pk=talk.pk).update(
        status=TalkStatus.SEALED, held_on=held_on
    )
    talk.refresh_from_db()
    return talk


def file_plan(
    talk: Talk,
    filer,
    approver=None,
    *,
    owner_code: str | None = None,
    deadline: dt.date = dt.date(2026, 10, 31),
    target=None,
    unit: str = "",
):
    """File one measure for each pointed-out problem through the services, submit it and
    (with `approver`) approve it. Returns the plan."""
    from tanhua.rectification.services import plan as plans

    plan = plans.ensure_plan(actor=filer, talk=talk)
    code = owner_code or talk.subject.code
    drafts = [
        plans.ProblemDraft(
            focus_area=d.focus_area, text=d.text, id=d.id,
            measures=(plans.MeasureDraft(text=f"整改：{d.text[:10]}", owner_code=code,
                                         deadline=deadline, target_value=target,
                                         target_unit=unit),),
        )
        for d in plans.drafts_of(plan)
    ]  # fmt: skip
    plan = plans.save_plan(actor=filer, talk=talk, problems=drafts, expected_version=plan.version)
    plan = plans.submit(actor=filer, talk=talk, expected_version=plan.version)
    if approver is not None:
        plan = plans.approve(actor=approver, talk=talk, expected_version=plan.version)
    return plan
