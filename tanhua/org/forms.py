"""Forms of the registry pages."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from tanhua.core import scoping
from tanhua.org.models import Level, Position, Tier, current_on


class CadreFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或编号"), required=False, max_length=50)
    tier = forms.ChoiceField(
        label=_("管理层级"), required=False, choices=[("", _("全部")), *Tier.choices]
    )
    level = forms.ChoiceField(
        label=_("任职组织层级"), required=False, choices=[("", _("全部")), *Level.choices]
    )

    def apply(self, qs, *, user):
        """Narrow `qs` (already scoped to `user`). A filter on posts joins only the posts the
        user may see: a hidden post (say a province post of a cadre seen through a city one)
        must not make its holder match, or the filter would reveal it."""
        data = self.cleaned_data
        qs = qs.search(data.get("q", ""))
        if data.get("tier"):
            qs = qs.filter(tier=data["tier"])
        if data.get("level"):
            level = data["level"]
            # The scope's own list of posts narrowed to the current ones at that level: one
            # list on both engines (CadreQuerySet.holding). A post of the scope is one the
            # user may see but for its holder's clearance or 回避, which the cadre filters
            # test anyway. The organization's path range again beside its level, so that
            # PostgreSQL reads the organizations of the scope, not all of that level.
            path = scoping.scope_path(user) or ""
            narrowed = qs.holding(
                current_on(), organization__level=level, organization__path__startswith=path
            )
            if narrowed is not None:
                return narrowed
            holds = Position.objects.visible_to(user).current().filter(organization__level=level)
            qs = qs.filter(Exists(holds.filter(cadre=OuterRef("pk"))))
        return qs
