"""The audit administrator's search form, shared by the page, its export and the CLI."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanhua.audit.models import Result


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("用户"), required=False, max_length=150)
    action = forms.CharField(
        label=_("操作"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": _("前缀匹配，如 org.")}),
    )
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=64)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=128)
    result = forms.ChoiceField(
        label=_("结果"), required=False, choices=[("", _("全部")), *Result.choices]
    )
    since = forms.DateField(
        label=_("起始日期"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("请输入有效日期，格式为 YYYY-MM-DD")},
    )
    until = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("请输入有效日期，格式为 YYYY-MM-DD")},
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("起始日期不能晚于截止日期"), code="range")
        return data

    def filters(self) -> dict:
        """The filter as given, for the export's own audit entry."""
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in self.cleaned_data.items()
            if v
        }

    def apply(self, qs):
        data = self.cleaned_data
        if data.get("user"):
            qs = qs.filter(username__icontains=data["user"].strip())
        if data.get("action"):
            qs = qs.filter(action__startswith=data["action"].strip())
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"].strip())
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"].strip())
        if data.get("result"):
            qs = qs.filter(result=data["result"])
        # Dates are the user's local days; the bounds are aware datetimes. A day at the edge
        # of the calendar (0001-01-01, 9999-12-31) bounds nothing, so it is left out.
        if data.get("since") and (start := local_midnight(data["since"])):
            qs = qs.filter(at__gte=start)
        if data.get("until") and (end := local_midnight(data["until"], days=1)):
            qs = qs.filter(at__lt=end)
        return qs


def local_midnight(day: dt.date, *, days: int = 0) -> dt.datetime | None:
    """Local midnight `days` after `day`, or None where that leaves the datetime range (the
    conversion to UTC is done here, not later in the query, for that reason)."""
    try:
        local = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=days), dt.time.min))
        return local.astimezone(dt.UTC)
    except OverflowError:
        return None
