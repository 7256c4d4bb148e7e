"""Scheduling a talk: its time, place, recorder and 陪谈 official; moving it; taking it off
the calendar (DESIGN §4, issue 9 "Scheduling").

One write path per change (`schedule_talk`, `unschedule_talk`): each re-reads the talk under
lock, checks the version it was edited from, checks every rule (refusing with the field and
the reason in Chinese), saves, keeps the history (TalkChange), writes its audit entry, settles
the talk's status and tells those concerned — all in one transaction, the mail after commit.

Rules:
- inside the campaign's window (first to last day, local time);
- strictly before the subject's team's 民主生活会 (TeamMeeting of talk.subject_org for the
  campaign's year): a talk on the meeting day itself is refused, since the meeting has only a
  date and the talk must come first. Where no date is entered yet the talk may be scheduled
  (refusing would block every campaign whose dates come late); `meeting_warning()` says the
  date is unknown, and the page and the API show it;
- no person is in two talks at once: the talker and the subject (as talker or as subject, in
  every campaign and of every type), the recorder and the 陪谈 official;
- never once the talk is held;
- the recorder holds the recorder role, the 陪谈 official the commission role, both active,
  in the organising committee's scope (an office member: their office covers the subject's
  organization), cleared for the talk and without a declared 回避 of its subject.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.versioning import Change, StaleEdit
from tanhua.talks.models import HELD_OR_LATER, Talk, TalkChange
from tanhua.talks.services.state import settled_status

DEFAULT_DURATION = dt.timedelta(hours=1)
MAX_DURATION = dt.timedelta(hours=8)
MAX_PLACE = 200
MAX_REASON = 300
FIELDS = ["scheduled_start", "scheduled_end", "place", "recorder", "companion", "status"]
LABELS = {
    "scheduled_start": gettext_lazy("谈话时间"),
    "scheduled_end": gettext_lazy("预计结束"),
    "place": gettext_lazy("谈话地点"),
    "recorder": gettext_lazy("记录人"),
    "companion": gettext_lazy("陪谈人员"),
    "status": gettext_lazy("状态"),
}
# A time or place change concerns the subject; a change of recorder or 陪谈 does not.
SUBJECT_FIELDS = frozenset({"scheduled_start", "scheduled_end", "place"})


def _refuse(field: str, message: str):
    """A refusal naming its field: `code` is the field, so pages and the API attach it."""
    return ValidationError(f"{LABELS[field]}：{message}", code=field)


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


def _span(start: dt.datetime, end: dt.datetime) -> str:
    a, b = _local(start), _local(end)
    tail = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M")
    return f"{a:%Y-%m-%d %H:%M}–{tail}"


def people_of(talk: Talk) -> dict:
    """The accounts linked to the talker's and the subject's cadre records."""
    from tanhua.accounts.models import User

    rows = User.objects.filter(
        is_active=True, cadre_id__in=[talk.talker_id, talk.subject_id]
    ).prefetch_related("role_grants")
    out = {"talker": [], "subject": []}
    for u in rows:
        if u.cadre_id == talk.talker_id:
            out["talker"].append(u)
        if u.cadre_id == talk.subject_id:
            out["subject"].append(u)
    return out


def team_meeting_date(talk: Talk) -> dt.date | None:
    from tanhua.campaigns.models import TeamMeeting

    row = TeamMeeting.objects.filter(
        organization_id=talk.subject_org_id, year=talk.campaign.year
    ).first()
    return row.date if row else None


def meeting_warning(talk: Talk) -> str:
    """What the scheduler should know but that does not refuse the talk."""
    if team_meeting_date(talk) is None:
        return _("%(org)s %(year)s 年度民主生活会日期尚未录入：请录入后核对谈话是否在其之前") % {
            "org": talk.subject_org.name,
            "year": talk.campaign.year,
        }
    return ""


def staff_choices(talk: Talk, role: str):
    """Active users of `role` in the organising committee's scope (own organization and
    below), cleared for the talk, without a declared 回避 of its subject: the recorders and
    陪谈 officials a page may offer."""
    from tanhua.accounts.models import ConflictDeclaration, User

    level = max(talk.classification, talk.subject.classification)
    declared = ConflictDeclaration.objects.filter(cadre_id=talk.subject_id, active=True)
    # A commission member of an office sees only its localities' talks: offered only where
    # the office covers the subject's organization (a locality at or above it).
    above = scoping.path_and_above(talk.subject_org.path)
    covered = Q(office__isnull=True) | Q(office__localities__path__in=above)
    return (
        User.objects.filter(
            covered,
            is_active=True,
            role_grants__role=role,
            organization__path__startswith=talk.campaign.committee.path,
            clearance__gte=level,
        )
        .exclude(pk__in=declared.values("user_id"))
        .exclude(cadre_id__in=[talk.talker_id, talk.subject_id])
        .select_related("organization")
        .order_by("organization__path", "username")
        .distinct()
    )


def assignee_refusal(talk: Talk, name: str, role: str, field: str) -> ValidationError:
    """The one refusal of a recorder or 陪谈 official, whether the account is absent, out of
    the committee's scope, not cleared or declared: it says what is needed, nothing more."""
    what = _("记录人") if role == R.Role.RECORDER else _("纪委监委工作人员")
    return _refuse(
        field,
        _(
            "“%(name)s”不能担任：须为%(committee)s及其下级的在岗%(what)s，"
            "密级不低于本次谈话，且未对被谈话人申报回避"
        )
        % {"name": name, "committee": talk.campaign.committee.name, "what": what},
    )


