"""The subject's analysis of each problem at the leadership team's 民主生活会 (对照检查),
with the meeting's date (by default the team's TeamMeeting date). Kept, never edited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.rectification.models import LifeMeetingAnalysis, Problem
from tanhua.rectification.services import rules
from tanhua.rectification.services.plan import _locked_plan, _talk_for
from tanhua.talks.models import Talk


def meeting_date_of(talk: Talk) -> dt.date | None:
    """The subject's team's 民主生活会 of the campaign's year, where one is set."""
    from tanhua.campaigns.models import TeamMeeting

    meeting = TeamMeeting.objects.filter(
        organization_id=talk.subject_org_id, year=talk.campaign.year
    ).first()
    return meeting.date if meeting else None


MAX_ANALYSIS = 8000


@transaction.atomic
def record_analysis(
    *, actor, talk: Talk, problem_id: int, text: str, meeting_date: dt.date | None = None
) -> LifeMeetingAnalysis:
    """The subject's analysis of one problem at the team's 民主生活会, with the meeting's
    date (default: the team's TeamMeeting date). Analyses are kept, never edited."""
    talk = _talk_for(actor, talk)
    scoping.require(rules.may_file(actor, talk))
    plan = _locked_plan(talk)
    problem = (
        Problem.objects.unscoped("a problem of the locked plan")
        .filter(plan=plan, pk=problem_id)
        .first()
    )
    if problem is None:
        raise ValidationError(_("此问题已不在清单中，请刷新后重试"), code="unknown")
    text = (text or "").strip()
    if not text or len(text) > MAX_ANALYSIS:
        raise ValidationError(
            _("请填写对照检查内容（不超过%(n)d字）") % {"n": MAX_ANALYSIS}, code="text"
        )
    day = meeting_date or meeting_date_of(talk)
    if day is None:
        raise ValidationError(_("请填写民主生活会日期"), code="meeting_date")
    if talk.held_on and day < talk.held_on - dt.timedelta(days=366):
        raise ValidationError(_("民主生活会日期与谈话相隔过远，请核对"), code="meeting_date")
    if day > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError(_("民主生活会日期不能晚于一年以后"), code="meeting_date")
    analysis = LifeMeetingAnalysis.objects.create(
        problem=problem, meeting_date=day, text=text, by=actor
    )
    audit.record(
        "rectification_plan.analysis",
        object_type="rectification_plan",
        object_id=str(talk.pk),
        after={"problem": problem.pk, "meeting_date": day.isoformat()},
        detail={"chars": len(text)},
        actor=actor,
    )
    return analysis
