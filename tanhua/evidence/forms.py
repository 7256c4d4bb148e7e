"""Forms of the evidence pages."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanhua.evidence.models import FocusAreaSource, Source
from tanhua.talks.models import FocusArea

UNSET = "none"


class FindingFilterForm(forms.Form):
    q = forms.CharField(label=_("编号或内容"), required=False, max_length=50)
    focus_area = forms.ChoiceField(
        label=_("重点方面"), required=False,
        choices=[("", _("全部")), *((a, a) for a in FocusArea.values), (UNSET, _("未定"))],
    )  # fmt: skip
    focus_area_source = forms.ChoiceField(
        label=_("重点方面来源"), required=False,
        choices=[("", _("全部")), *FocusAreaSource.choices],
    )  # fmt: skip
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部")), *Source.choices]
    )

    def apply(self, qs):
        """Narrow `qs` (already scoped to the user)."""
        data = self.cleaned_data
        if data.get("q"):
            qs = qs.filter(Q(code__icontains=data["q"]) | Q(text__icontains=data["q"]))
        if data.get("focus_area") == UNSET:
            qs = qs.filter(focus_area="")
        elif data.get("focus_area"):
            qs = qs.filter(focus_area=data["focus_area"])
        if data.get("focus_area_source"):
            qs = qs.filter(focus_area_source=data["focus_area_source"])
        if data.get("source"):
            qs = qs.filter(source=data["source"])
        return qs


class FocusAreaForm(forms.Form):
    focus_area = forms.ChoiceField(label=_("重点方面"), choices=FocusArea.choices)
