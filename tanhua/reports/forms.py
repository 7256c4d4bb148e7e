"""Forms of the report pages: a new draft, a section's text, the 版头 and 版记, annexes
uploaded and a sender's key registered."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tanhua.core.classification import Classification
from tanhua.exchange.forms import MultipleFileField, MultipleFileInput
from tanhua.reports.models import ReportKind

_LABELS = dict(Classification.choices)


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
    """The 版头 and 版记. The 密级 offers every level: the service refuses, in words, one
    below what the text quotes or above the editor's clearance (`floor`, `ceiling`: the
    range it allows, told in the field's help)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    organ = forms.CharField(label=_("发文机关标志"), max_length=60)
    doc_number = forms.CharField(label=_("发文字号"), max_length=60, required=False)
    signer = forms.CharField(label=_("签发人"), max_length=60, required=False)
    classification = forms.TypedChoiceField(
        label=_("密级"), choices=Classification.choices, coerce=int,
        error_messages={"invalid_choice": _("请您从“内部”“秘密”“机密”中选择"),
                        "required": _("请您选择密级")},
    )  # fmt: skip
    copy_number = forms.CharField(label=_("份号"), max_length=6, required=False)
    cc = forms.CharField(label=_("抄送"), max_length=300, required=False)
    printer = forms.CharField(label=_("印发机关"), max_length=100, required=False)

    def __init__(self, *args, floor: int | None = None, ceiling: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if floor is not None and ceiling is not None:
            self.fields["classification"].help_text = _(
                "可选“%(f)s”至“%(c)s”：不低于报告引用记录的最高密级，不高于您本人的涉密等级"
            ) % {"f": _LABELS.get(floor, floor), "c": _LABELS.get(ceiling, ceiling)}


class DashboardForm(forms.Form):
    org = forms.CharField(required=False, max_length=32)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)


# 31 provinces' annexes in one upload (the generic import page takes fewer, larger files).
MAX_ANNEX_FILES = 60


class AnnexUploadForm(forms.Form):
    """Several annexes (.json) received from other committees, through the import pipeline."""

    files = MultipleFileField(
        label=_("数据附件（.json）"),
        widget=MultipleFileInput(attrs={"accept": ".json"}),
        error_messages={"required": _("请选择要导入的数据附件（.json 文件）")},
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_ANNEX_FILES:
            raise forms.ValidationError(_("一次最多上传 %(n)d 个数据附件") % {"n": MAX_ANNEX_FILES})
        for f in files:
            if PurePath(f.name).suffix.lower() != ".json":
                raise forms.ValidationError(
                    _("文件“%(name)s”不是数据附件：只能上传 .json 文件（报告旁的 .annex.json）")
                    % {"name": f.name}
                )
            if f.size > settings.IMPORT_MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("文件“%(name)s”过大：上限为 %(mb)d MB")
                    % {"name": f.name, "mb": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)}
                )
        return files


class SenderForm(forms.Form):
    committee_code = forms.CharField(label=_("报送党委编码"), max_length=32)
    committee_name = forms.CharField(label=_("报送党委名称"), max_length=100)
    public_key = forms.CharField(
        label=_("公钥（base64）"), max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("报送单位运行 tanhua annex key 显示的公钥；请通过可靠渠道核对密钥指纹。"),
    )  # fmt: skip