def _check_assignee(talk: Talk, user, role: str, field: str) -> None:
    if user is None:
        return
    if not staff_choices(talk, role).filter(pk=user.pk).exists():
        raise assignee_refusal(talk, user.username, role, field)


def _overlapping(start: dt.datetime, end: dt.datetime, talk: Talk):
    # Every campaign and type: one person is never in two talks at once.
    return (
        Talk.objects.unscoped("double-booking check across every campaign (times only)")
        .exclude(pk=talk.pk)
        .filter(scheduled_start__lt=end, scheduled_end__gt=start)
    )


def _check_free(talk: Talk, start, end, recorder, companion) -> None:
    busy = _overlapping(start, end, talk)
    for field, cadre_id, who in (
        ("scheduled_start", talk.talker_id, _("谈话人")),
        ("scheduled_start", talk.subject_id, _("被谈话人")),
    ):
        clash = busy.filter(Q(talker_id=cadre_id) | Q(subject_id=cadre_id)).first()
        if clash is not None:
            # Only the time of the other talk: it may lie outside the scheduler's scope.
            raise _refuse(
                field,
                _("%(who)s在 %(span)s 已有另一场谈话，同一人不能同时参加两场谈话")
                % {"who": who, "span": _span(clash.scheduled_start, clash.scheduled_end)},
            )
    for field, user in (("recorder", recorder), ("companion", companion)):
        if user is None:
            continue
        clash = busy.filter(Q(recorder_id=user.pk) | Q(companion_id=user.pk)).first()
        if clash is not None:
            raise _refuse(
                field,
                _("“%(name)s”在 %(span)s 已有另一场谈话的安排，不能同时参加两场")
                % {
                    "name": user.username,
                    "span": _span(clash.scheduled_start, clash.scheduled_end),
                },
            )


def _check_dates(talk: Talk, start: dt.datetime, end: dt.datetime) -> None:
    campaign = talk.campaign
    first, last = _local(start).date(), _local(end).date()
    if first < campaign.window_start or last > campaign.window_end:
        raise _refuse(
            "scheduled_start",
            _("须在本次谈话工作的时间范围内（%(a)s 至 %(b)s）")
            % {"a": campaign.window_start, "b": campaign.window_end},
        )
    meeting = team_meeting_date(talk)
    if meeting is not None and last >= meeting:
        raise _refuse(
            "scheduled_start",
            _("须在%(org)s民主生活会（%(date)s）之前谈话，最晚 %(latest)s")
            % {
                "org": talk.subject_org.name,
                "date": meeting,
                "latest": meeting - dt.timedelta(days=1),
            },
        )


def _lock(actor, talk: Talk) -> Talk:
    locked = (
        Talk.objects.unscoped("re-read under lock; scope checked next")
        .select_for_update()
        .get(pk=talk.pk)
    )
    if actor is not None:
        scoping.require(scoping.has_any(actor, R.PLAN_TALKS))
        scoping.require(Talk.objects.handled_by(actor).filter(pk=talk.pk).exists())
    # Related rows read after the lock, so the checks see what the lock protects.
    return (
        Talk.objects.unscoped("the locked talk, with what its checks read")
        .select_related("campaign__committee", "subject_org", "subject", "talker")
        .get(pk=locked.pk)
    )


