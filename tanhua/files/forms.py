"""The upload form of attachments: one or several Word, Excel or PDF files."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanhua.files.content import max_bytes


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".docx,.xlsx,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(d, initial) for d in data]
        # No file chosen comes as an empty list: refused as "required" like no field at all.
        data = None if isinstance(data, list | tuple) else data
        return [single(data, initial)] if data else single(data, initial)


FILE_ERRORS = {
    "required": _("请选择要上传的文件。"),
    "empty": _("文件为空，请选择有内容的文件。"),
}


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("文件（Word、Excel 或 PDF，可多选）"), error_messages=FILE_ERRORS
    )

    @staticmethod
    def limit_mb() -> int:
        return max_bytes() // 1024 // 1024
