"""The level filter (CadreFilterForm, CadreQuerySet.holding) only ever narrows a scope: for
every persona, with the scope probes (a cadre holding posts in and out of scope, one declared
回避, one above clearance), it finds exactly the cadres of the scope who hold a current post
the user may see at that level, and its count is the length of its list."""

from __future__ import annotations

import pytest

from tanhua.accounts.roles import Role
from tanhua.core import scoping
from tanhua.core.testing import add_scope_probes, make_user
from tanhua.core.tests.test_access_matrix import PERSONAS as MATRIX_PERSONAS
from tanhua.org.forms import CadreFilterForm
from tanhua.org.models import Cadre, Level, Position

pytestmark = pytest.mark.django_db

# Every persona of the matrix, and a staff user with no organization.
PERSONAS = [*MATRIX_PERSONAS, "no_organization"]


def _expected(user, level: str) -> set[str]:
    seen = set(Cadre.objects.visible_to(user).values_list("code", flat=True))
    posts = Position.objects.visible_to(user).current().filter(organization__level=level)
    return seen & set(posts.values_list("cadre__code", flat=True))


@pytest.mark.parametrize("level", Level.values)
@pytest.mark.parametrize("who", PERSONAS)
def test_the_level_filter_finds_exactly_the_scopes_holders_at_that_level(who, level, world):
    add_scope_probes(world)
    if who == "no_organization":
        user = make_user("nobody", org=None, roles=[Role.COMMISSION])
    else:
        user = world.users[who]
    form = CadreFilterForm({"level": level})
    assert form.is_valid()
    found = form.apply(Cadre.objects.visible_to(user), user=user)
    codes = set(found.values_list("code", flat=True))
    assert codes == _expected(user, level)
    assert found.count() == len(codes)
    assert "GDECL" not in codes if who == "commission_c1" else True
    if scoping.clearance(user) < world.cadres["GSECRET"].classification:
        assert "GSECRET" not in codes