def _check_fresh(talk: Talk, expected_version: int | None) -> None:
    """Refuse an edit made from an older version, naming what the schedule's history says
    changed since (TalkChange keeps the version each change made)."""
    if expected_version is None or int(expected_version) == talk.version:
        return
    since = [
        c
        for c in talk.changes.select_related("by")
        if int((c.after or {}).get("version", 0)) > int(expected_version)
    ]
    changes = [
        Change(
            who=c.by.username if c.by else "",
            at=c.at,
            fields={
                k: (c.before.get(k), c.after.get(k))
                for k in FIELDS
                if c.before.get(k) != c.after.get(k)
            },
        )
        for c in since
    ]
    raise StaleEdit(current_version=talk.version, changes=changes, labels=LABELS)


def _state(talk: Talk) -> dict:
    out = audit.snapshot(talk, FIELDS)
    # One form per instant (UTC), so a value read back compares equal to the one just set.
    for k in ("scheduled_start", "scheduled_end"):
        value = getattr(talk, k)
        out[k] = value.astimezone(dt.UTC).isoformat() if value else None
    out["version"] = talk.version
    return out


@dataclass(frozen=True)
class _Told:
    title: str
    body: str


def _detail_url(talk: Talk) -> str:
    try:
        return reverse("talks:detail", args=[talk.pk])
    except NoReverseMatch:  # pragma: no cover - the talk page is always installed
        return ""


def _tell(talk: Talk, *, kind: str, before: dict, after: dict, old_users: list) -> None:
    """Tell those concerned, each only what they may see: the talker, the recorder and the
    陪谈 official the whole arrangement; the subject the time and place only, and only when
    those changed; a recorder or official taken off, that they no longer take part."""
    from tanhua.accounts.models import User
    from tanhua.notices.services import notify

    key = f"talk:{talk.pk}:{kind}:{talk.version}"
    url = _detail_url(talk)
    when = (
        _span(talk.scheduled_start, talk.scheduled_end)
        if talk.scheduled_start
        else _("（已取消安排）")
    )
    changed = {k for k in FIELDS if before.get(k) != after.get(k)}
    people = people_of(talk)
    names = {
        u.pk: u.get_full_name() or u.username
        for u in User.objects.filter(pk__in=[talk.recorder_id, talk.companion_id])
    }
    verb = {
        "schedule": _("已安排"),
        "move": _("已调整"),
        "unschedule": _("已取消安排"),
    }[kind]
    staff_text = _(
        "与%(subject)s（%(title)s）的谈话%(verb)s。时间：%(when)s；地点：%(place)s；"
        "记录人：%(recorder)s；陪谈人员：%(companion)s。"
    ) % {
        "subject": talk.subject.name,
        "title": talk.subject_title or talk.subject_org.name,
        "verb": verb,
        "when": when,
        "place": talk.place or _("未定"),
        "recorder": names.get(talk.recorder_id, _("未定")),
        "companion": names.get(talk.companion_id, _("无")),
    }
    insiders = [*people["talker"]]
    insiders += [u for u in User.objects.filter(pk__in=[talk.recorder_id, talk.companion_id])]
    insiders = [u for u in insiders if Talk.objects.visible_to(u).filter(pk=talk.pk).exists()]
    notify(
        recipients=insiders,
        event_key=key,
        kind=f"talk.{kind}",
        title=_("谈话安排%(verb)s：%(when)s") % {"verb": verb, "when": when},
        body=staff_text,
        url=url,
    )
    if changed & SUBJECT_FIELDS:
        subjects = [
            u for u in people["subject"] if Talk.objects.visible_to(u).filter(pk=talk.pk).exists()
        ]
        notify(
            recipients=subjects,
            event_key=key,
            kind=f"talk.{kind}",
            title=_("您的谈话安排%(verb)s：%(when)s") % {"verb": verb, "when": when},
            body=_("%(type)s。时间：%(when)s；地点：%(place)s。")
            % {
                "type": talk.get_type_display(),
                "when": when,
                "place": talk.place or _("另行通知"),
            },
            url=reverse("talks:calendar"),
        )
    dropped = [u for u in old_users if u.pk not in {talk.recorder_id, talk.companion_id}]
    notify(
        recipients=dropped,
        event_key=key,
        kind="talk.released",
        # Named by its former time only: they no longer see the talk.
        title=_("您已不再参加原定于 %(when)s 的一场谈话") % {"when": before.get("_when", "")},
        url=reverse("notices:list"),
    )


