"""Calendars of talks: a person's own (the talker's, the recorder's, the 陪谈 official's, the
subject's), a talker's chosen by staff, a campaign's — week and list views — and the .ics
feed a calendar client subscribes to with a secret address.

Every read starts from `Talk.objects.visible_to(user)`; the feed reads as its owner at each
request, so a revoked role or a declared 回避 takes the talk out of it at once. What a row
says depends on how the viewer takes part: the subject of a talk sees its type, time and
place only (DESIGN §2), never who records it, never the outline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.org.models import is_code
from tanhua.talks.models import Talk, TalkStatus

# Who has a calendar page: those who plan talks and those who take part in them.
CALENDAR_ROLES = frozenset(R.PLAN_TALKS | R.TAKE_PART_IN_TALKS)
# A campaign's calendar names every talk of it: staff and the talkers and recorders.
CAMPAIGN_CALENDAR_ROLES = frozenset(R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER})
# The calendar's reach: far wider than any campaign, and clear of the ends of the date type.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9000, 12, 31)
DAY_START, DAY_END = 8, 20  # the week view's rows; earlier and later talks sit at the edges
LIST_LIMIT = 500
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
RELATED = ("campaign", "subject", "talker", "subject_org", "recorder", "companion")


@dataclass
class Entry:
    """One talk as a calendar row, already cut to what the viewer may see of it."""

    pk: int
    start: dt.datetime | None
    end: dt.datetime | None
    place: str
    title: str
    detail: str
    status: str
    status_label: str
    url: str
    subject_view: bool

    @property
    def span(self) -> str:
        if not self.start:
            return _("未安排")
        end = f"–{self.end:%H:%M}" if self.end else ""
        return f"{self.start:%H:%M}{end}"


def _as_subject(talk: Talk, user) -> bool:
    """The viewer sees this talk only as its subject (not also as staff, talker, recorder)."""
    from tanhua.talks.services.record import is_subject

    # Their own talk is theirs only as its subject (Talk.objects.visible_to).
    return is_subject(user, talk)


def entry_of(talk: Talk, user, *, link: bool = True) -> Entry:
    local = timezone.localtime
    start = local(talk.scheduled_start) if talk.scheduled_start else None
    end = local(talk.scheduled_end) if talk.scheduled_end else None
    url = reverse("talks:detail", args=[talk.pk]) if link else ""
    if _as_subject(talk, user):
        return Entry(
            talk.pk, start, end, talk.place, talk.get_type_display(), "", "", "", url, True
        )
    recorder = (talk.recorder.get_full_name() or talk.recorder.username) if talk.recorder else ""
    detail = _("谈话人：%(talker)s") % {"talker": talk.talker.name}
    if recorder:
        detail += _("；记录人：%(r)s") % {"r": recorder}
    return Entry(
        talk.pk,
        start,
        end,
        talk.place,
        f"{talk.subject.name}（{talk.subject_title or talk.subject_org.name}）",
        detail,
        talk.status,
        talk.get_status_display(),
        url,
        False,
    )


def own_talks(user):
    """The talks a user takes part in (as talker, subject, recorder or 陪谈), among those they
    may see."""
    mine = Q(recorder_id=user.pk) | Q(companion_id=user.pk)
    if getattr(user, "cadre_id", None):
        mine |= Q(talker_id=user.cadre_id) | Q(subject_id=user.cadre_id)
    return Talk.objects.visible_to(user).filter(mine)


def _week_of(request) -> dt.date:
    raw = request.GET.get("week", "")
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    # Weeks at the ends of the calendar have no neighbour (date arithmetic overflows).
    day = min(max(day, FIRST_DAY), LAST_DAY)
    return day - dt.timedelta(days=day.weekday())


def _week(talks, user, monday: dt.date) -> dict:
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    hours = list(range(DAY_START, DAY_END))
    cells = {(d, h): [] for d in days for h in hours}
    for talk in talks:
        e = entry_of(talk, user)
        if e.start is None or e.start.date() not in days:
            continue
        hour = min(max(e.start.hour, DAY_START), DAY_END - 1)
        cells[(e.start.date(), hour)].append(e)
    today = timezone.localdate()
    return {
        "days": [{"date": d, "name": WEEKDAYS[i], "today": d == today} for i, d in enumerate(days)],
        "rows": [{"hour": h, "cells": [cells[(d, h)] for d in days]} for h in hours],
        "prev": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "monday": monday,
        "sunday": days[-1],
    }


def _range(qs, monday: dt.date):
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    return qs.filter(scheduled_start__gte=start, scheduled_start__lt=start + dt.timedelta(days=7))


def _render(request, template: str, talks_qs, extra: dict):
    view = "list" if request.GET.get("view") == "list" else "week"
    monday = _week_of(request)
    qs = talks_qs.select_related(*RELATED).order_by("scheduled_start", "pk")
    context = {"view": view, "monday": monday, **extra}
    if view == "week":
        context["week"] = _week(list(_range(qs, monday)), request.user, monday)
    else:
        rows = [
            entry_of(t, request.user) for t in qs.filter(scheduled_start__isnull=False)[:LIST_LIMIT]
        ]
        context["entries"] = rows
        context["limited"] = len(rows) >= LIST_LIMIT
        context["unscheduled"] = qs.filter(scheduled_start__isnull=True).count()
    return render(request, template, context)


def _feed_context(user) -> dict:
    from tanhua.notices.models import CalendarFeed

    return {"feed": CalendarFeed.objects.visible_to(user).active().first()}


@never_cache
@login_required
@require_GET
def talker_calendar(request):
    """The viewer's own talks; staff may choose a talker in their scope (`?talker=CODE`)."""
    user = request.user
    scoping.require(scoping.has_any(user, CALENDAR_ROLES))
    code = (request.GET.get("talker") or "").strip()[:32]
    staff = scoping.has_any(user, R.PLAN_TALKS)
    talkers = []
    chosen = None
    if staff:
        talkers = _talkers(user)
        chosen = next((t for t in talkers if t.code == code), None)
    if chosen is not None:
        qs = Talk.objects.visible_to(user).filter(talker=chosen)
    else:
        qs = own_talks(user)
    return _render(
        request,
        "talks/calendar.html",
        talks_qs=qs,
        extra={
            "talkers": talkers,
            "chosen": chosen,
            "code": code if chosen else "",
            "unknown_talker": bool(code) and chosen is None and staff,
            "base_url": reverse("talks:calendar"),
            "keep": {"talker": chosen.code} if chosen else {},
            "heading": _("%(name)s的谈话日历") % {"name": chosen.name}
            if chosen
            else _("我的谈话日历"),
            **_feed_context(user),
            "new_feed_url": None,
        },
    )


