"""The quick find of the top bar: organizations and cadres by name or code, in scope only.

Apps contribute what they make findable as `Source`s; each source starts from its model's
`visible_to(user)`, so a search never finds what the user could not open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanhua.core import scoping

MAX_TERM = 50
PER_SOURCE = 20


@dataclass(frozen=True)
class Hit:
    label: str
    detail: str
    url: str


@dataclass(frozen=True)
class Source:
    title: str
    allowed: Callable[[object], bool]
    find: Callable[[object, str], list[Hit]]


def _organizations(user, term: str) -> list[Hit]:
    from tanhua.org.models import Organization

    rows = (
        Organization.objects.visible_to(user)
        .filter(Q(name__icontains=term) | Q(code__icontains=term))
        .order_by("depth", "code")[:PER_SOURCE]
    )
    return [
        Hit(o.name, o.code, reverse("org:organization_detail", kwargs={"code": o.code}))
        for o in rows
    ]


def _cadres(user, term: str) -> list[Hit]:
    from tanhua.org.models import Cadre

    rows = Cadre.objects.visible_to(user).search(term).order_by("code")[:PER_SOURCE]
    return [Hit(c.name, c.code, reverse("org:cadre_detail", kwargs={"code": c.code})) for c in rows]


SOURCES: list[Source] = [
    Source(_("组织"), scoping.can_browse_orgs, _organizations),
    Source(_("干部"), scoping.can_see_people, _cadres),
]


def can_search(user) -> bool:
    return any(source.allowed(user) for source in SOURCES)


def quick_find(user, term: str) -> list[tuple[str, list[Hit]]]:
    """(source title, hits) for every source the user may search; empty for a blank term."""
    term = (term or "").replace("\x00", "").strip()[:MAX_TERM]
    if not term:
        return []
    return [(str(s.title), s.find(user, term)) for s in SOURCES if s.allowed(user)]
