"""Scheduling and calendars over the REST API: schedule or move a talk (If-Match its
version), and the caller's calendar (or, for staff, a talker's in their scope).

Writes call tanhua.talks.services.schedule and nothing else; reads start from
`Talk.objects.visible_to(user)`. Out of scope answers 404 like absent."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from tanhua.accounts import roles as R
from tanhua.api.errors import FieldError, UnknownReference, expected_version
from tanhua.api.schemas import EDIT_ERRORS, READ_ERRORS, text
from tanhua.core import scoping
from tanhua.core.versioning import etag
from tanhua.talks import calendar
from tanhua.talks.models import Talk
from tanhua.talks.services import schedule as svc

router = Router(tags=["talks"])

_BODY_FIELD = {
    "scheduled_start": "start",
    "scheduled_end": "end",
    "place": "place",
    "recorder": "recorder",
    "companion": "companion",
    "reason": "reason",
    "status": "start",
}


class ScheduleIn(Schema):
    start: dt.datetime = Field(
        description="开始时间（ISO 8601，带时区，如 2026-06-02T09:00:00+08:00）"
    )
    end: dt.datetime | None = Field(None, description="结束时间；不填则按 1 小时安排")
    place: text(svc.MAX_PLACE) = Field(description="谈话地点")
    recorder: text(150) | None = Field(None, description="记录人的用户名；不填则保留当前记录人")
    companion: text(150) | None = Field(None, description="陪谈人员的用户名；空字符串表示不设")
    reason: text(svc.MAX_REASON, min_length=0) = Field("", description="调整原因")


class ScheduleOut(Schema):
    id: int
    status: str
    status_label: str
    start: dt.datetime | None
    end: dt.datetime | None
    place: str
    recorder: str | None
    companion: str | None
    team_meeting: dt.date | None
    warning: str
    version: int


class CalendarEntryOut(Schema):
    id: int
    start: dt.datetime | None
    end: dt.datetime | None
    place: str
    title: str
    detail: str
    status: str
    url: str


class CalendarOut(Schema):
    count: int
    items: list[CalendarEntryOut]


class CalendarQuery(Schema):
    talker: str | None = Field(None, max_length=32, description="谈话人干部编号（工作人员可用）")
    start: dt.date | None = Field(
        None, ge=calendar.FIRST_DAY, le=calendar.LAST_DAY, description="自该日起（含）"
    )
    end: dt.date | None = Field(
        None, ge=calendar.FIRST_DAY, le=calendar.LAST_DAY, description="至该日止（含）"
    )


def _out(talk: Talk) -> dict:
    return {
        "id": talk.pk,
        "status": talk.status,
        "status_label": talk.get_status_display(),
        "start": talk.scheduled_start,
        "end": talk.scheduled_end,
        "place": talk.place,
        "recorder": talk.recorder.username if talk.recorder else None,
        "companion": talk.companion.username if talk.companion else None,
        "team_meeting": svc.team_meeting_date(talk),
        "warning": svc.meeting_warning(talk),
        "version": talk.version,
    }


def _assignee(talk: Talk, name: str | None, role: str, field: str, current):
    from tanhua.accounts.models import User

    if name is None:
        return current
    if name == "":
        return None
    user = svc.staff_choices(talk, role).filter(username=name).first()
    if user is None:
        # Absent, out of scope, not cleared, declared: one answer.
        raise FieldError(svc.assignee_refusal(talk, name, role, field), ["body", field])
    return User.objects.get(pk=user.pk)


@router.post(
    "/talks/{id}/schedule",
    response={200: ScheduleOut, **EDIT_ERRORS},
    summary="安排或调整谈话",
    operation_id="schedule_talk",
)
def schedule_talk(request, response: HttpResponse, id: int, payload: ScheduleIn):
    user = request.auth
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))
    talk = get_object_or_404(
        Talk.objects.visible_to(user).select_related(
            "campaign__committee", "subject", "subject_org", "recorder", "companion"
        ),
        pk=id,
    )
    expected = expected_version(request)
    recorder = _assignee(talk, payload.recorder, R.Role.RECORDER, "recorder", talk.recorder)
    companion = _assignee(talk, payload.companion, R.Role.COMMISSION, "companion", talk.companion)
    try:
        svc.schedule_talk(
            actor=user,
            talk=talk,
            start=payload.start,
            end=payload.end,
            place=payload.place,
            recorder=recorder,
            companion=companion,
            reason=payload.reason,
            expected_version=expected,
        )
    except ValidationError as exc:
        field = _BODY_FIELD.get(exc.error_list[0].code or "", "")
        raise FieldError(exc, ["body", field] if field else ["body"]) from exc
    fresh = (
        Talk.objects.visible_to(user)
        .select_related("campaign", "subject_org", "recorder", "companion")
        .get(pk=talk.pk)
    )
    response["ETag"] = etag(fresh)
    return _out(fresh)


@router.get(
    "/calendar",
    response={200: CalendarOut, **READ_ERRORS},
    summary="谈话日历",
    operation_id="calendar",
)
def get_calendar(request, query: Query[CalendarQuery]):
    """The caller's own talks; staff may name a talker in their scope (`talker`). The
    subject of a talk gets its type, time and place only."""
    user = request.auth
    scoping.require(scoping.has_any(user, calendar.CALENDAR_ROLES))
    if query.talker:
        scoping.require(scoping.has_any(user, R.PLAN_TALKS))
        qs = Talk.objects.visible_to(user).filter(talker__code=query.talker)
        if not qs.exists():
            raise UnknownReference(f"talker：谈话人“{query.talker}”不存在或没有您可见的谈话")
    else:
        qs = calendar.own_talks(user)
    qs = qs.filter(scheduled_start__isnull=False)
    tz = timezone.get_current_timezone()
    if query.start:
        qs = qs.filter(scheduled_start__gte=dt.datetime.combine(query.start, dt.time.min, tz))
    if query.end:
        qs = qs.filter(
            scheduled_start__lt=dt.datetime.combine(query.end, dt.time.min, tz)
            + dt.timedelta(days=1)
        )
    talks = list(qs.select_related(*calendar.RELATED).order_by("scheduled_start", "pk")[:1000])
    items = []
    for t in talks:
        e = calendar.entry_of(t, user)
        items.append(
            {
                "id": e.pk,
                "start": t.scheduled_start,
                "end": t.scheduled_end,
                "place": e.place,
                "title": e.title,
                "detail": e.detail,
                "status": e.status,
                "url": e.url,
            }
        )
    return {"count": len(items), "items": items}
