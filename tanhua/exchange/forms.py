"""The upload form: one or more .xlsx / .csv files."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tanhua.exchange.parsers import EXTENSIONS

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not data and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("选择文件"),
        help_text=_("可同时选择多个文件：.xlsx（每类一个工作表）或 .csv（每类一个文件）"),
        error_messages={"required": _("请选择要导入的文件")},
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("一次最多上传 %(n)d 个文件") % {"n": MAX_FILES})
        for f in files:
            if PurePath(f.name).suffix.lower() not in EXTENSIONS:
                raise forms.ValidationError(
                    _("文件“%(name)s”的类型不支持：只能上传 .xlsx 或 .csv 文件") % {"name": f.name}
                )
            if f.size > settings.IMPORT_MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("文件“%(name)s”过大：上限为 %(mb)d MB")
                    % {"name": f.name, "mb": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)}
                )
        return files