def _talkers(user) -> list:
    """The talkers of the talks the staff member sees (one query, through the scoping layer,
    so the read audit names them)."""
    from tanhua.org.models import Cadre

    ids = Talk.objects.visible_to(user).order_by().values("talker_id")
    return list(Cadre.objects.visible_to(user).filter(pk__in=ids).order_by("code"))


@never_cache
@login_required
@require_GET
def campaign_calendar(request, pk: int):
    from tanhua.campaigns.models import Campaign

    user = request.user
    scoping.require(scoping.has_any(user, CAMPAIGN_CALENDAR_ROLES))
    campaign = get_object_or_404(
        Campaign.objects.visible_to(user).select_related("committee"), pk=pk
    )
    qs = Talk.objects.visible_to(user).filter(campaign=campaign)
    status = request.GET.get("status", "")
    if status in TalkStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    code = (request.GET.get("talker") or "").strip()[:32]
    if code:
        qs = qs.filter(talker__code=code) if is_code(code) else qs.none()
    keep = {k: v for k, v in (("status", status), ("talker", code)) if v}
    return _render(
        request,
        "talks/campaign_calendar.html",
        talks_qs=qs,
        extra={
            "campaign": campaign,
            "statuses": TalkStatus.choices,
            "status": status,
            "code": code,
            "keep": keep,
            "base_url": reverse("campaigns:calendar", args=[campaign.pk]),
            "heading": _("%(name)s · 日历") % {"name": campaign.name},
        },
    )


# --- the .ics feed --------------------------------------------------------------------


@require_POST
@login_required
def feed_issue(request):
    from tanhua.notices import feeds

    scoping.require(scoping.has_any(request.user, CALENDAR_ROLES))
    _feed, plain = feeds.issue_feed(actor=request.user, user=request.user)
    # The secret is shown once, on the page this answers, and never stored.
    url = request.build_absolute_uri(reverse("talks:calendar_feed", args=[plain]))
    qs = own_talks(request.user)
    return _render(
        request,
        "talks/calendar.html",
        talks_qs=qs,
        extra={
            "talkers": [],
            "chosen": None,
            "base_url": reverse("talks:calendar"),
            "keep": {},
            "heading": _("我的谈话日历"),
            **_feed_context(request.user),
            "new_feed_url": url,
        },
    )


@require_POST
@login_required
def feed_revoke(request):
    from django.contrib import messages

    from tanhua.notices import feeds

    scoping.require(scoping.has_any(request.user, CALENDAR_ROLES))
    n = feeds.revoke_feeds(actor=request.user, user=request.user)
    if n:
        messages.success(request, _("日历订阅地址已停用，使用它的日历将不再更新"))
    return redirect("talks:calendar")


@require_GET
def feed(request, secret: str):
    """The owner's talks as iCalendar, for a client that cannot log in: the secret address
    is the credential. Read as the owner now; audited as the owner's read (without the
    secret, which the request's path carries)."""
    from icalendar import Calendar, Event

    from tanhua.core.scoped import shown_on
    from tanhua.notices import feeds

    row = feeds.resolve_feed(secret)
    if row is None or not scoping.has_any(row.user, CALENDAR_ROLES):
        raise Http404
    owner = row.user
    talks = list(
        own_talks(owner)
        .filter(scheduled_start__isnull=False)
        .select_related(*RELATED)
        .order_by("scheduled_start")
    )
    cal = Calendar()
    cal.add("prodid", "-//Tanhua//谈话日历//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("谈话日历"))
    cal.add("x-wr-timezone", timezone.get_current_timezone_name())
    stamp = timezone.now()
    for talk in talks:
        e = entry_of(talk, owner, link=False)
        event = Event()
        event.add("uid", f"talk-{talk.pk}@tanhua")
        event.add("dtstamp", stamp)
        event.add("dtstart", talk.scheduled_start)
        event.add("dtend", talk.scheduled_end or talk.scheduled_start + dt.timedelta(hours=1))
        event.add("sequence", talk.version)
        event.add("summary", e.title if e.subject_view else _("谈话：%(t)s") % {"t": e.title})
        if talk.place:
            event.add("location", talk.place)
        event.add("class", "CONFIDENTIAL")
        cal.add_component(event)
    audit.record(
        "calendar_feed.read",
        object_type="calendar_feed",
        object_id=str(row.pk),
        object_repr=f"{owner.username}（{row.prefix}…）",
        actor=owner,
        detail={
            "talks": [t.pk for t in talks],
            "codes": sorted({t.subject.code for t in talks}),
            "count": len(talks),
        },
    )
    # The entry above is the read; the middleware's would carry the secret in its path.
    shown_on(request).clear()
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
