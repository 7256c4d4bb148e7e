"""Forms of the 三清单 pages: a problem, a measure, an analysis, a progress report (with
files), a close request, an extension request and a decision. Each validates its fields; the
services check the rest (scope, state, deadlines after the talk, owners by code)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanhua.files.forms import MultipleFileField, MultipleFileInput
from tanhua.rectification.models import MeasureKind
from tanhua.talks.models import FocusArea

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ROWS2 = forms.Textarea(attrs={"rows": 2})
ROWS3 = forms.Textarea(attrs={"rows": 3})


class ProblemForm(forms.Form):
    focus_area = forms.ChoiceField(label=_("重点方面"), choices=FocusArea.choices)
    text = forms.CharField(label=_("问题"), max_length=2000, widget=ROWS2)


class MeasureForm(forms.Form):
    text = forms.CharField(label=_("整改举措"), max_length=2000, widget=ROWS2)
    owner_code = forms.CharField(
        label=_("责任人或责任单位（编码）"),
        max_length=32,
        help_text=_("干部编号或组织编码"),
    )
    deadline = forms.DateField(label=_("整改时限"), widget=DATE)
    kind = forms.ChoiceField(
        label=_("类别"), choices=MeasureKind.choices, initial=MeasureKind.IMMEDIATE
    )
    target_value = forms.DecimalField(
        label=_("目标值（可计量时填写）"), required=False, min_value=0, max_digits=14,
        decimal_places=2,
    )  # fmt: skip
    target_unit = forms.CharField(label=_("计量单位"), required=False, max_length=20)


class AnalysisForm(forms.Form):
    meeting_date = forms.DateField(label=_("民主生活会日期"), required=False, widget=DATE)
    text = forms.CharField(label=_("对照检查"), max_length=8000, widget=ROWS3)


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("进展情况"), max_length=4000, widget=ROWS3)
    value = forms.DecimalField(
        label=_("累计完成数"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    files = MultipleFileField(
        label=_("附件（Word、Excel 或 PDF，可多选）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".docx,.xlsx,.pdf"}),
    )


class CloseRequestForm(forms.Form):
    evidence = forms.CharField(label=_("整改成效及佐证"), max_length=4000, widget=ROWS3)


class ExtensionForm(forms.Form):
    proposed_deadline = forms.DateField(label=_("申请延期至"), widget=DATE)
    reason = forms.CharField(label=_("延期理由"), max_length=4000, widget=ROWS2)


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("意见（退回或不同意时必填）"), required=False, max_length=1000, widget=ROWS2
    )


def first_error(form: forms.Form) -> str:
    """One line naming the field and what is wrong, for the page's error box."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return ""
