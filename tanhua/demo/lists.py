"""The demo year's 三清单, through the same services as the pages: on the demo subject's
sealed talk the subject files a measure for each problem pointed out (one counted, "建立
交流机制 190 项"; one owned by their unit; one long-term), submits, and the talker approves;
the subject then reports progress, asks to close one measure (waiting for demo_commission)
and to extend another (waiting for demo_talker)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tanhua.accounts.models import User
from tanhua.rectification.models import Measure, RectificationPlan
from tanhua.talks.models import Talk, TalkStatus

MEASURES = (
    ("建立与省直部门、企业的常态化交流机制", "immediate", 60, 190, "项"),
    ("制定班子成员“一岗双责”责任清单并季度督办", "immediate", 45, None, ""),
    ("压减发文和会议，建立督查检查考核计划管理制度", "long_term", 120, None, ""),
)


def _user(name: str) -> User | None:
    return User.objects.filter(username=name, is_active=True).first()


def file_the_lists(year: int) -> int:
    """Returns how many measures the demo subject's lists hold (0 when the cycle did not
    seal their talk)."""
    from tanhua.rectification.services import analysis, closing, extension, progress
    from tanhua.rectification.services import plan as plans

    subject, talker = _user("demo_subject"), _user("demo_talker")
    if subject is None or talker is None or subject.cadre_id is None:
        return 0
    talk = (
        Talk.objects.unscoped("demo loader: the demo subject's sealed talk")
        .filter(campaign__year=year, subject_id=subject.cadre_id, status=TalkStatus.SEALED)
        .select_related("subject", "subject_org")
        .first()
    )
    if talk is None or RectificationPlan.objects.unscoped("demo").filter(talk=talk).exists():
        return 0
    held = talk.held_on or timezone.localdate()
    plan = plans.ensure_plan(actor=subject, talk=talk)
    drafts = []
    for i, d in enumerate(plans.drafts_of(plan)):
        text, kind, days, target, unit = MEASURES[i % len(MEASURES)]
        owner = talk.subject_org.code if i == 1 else talk.subject.code
        drafts.append(
            plans.ProblemDraft(
                focus_area=d.focus_area,
                text=d.text,
                id=d.id,
                measures=(
                    plans.MeasureDraft(
                        text=text,
                        owner_code=owner,
                        deadline=held + dt.timedelta(days=days),
                        kind=kind,
                        target_value=target,
                        target_unit=unit,
                    ),
                ),
            )
        )
    plan = plans.save_plan(actor=subject, talk=talk, problems=drafts, expected_version=None)
    for problem in plans.problems_of(plan)[:1]:
        analysis.record_analysis(
            actor=subject, talk=talk, problem_id=problem.pk,
            text="在民主生活会上逐条对照检查，主要原因是政治站位不够高、抓落实不够实。",
            meeting_date=analysis.meeting_date_of(talk) or held + dt.timedelta(days=5),
        )  # fmt: skip
    plans.submit(actor=subject, talk=talk, expected_version=None)
    plans.approve(actor=talker, talk=talk, expected_version=None)
    measures = list(Measure.objects.unscoped("demo: the lists just filed").filter(talk=talk))
    if measures:
        progress.report_progress(
            actor=subject, measure=measures[0], text="已与 12 个省直部门建立交流机制 120 项",
            value=120,
        )  # fmt: skip
    if len(measures) > 1:
        progress.report_progress(actor=subject, measure=measures[1], text="责任清单已印发")
        closing.request_close(
            actor=subject, measure=measures[1], evidence="责任清单已印发并完成首次季度督办"
        )
    if measures:
        extension.request_extension(
            actor=subject, measure=measures[0], reason="部分企业交流活动需延至年底",
            proposed_deadline=measures[0].deadline + dt.timedelta(days=30),
        )  # fmt: skip
    return len(measures)
