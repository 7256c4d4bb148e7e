"""Forms of the tracking half: the board's filters, the 三查三问 units and the look-back."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanhua.rectification.services.lookback import MAX_SAMPLE
from tanhua.talks.models import FocusArea


def split_codes(raw: str) -> list[str]:
    """Codes typed as a list — spaces, commas (either width), semicolons, 、 or lines
    between them — each once, in order."""
    for sep in ",，;；、\n\r\t":
        raw = raw.replace(sep, " ")
    return list(dict.fromkeys(raw.split()))


GROUP_CHOICES = [
    ("committee", _("按党委")),
    ("subject", _("按被谈话人")),
    ("campaign", _("按谈话工作")),
]


class BoardFilterForm(forms.Form):
    group = forms.ChoiceField(label=_("汇总方式"), choices=GROUP_CHOICES, required=False)
    campaign = forms.TypedChoiceField(label=_("谈话工作"), coerce=int, required=False)
    focus_area = forms.ChoiceField(
        label=_("重点方面"), choices=[("", _("全部")), *FocusArea.choices], required=False
    )
    unit = forms.CharField(label=_("单位编码"), max_length=32, required=False)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("全部"))] + [(c.pk, c.name) for c in campaigns]


class SanchaForm(forms.Form):
    units = forms.CharField(
        label=_("单位编码"),
        max_length=2000,
        required=False,
        help_text=_("多个组织编码以空格、逗号或换行分隔"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    campaign = forms.TypedChoiceField(label=_("谈话工作"), coerce=int, required=False)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("全部"))] + [(c.pk, c.name) for c in campaigns]

    def codes(self) -> list[str]:
        return split_codes(self.cleaned_data.get("units") or "")


class LookBackForm(forms.Form):
    campaign = forms.TypedChoiceField(label=_("谈话工作"), coerce=int)
    title = forms.CharField(label=_("名称"), max_length=200)
    sample_size = forms.IntegerField(
        label=_("随机抽查已销号举措数量"), min_value=0, max_value=MAX_SAMPLE, initial=10
    )
    seed = forms.IntegerField(
        label=_("随机种子"), required=False, min_value=0, max_value=2**62,
        help_text=_("留空则随机生成；填写同一种子可重现同一抽样"),
    )  # fmt: skip
    subjects = forms.CharField(
        label=_("全面复查对象（干部编号）"), max_length=2000, required=False,
        help_text=_("以空格或逗号分隔，这些干部的全部整改举措都将复查"),
    )  # fmt: skip

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(c.pk, c.name) for c in campaigns]

    def subject_codes(self) -> list[str]:
        return split_codes(self.cleaned_data.get("subjects") or "")


class VerifyForm(forms.Form):
    result = forms.ChoiceField(
        label=_("复查结果"), choices=[("passed", _("通过")), ("failed", _("未通过"))]
    )
    note = forms.CharField(
        label=_("复查意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == "failed" and not (data.get("note") or "").strip():
            self.add_error("note", _("复查未通过时，请写明理由。"))
        return data
