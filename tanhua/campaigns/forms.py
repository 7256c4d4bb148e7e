"""Forms of the campaign pages: the campaign's settings, a 选择谈, a 民主生活会 date, and the
filters of its talk list."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanhua.campaigns.models import CampaignStatus
from tanhua.org.models import Level, Tier
from tanhua.talks.models import Basis, TalkStatus, TalkType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    window_start = forms.DateField(label=_("谈话开始日期"), widget=DATE)
    window_end = forms.DateField(label=_("谈话截止日期"), widget=DATE)
    status = forms.ChoiceField(label=_("状态"), choices=CampaignStatus.choices)
    substitute_code = forms.CharField(
        label=_("代为谈话人（干部编号）"),
        required=False,
        max_length=32,
        help_text=_("仅在书记职务空缺时填写"),
    )
    substitute_reason = forms.CharField(label=_("代为谈话事由"), required=False, max_length=200)
    clear_substitute = forms.BooleanField(label=_("取消已指定的代为谈话人"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ChosenTalkForm(forms.Form):
    subject_code = forms.CharField(label=_("被谈话人（干部编号）"), max_length=32)
    reason = forms.CharField(label=_("选择谈事由"), max_length=300)
    type = forms.ChoiceField(
        label=_("谈话类型"), choices=TalkType.choices, initial=TalkType.POLITICAL_SUPERVISION
    )


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("民主生活会日期"), required=False, widget=DATE)


def _all(choices):
    return [("", _("全部")), *choices]


class TalkFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名、编号或职务"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_all(TalkStatus.choices))
    type = forms.ChoiceField(label=_("谈话类型"), required=False, choices=_all(TalkType.choices))
    basis = forms.ChoiceField(label=_("谈话依据"), required=False, choices=_all(Basis.choices))
    level = forms.ChoiceField(
        label=_("组织谈话党委层级"), required=False, choices=_all(Level.choices)
    )
    tier = forms.ChoiceField(
        label=_("被谈话人管理层级"), required=False, choices=_all(Tier.choices)
    )
    scope = forms.ChoiceField(
        label=_("范围"),
        required=False,
        choices=[("", _("含下级谈话工作")), ("own", _("仅本级"))],
    )

    def apply(self, qs):
        """Narrow talks already scoped through Talk.objects.visible_to."""
        data = self.cleaned_data
        term = (data.get("q") or "").strip()
        if term:
            qs = qs.filter(
                Q(subject__name__icontains=term)
                | Q(subject__code__icontains=term)
                | Q(subject_title__icontains=term)
            )
        for name, lookup in (
            ("status", "status"),
            ("type", "type"),
            ("basis", "basis"),
            ("level", "campaign__committee__level"),
            ("tier", "subject__tier"),
        ):
            if data.get(name):
                qs = qs.filter(**{lookup: data[name]})
        return qs
