"""The schedule page of a talk (staff who plan talks, in scope): time, place, recorder and
陪谈 official, moving and unscheduling, and the history of its moves."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.core.versioning import StaleEdit
from tanhua.talks.models import Talk
from tanhua.talks.services import schedule as svc

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTime(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_INPUT, **kwargs)


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name() or obj.username
        org = obj.organization.name if obj.organization else ""
        return f"{name}（{org}）" if org else name


class ScheduleForm(forms.Form):
    start = forms.DateTimeField(
        label=gettext_lazy("谈话时间"), widget=LocalDateTime(), input_formats=[LOCAL_INPUT]
    )
    end = forms.DateTimeField(
        label=gettext_lazy("预计结束"),
        widget=LocalDateTime(),
        input_formats=[LOCAL_INPUT],
        required=False,
        help_text=gettext_lazy("不填则按 1 小时安排"),
    )
    place = forms.CharField(label=gettext_lazy("谈话地点"), max_length=svc.MAX_PLACE)
    recorder = UserChoice(label=gettext_lazy("记录人"), queryset=None)
    companion = UserChoice(label=gettext_lazy("陪谈人员"), queryset=None, required=False)
    reason = forms.CharField(
        label=gettext_lazy("调整原因"),
        max_length=svc.MAX_REASON,
        required=False,
        help_text=gettext_lazy("调整已安排的谈话时请说明原因，会记入变更记录并通知相关人员"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, talk: Talk, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people the rules accept are offered: in the committee's scope, cleared, no 回避.
        self.fields["recorder"].queryset = svc.staff_choices(talk, R.Role.RECORDER)
        self.fields["companion"].queryset = svc.staff_choices(talk, R.Role.COMMISSION)
        self.fields["recorder"].empty_label = _("请选择记录人")
        self.fields["companion"].empty_label = _("无陪谈人员")


def _talk_for_staff(request, pk: int) -> Talk:
    scoping.require(scoping.has_any(request.user, R.PLAN_TALKS))
    qs = Talk.objects.visible_to(request.user).select_related(
        "campaign__committee", "subject", "talker", "subject_org", "recorder", "companion"
    )
    return get_object_or_404(qs, pk=pk)


def _initial(talk: Talk) -> dict:
    local = timezone.localtime
    return {
        "start": local(talk.scheduled_start) if talk.scheduled_start else None,
        "end": local(talk.scheduled_end) if talk.scheduled_end else None,
        "place": talk.place,
        "recorder": talk.recorder_id,
        "companion": talk.companion_id,
        "version": talk.version,
    }


def _show(field: str, value, users: dict) -> str:
    if value in (None, ""):
        return "—"
    if field in ("recorder", "companion"):
        return users.get(value, "—")
    if field in ("scheduled_start", "scheduled_end"):
        moment = parse_datetime(str(value))
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else str(value)
    if field == "status":
        from tanhua.talks.models import TalkStatus

        return str(TalkStatus(value).label) if value in TalkStatus.values else str(value)
    return str(value)


def history(talk: Talk) -> list[dict]:
    """The talk's changes, oldest first, each as the fields it changed (before → after)."""
    from tanhua.accounts.models import User

    changes = list(talk.changes.select_related("by"))
    ids = {
        c.get(k)
        for ch in changes
        for c in (ch.before, ch.after)
        for k in ("recorder", "companion")
        if c.get(k)
    }
    users = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids)}
    kinds = {"schedule": _("安排"), "move": _("调整"), "unschedule": _("取消安排")}
    rows = []
    for ch in changes:
        fields = [
            {
                "label": svc.LABELS[k],
                "before": _show(k, ch.before.get(k), users),
                "after": _show(k, ch.after.get(k), users),
            }
            for k in svc.FIELDS
            if ch.before.get(k) != ch.after.get(k)
        ]
        rows.append(
            {
                "at": ch.at,
                "kind": kinds.get(ch.kind, ch.kind),
                "by": (ch.by.get_full_name() or ch.by.username) if ch.by else _("系统"),
                "reason": ch.reason,
                "fields": fields,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request, pk: int):
    talk = _talk_for_staff(request, pk)
    form = ScheduleForm(request.POST or None, talk=talk, initial=_initial(talk))
    stale = None
    if request.method == "POST":
        unschedule = request.POST.get("action") == "unschedule"
        if unschedule:
            form.is_valid()  # for the version and reason only; the rest may be empty
        if unschedule or form.is_valid():
            data = form.cleaned_data
            try:
                if unschedule:
                    svc.unschedule_talk(
                        actor=request.user,
                        talk=talk,
                        reason=data.get("reason") or "",
                        expected_version=_version(request),
                    )
                    messages.success(request, _("已取消该谈话的时间安排，并已通知相关人员"))
                else:
                    _keep_length(talk, data)
                    svc.schedule_talk(
                        actor=request.user,
                        talk=talk,
                        start=data["start"],
                        end=data.get("end"),
                        place=data["place"],
                        recorder=data["recorder"],
                        companion=data.get("companion"),
                        reason=data.get("reason") or "",
                        expected_version=data["version"],
                    )
                    messages.success(request, _("谈话安排已保存，并已通知相关人员"))
                return redirect("talks:schedule", pk=talk.pk)
            except StaleEdit as exc:
                stale = exc.message
            except ValidationError as exc:
                _attach(form, exc)
    return render(
        request,
        "talks/schedule.html",
        {
            "talk": talk,
            "form": form,
            "stale": stale,
            "meeting": svc.team_meeting_date(talk),
            "meeting_warning": svc.meeting_warning(talk),
            "history": history(talk),
            "latest": (svc.team_meeting_date(talk) or talk.campaign.window_end)
            - dt.timedelta(days=1 if svc.team_meeting_date(talk) else 0),
        },
    )


def _keep_length(talk: Talk, data: dict) -> None:
    """A move that changes only the start keeps the talk's length: the end the form still
    shows belongs to the old time."""
    old_start, old_end = talk.scheduled_start, talk.scheduled_end
    if old_start and old_end and data.get("end") and data["start"] != old_start:
        if data["end"] == old_end:
            data["end"] = data["start"] + (old_end - old_start)


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


_FORM_FIELD = {
    "scheduled_start": "start",
    "scheduled_end": "end",
    "place": "place",
    "recorder": "recorder",
    "companion": "companion",
    "reason": "reason",
}


def _attach(form: forms.Form, exc: ValidationError) -> None:
    for err in exc.error_list:
        message = err.message % err.params if err.params else err.message
        field = _FORM_FIELD.get(err.code or "")
        if field and field in form.fields and not form.has_error(field):
            form.add_error(field, message)
        else:
            form.add_error(None, message)
