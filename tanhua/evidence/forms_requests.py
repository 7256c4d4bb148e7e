"""Forms of material requests: staff ask (campaign, units, deadline, what is wanted); a
submitter answers (files and a note)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanhua.files.content import max_bytes
from tanhua.files.forms import FILE_ERRORS, MultipleFileField


class RequestForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("谈话工作"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("材料要求"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    deadline = forms.DateField(
        label=_("报送截止日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    units = forms.ModelMultipleChoiceField(
        label=_("报送单位"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, campaigns, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["units"].queryset = units
        self.fields["units"].error_messages["required"] = _("请至少选择一个报送单位。")


class SubmissionForm(forms.Form):
    files = MultipleFileField(
        label=_("文件（Word、Excel 或 PDF，可多选）"),
        error_messages=FILE_ERRORS,
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    @staticmethod
    def limit_mb() -> int:
        return max_bytes() // 1024 // 1024
