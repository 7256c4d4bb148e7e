"""Forms of the registry pages."""

from __future__ import annotations

from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from tanhua.org.models import InSubquery, Level, Position, Tier


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
            holds = (
                Position.objects.visible_to(user)
                .current()
                .filter(organization__level=data["level"])
            )
            if connection.vendor == "postgresql":
                # One EXISTS per cadre: with the holders as a second array beside the
                # scope's, PostgreSQL matched each cadre against both arrays element by
                # element (a second for a province).
                qs = qs.filter(Exists(holds.filter(cadre=OuterRef("pk"))))
            else:
                # On SQLite the holders are listed once from the posts in scope: the EXISTS
                # per cadre in scope cost more than twice as much, and more the larger the
                # table the scope's cadres are spread over (docs/benchmarks.md, issue 7).
                # In code order by code too: an `id IN (holders)` beside the scope's
                # `code IN (…)` was planned as a probe of every (code, id) pair (seconds).
                qs = qs.filter(
                    InSubquery(
                        "pk",
                        holds.values("cadre_id"),
                        link="cadre_id",
                        in_order=("code", "cadre_code"),
                    )
                )
        return qs
