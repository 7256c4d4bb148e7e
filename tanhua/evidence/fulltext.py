"""Findings in the full-text search (tanhua/search/registry.py): their text, searched by
staff who prepare talks, each hit read through Finding.visible_to(user)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.search.registry import DocumentSource, register

FINDING = "finding"


def _url(f) -> str:
    # No page of its own: the findings list narrowed to its code.
    return reverse("evidence:finding_list") + "?" + urlencode({"q": f.code})


def _detail(f) -> str:
    # The organization, not the cadre: a finding in scope may be about a cadre whose own
    # record the user may not open (the findings list shows the name only where they may).
    return f"{f.organization.name} · {f.get_source_display()} · {f.date:%Y-%m-%d}"


register(
    DocumentSource(
        key=FINDING,
        label=_("问题"),
        model="evidence.Finding",
        fields=("text",),
        allowed=lambda user: scoping.has_any(user, R.PLAN_TALKS),
        title=lambda f: f"{f.code}（{f.get_focus_area_display() or '未定重点方面'}）",
        url=_url,
        detail=_detail,
        related=("organization",),
    )
)
