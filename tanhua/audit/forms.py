"""The audit administrator's search form, shared by the page, its export and the CLI."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanhua.accounts.roles import Role
from tanhua.audit import labels
from tanhua.audit.models import Result

# What a hand-typed action or object type may look like (the CLI and old links type them).
MAX_CODE_CHARS = 64
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]*)*$")


class DateInput(forms.DateInput):
    input_type = "date"


class CodeChoiceField(forms.ChoiceField):
    """A select of the common codes that also takes any code typed by hand (the command
    line's --action, a bookmarked prefix such as `org`): choices guide, they do not limit."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s”不是有效的代码：只能由小写字母、数字、下划线和点组成"),
    }

    def valid_value(self, value) -> bool:
        return bool(CODE_RE.match(str(value).strip())) or super().valid_value(value)


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("用户"), required=False, max_length=150)
    role = forms.ChoiceField(
        label=_("角色"),
        required=False,
        choices=[("", _("全部")), *Role.choices],
        error_messages={"invalid_choice": _("“%(value)s”不是已知的角色")},
    )
    # Choices are filled per form from the label registry, so that apps registering
    # actions after this module was imported are offered too.
    action = CodeChoiceField(label=_("操作"), required=False)
    object_type = CodeChoiceField(label=_("对象类型"), required=False)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=128)
    result = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[("", _("全部")), *Result.choices],
        error_messages={"invalid_choice": _("“%(value)s”不是已知的结果")},
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = labels.action_choices()
        self.fields["object_type"].choices = labels.object_type_choices()

    def clean_action(self) -> str:
        return self._code("action")

    def clean_object_type(self) -> str:
        return self._code("object_type")

    def _code(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if len(value) > MAX_CODE_CHARS:
            raise forms.ValidationError(
                _("不能超过 %(n)d 个字符"), code="max_length", params={"n": MAX_CODE_CHARS}
            )
        return value

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
        if data.get("role"):
            # Roles are stored comma-separated and sorted; a code matches only as a whole.
            r = data["role"]
            qs = qs.filter(
                Q(roles=r)
                | Q(roles__startswith=f"{r},")
                | Q(roles__endswith=f",{r}")
                | Q(roles__contains=f",{r},")
            )
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
