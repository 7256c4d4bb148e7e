"""Naming a measure's owner by code: a cadre (责任人) or a unit (责任单位), resolved through
the namer's scope. Staff and the talker name what `visible_to` shows them; the subject, who
sees no registry, names themself, the cadres holding a post in their own organization's
subtree and the units of that subtree (within their clearance, minus 回避). A code the namer
may not see answers exactly like an unknown one."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from tanhua.core import scoping
from tanhua.org.models import Cadre, Organization, Position, is_code
from tanhua.talks.models import Talk


@dataclass(frozen=True)
class Owner:
    cadre: Cadre | None = None
    org: Organization | None = None

    @property
    def code(self) -> str:
        return self.cadre.code if self.cadre else self.org.code if self.org else ""

    @property
    def name(self) -> str:
        return self.cadre.name if self.cadre else self.org.name if self.org else ""


def unknown_owner(code: str) -> str:
    return _("责任人或责任单位编码“%(c)s”不存在，或不在您可填报的范围内") % {"c": code}


def _subject_cadres(actor, talk: Talk):
    posts = Position.objects.unscoped("the subject names owners in their own organization")
    holders = posts.filter(organization__path__startswith=talk.subject_org.path).current()
    declared = scoping.declared_cadres(actor)
    return (
        Cadre.objects.unscoped("the subject names owners in their own organization")
        .filter(Q(pk=talk.subject_id) | Q(pk__in=holders.values("cadre_id")))
        .filter(classification__lte=scoping.clearance(actor))
        .exclude(pk__in=declared)
    )


def nameable(actor, talk: Talk) -> tuple:
    """(cadres, organizations) the actor may name as owners on this talk's lists."""
    if actor is None:
        return Cadre.objects.unscoped("operator: names every cadre"), Organization.objects.all()
    from tanhua.rectification.services.rules import is_subject

    if is_subject(actor, talk):
        return _subject_cadres(actor, talk), Organization.objects.subtree_of(talk.subject_org)
    return Cadre.objects.visible_to(actor), Organization.objects.visible_to(actor)


def resolve(actor, talk: Talk, code: str, *, cache: dict | None = None) -> Owner | None:
    """The owner a code names for the actor, or None (unknown, or out of their reach)."""
    code = (code or "").strip()
    if not is_code(code):
        return None
    if cache is not None and code in cache:
        return cache[code]
    cadres, orgs = nameable(actor, talk)
    cadre = cadres.filter(code=code).first()
    found = Owner(cadre=cadre) if cadre else None
    if found is None:
        org = orgs.filter(code=code).first()
        found = Owner(org=org) if org else None
    if cache is not None:
        cache[code] = found
    return found
