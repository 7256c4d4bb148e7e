"""The scoping layer on the registry: own subtree only, clearance, conflicts."""

import pytest

from tanhua.accounts.models import ConflictDeclaration
from tanhua.org.models import Cadre, Organization

pytestmark = pytest.mark.django_db


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_staff_see_their_organization_and_everything_below_it(owner):
    assert codes(Organization.objects.visible_to(owner)) == ["C1", "K11", "T111"]


def test_staff_never_see_a_sibling_citys_subtree(outsider):
    assert codes(Organization.objects.visible_to(outsider)) == ["C2"]


def test_cadres_are_visible_through_posts_in_scope_within_clearance(owner, world):
    assert codes(Cadre.objects.visible_to(owner)) == ["GC1", "GC1M", "GK11", "GT111"]
    high = world.users["commission_p"]
    assert "GSECRET" in codes(Cadre.objects.visible_to(high))


def test_a_declared_conflict_hides_the_cadre(owner, world):
    ConflictDeclaration.objects.create(
        user=owner, cadre=world.cadres["GK11"], reason="kin", detail="配偶兄弟"
    )
    assert "GK11" not in codes(Cadre.objects.visible_to(owner))


def test_a_subject_sees_only_themself(world):
    assert codes(Cadre.objects.visible_to(world.users["subject_k11"])) == ["GK11"]


def test_administrators_see_no_people(world):
    for name in ("sysadmin", "secadmin", "auditor"):
        assert not Cadre.objects.visible_to(world.users[name]).exists()
