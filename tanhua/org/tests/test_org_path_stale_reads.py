"""The post's copy of its organization's path (Position.org_path) is taken from the
organization's row as it is when the post is written, not from an Organization object the
caller read earlier: a request reads the organization, then another moves its subtree and
commits, then the first writes the post. Before, the post kept the old path (the move's
UPDATE of the posts' paths never saw it) and stayed in the old owner's scope for good, and
the old owner could still write a post into an organization that had left their scope."""

from __future__ import annotations

import datetime as dt

import pytest

from tanhua.core import scoping
from tanhua.core.testing import CadreFactory
from tanhua.org import services
from tanhua.org.models import Cadre, Organization, Position

pytestmark = pytest.mark.django_db


def stale_paths() -> dict[int, tuple[str, str]]:
    posts = Position.objects.unscoped("test").values_list("pk", "org_path", "organization__path")
    return {pk: (copied, actual) for pk, copied, actual in posts if copied != actual}


def _move_k11_to_c2(world) -> Organization:
    """K11 as a request read it, then K11 moved from C1 to C2 by another request."""
    read_before = Organization.objects.get(code="K11")
    services.update_organization(actor=None, org=world.orgs["K11"], parent=world.orgs["C2"])
    return read_before


def test_a_post_written_through_an_organization_read_before_its_move_takes_the_new_path(
    world, owner, outsider
):
    k11 = _move_k11_to_c2(world)
    newcomer = CadreFactory(code="GNEW", name="新任干部")
    services.create_position(
        actor=None,
        cadre=newcomer,
        organization=k11,
        title="县委委员",
        principal=False,
        start=dt.date(2025, 1, 1),
    )
    assert stale_paths() == {}
    assert Cadre.objects.visible_to(outsider).filter(code="GNEW").exists()
    assert not Cadre.objects.visible_to(owner).filter(code="GNEW").exists()
    assert Position.objects.visible_to(outsider).filter(cadre__code="GNEW").count() == 1
    assert Position.objects.visible_to(owner).filter(cadre__code="GNEW").count() == 0


def test_an_editor_cannot_write_a_post_into_an_organization_that_moved_out_of_their_scope(
    world, colleague
):
    k11 = _move_k11_to_c2(world)
    assert scoping.can_edit_registry(colleague)
    with pytest.raises(scoping.OutOfScope):
        services.create_position(
            actor=colleague,
            cadre=world.cadres["GC1M"],
            organization=k11,
            title="挂职副书记",
            principal=False,
            start=dt.date(2025, 1, 1),
        )
    assert not Position.objects.unscoped("test").filter(title="挂职副书记").exists()


def test_a_post_saved_with_a_stale_organization_object_takes_the_stored_path(world):
    k11 = _move_k11_to_c2(world)
    post = Position(
        cadre=world.cadres["GC2"], organization=k11, title="委员", start=dt.date(2024, 1, 1)
    )
    post.save()
    assert Position.objects.unscoped("test").get(pk=post.pk).org_path == "/P/C2/K11/"


def test_a_post_given_another_organization_by_id_takes_that_organizations_path(world):
    post = Position.objects.unscoped("test").get(cadre__code="GK11")
    post.organization_id = world.orgs["C2"].pk
    post.save()
    assert stale_paths() == {}
    post = Position.objects.unscoped("test").get(cadre__code="GK11")
    post.organization_id = world.orgs["C1"].pk
    post.save(update_fields=["organization"])
    assert stale_paths() == {}


def _move_c1_to_the_top(world) -> Organization:
    """C1 as a request read it, then C1 made a root by another request."""
    read_before = Organization.objects.get(code="C1")
    services.update_organization(actor=None, org=world.orgs["C1"], parent=None)
    return read_before


def test_an_organization_created_under_a_parent_read_before_its_move_sits_in_the_new_tree(
    world, owner
):
    c1 = _move_c1_to_the_top(world)
    k12 = services.create_organization(
        actor=None, code="K12", name="东城乙县委", level="county", parent=c1
    )
    assert Organization.objects.get(code="K12").path == "/C1/K12/"
    newcomer = CadreFactory(code="GNEW", name="新任干部")
    services.create_position(
        actor=None,
        cadre=newcomer,
        organization=k12,
        title="县委书记",
        principal=True,
        start=dt.date(2025, 1, 1),
    )
    assert stale_paths() == {}
    assert not Cadre.objects.visible_to(world.users["commission_p"]).filter(code="GNEW").exists()


def test_no_one_creates_an_organization_under_a_parent_that_moved_out_of_their_scope(world):
    c1 = _move_c1_to_the_top(world)
    # The province's commission staff edit the registry below P, which C1 has left.
    with pytest.raises(scoping.OutOfScope):
        services.create_organization(
            actor=world.users["commission_p"],
            code="K12",
            name="东城乙县委",
            level="county",
            parent=c1,
        )
    assert not Organization.objects.filter(code="K12").exists()


def test_an_organization_moved_under_a_parent_read_before_that_parent_moved_follows_it(world):
    c2 = Organization.objects.get(code="C2")
    services.update_organization(actor=None, org=world.orgs["C2"], parent=None)
    services.update_organization(actor=None, org=world.orgs["K11"], parent=c2)
    assert Organization.objects.get(code="K11").path == "/C2/K11/"
    assert Organization.objects.get(code="T111").path == "/C2/K11/T111/"
    assert stale_paths() == {}
