from django import forms
from django.utils.translation import gettext_lazy as _

from tanhua.search import segment
from tanhua.search.services import MAX_TERM


class QuickFindForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=MAX_TERM, required=False, strip=True)


class TextSearchForm(forms.Form):
    """The full-text search's query; an over-long query is cut, not refused (what a user
    pastes from a document is often long)."""

    q = forms.CharField(label=_("全文搜索"), required=False, strip=True)
    source = forms.CharField(required=False)
    page = forms.CharField(required=False)

    def clean_q(self):
        return (self.cleaned_data.get("q") or "").replace("\x00", "")[: segment.MAX_QUERY]
