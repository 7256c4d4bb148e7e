"""The registry's scoped querysets are built once per user and scope and handed out as
clones (issue 7, ScopedQuerySet.reuse_visible): what the database holds is still read on
every evaluation, and anything the scope depends on changes the key."""

from __future__ import annotations

from tanhua.accounts import services as accounts
from tanhua.core import scoped
from tanhua.org.models import Cadre, Position


def codes(user) -> set[str]:
    return set(Cadre.objects.visible_to(user).values_list("code", flat=True))


def test_a_second_scope_of_the_same_user_is_a_clone_of_the_first(world, owner):
    scoped._visible_cache.clear()
    one, two = Cadre.objects.visible_to(owner), Cadre.objects.visible_to(owner)
    assert one is not two and one.query is not two.query
    assert str(one.query) == str(two.query)
    assert len(scoped._visible_cache) == 1


def test_a_conflict_declared_after_the_scope_was_built_applies_at_once(world, owner):
    cadre = world.cadres["GK11"]
    assert cadre.code in codes(owner)
    accounts.declare_conflict(actor=owner, cadre=cadre, reason="other", detail="同学")
    assert cadre.code not in codes(owner)


def test_another_user_or_a_changed_clearance_gets_a_scope_of_its_own(world, owner):
    scoped._visible_cache.clear()
    province = world.users["commission_p"]
    assert codes(province) != codes(owner)
    assert len(scoped._visible_cache) == 2
    owner.clearance += 1
    codes(owner)
    assert len(scoped._visible_cache) == 3


def test_a_queryset_with_something_applied_first_is_scoped_anew(world, owner):
    scoped._visible_cache.clear()
    Position.objects.filter(principal=True).visible_to(owner)
    assert scoped._visible_cache == {}
    assert Position.objects.visible_to(owner).filter(principal=True).exists()


def test_the_whole_scope_is_counted_from_the_posts_and_equals_the_cadres_counted(world, owner):
    from tanhua.accounts import services as accounts_services

    accounts_services.declare_conflict(
        actor=owner, cadre=world.cadres["GK11"], reason="other", detail="同学"
    )
    for user in (owner, world.users["commission_p"]):
        scope = Cadre.objects.visible_to(user).order_by("code")
        assert scope._count_via is not None
        assert scope.count() == len(list(scope))
        assert scope.filter(tier="county")._count_via is None


def test_a_subjects_scope_is_counted_the_usual_way(world):
    subject = world.users["subject_k11"]
    scope = Cadre.objects.visible_to(subject)
    assert scope._count_via is None and scope.count() == 1
