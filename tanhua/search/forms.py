from django import forms
from django.utils.translation import gettext_lazy as _

from tanhua.search.services import MAX_TERM


class QuickFindForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=MAX_TERM, required=False, strip=True)