def _save(actor, talk: Talk, *, kind: str, before: dict, reason: str, old_users: list) -> Talk:
    talk.status = settled_status(talk)
    talk.save(update_fields=[*FIELDS, *talk.bump_version(), "updated_at"])
    after = _state(talk)
    TalkChange.objects.create(
        talk=talk,
        kind=kind,
        before=before,
        after=after,
        reason=reason,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        f"talk.{kind}",
        object_type="talk",
        object_id=str(talk.pk),
        object_repr=str(talk),
        before=before,
        after=after,
        detail={"reason": reason} if reason else None,
        actor=actor,
    )
    _tell(talk, kind=kind, before=before, after=after, old_users=old_users)
    return talk


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(_("调整原因：不能超过%(n)s个字符") % {"n": MAX_REASON}, code="reason")
    return reason


@transaction.atomic
def schedule_talk(
    *,
    actor,
    talk: Talk,
    start: dt.datetime,
    end: dt.datetime | None = None,
    duration: dt.timedelta | None = None,
    place: str,
    recorder,
    companion=None,
    reason: str = "",
    expected_version: int | None = None,
) -> Talk:
    """Give the talk its time, place, recorder and (optionally) 陪谈 official, or move it.
    `actor` None is the operator (command line, demo); a person needs PLAN_TALKS and the
    talk in scope. A move of a scheduled talk is kept as kind "move"."""
    talk = _lock(actor, talk)
    _check_fresh(talk, expected_version)
    if talk.status in HELD_OR_LATER:
        raise _refuse("status", _("谈话已举行，不能再更改安排"))
    if start is None:
        raise _refuse("scheduled_start", _("请填写谈话时间"))
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    if end is None:
        end = start + (duration or DEFAULT_DURATION)
    elif timezone.is_naive(end):
        end = timezone.make_aware(end)
    if end <= start:
        raise _refuse("scheduled_end", _("结束时间须晚于开始时间"))
    if end - start > MAX_DURATION:
        raise _refuse("scheduled_end", _("一场谈话不能超过 8 小时"))
    place = (place or "").strip()
    if not place:
        raise _refuse("place", _("请填写谈话地点"))
    if len(place) > MAX_PLACE:
        raise _refuse("place", _("不能超过%(n)s个字符") % {"n": MAX_PLACE})
    if recorder is None:
        raise _refuse("recorder", _("请指定记录人（专人全程记录）"))
    if companion is not None and companion.pk == recorder.pk:
        raise _refuse("companion", _("陪谈人员不能由记录人兼任"))
    reason = _clean_reason(reason)
    _check_dates(talk, start, end)
    _check_assignee(talk, recorder, R.Role.RECORDER, "recorder")
    _check_assignee(talk, companion, R.Role.COMMISSION, "companion")
    _check_free(talk, start, end, recorder, companion)

    before = _state(talk)
    if talk.scheduled_start:
        before["_when"] = _span(talk.scheduled_start, talk.scheduled_end)
    old_users = [u for u in (talk.recorder, talk.companion) if u is not None]
    kind = "move" if talk.scheduled_start is not None else "schedule"
    new = {
        "scheduled_start": start,
        "scheduled_end": end,
        "place": place,
        "recorder_id": recorder.pk,
        "companion_id": companion.pk if companion else None,
    }
    if all(getattr(talk, k) == v for k, v in new.items()):
        return talk
    for k, v in new.items():
        setattr(talk, k, v)
    return _save(actor, talk, kind=kind, before=before, reason=reason, old_users=old_users)


@transaction.atomic
def unschedule_talk(
    *, actor, talk: Talk, reason: str = "", expected_version: int | None = None
) -> Talk:
    """Take the talk off the calendar (time and place cleared; recorder and 陪谈 kept, so a
    new time needs no new assignment). Kept in the history and told like a move."""
    talk = _lock(actor, talk)
    _check_fresh(talk, expected_version)
    if talk.status in HELD_OR_LATER:
        raise _refuse("status", _("谈话已举行，不能再更改安排"))
    if talk.scheduled_start is None:
        return talk
    reason = _clean_reason(reason)
    before = _state(talk)
    before["_when"] = _span(talk.scheduled_start, talk.scheduled_end)
    talk.scheduled_start = talk.scheduled_end = None
    talk.place = ""
    return _save(actor, talk, kind="unschedule", before=before, reason=reason, old_users=[])
