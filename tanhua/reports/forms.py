"""Forms of the report pages: a new draft, a section's text, the 版头 and 版记."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanhua.reports.models import ReportKind


class NewReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ReportKind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ReportKind.choices)
    file = forms.FileField(label=_("Word 模板（.docx）"))


class SectionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    heading = forms.CharField(label=_("标题"), max_length=100, required=False)
    body = forms.CharField(
        label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )


class HeaderForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    organ = forms.CharField(label=_("发文机关标志"), max_length=60)
    doc_number = forms.CharField(label=_("发文字号"), max_length=60, required=False)
    signer = forms.CharField(label=_("签发人"), max_length=60, required=False)
    copy_number = forms.CharField(label=_("份号"), max_length=6, required=False)
    cc = forms.CharField(label=_("抄送"), max_length=300, required=False)
    printer = forms.CharField(label=_("印发机关"), max_length=100, required=False)


class DashboardForm(forms.Form):
    org = forms.CharField(required=False, max_length=32)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
