"""Who sees a talk: the one scoping layer (Talk.objects.visible_to)."""

import pytest

from tanhua.campaigns.models import Campaign
from tanhua.core.testing import add_scope_probes, build_world
from tanhua.org.models import Office
from tanhua.talks.models import Outline, Talk, TalkRecord
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return add_talks(add_scope_probes(build_world()))


def names_seen(world, user):
    seen = set(Talk.objects.visible_to(user).values_list("pk", flat=True))
    return {name for name, t in world.talks.items() if t.pk in seen}


def test_city_staff_see_their_campaigns_talks_but_not_above_clearance_declared_or_sibling(world):
    assert names_seen(world, world.users["commission_c1"]) == {"k11"}
    assert names_seen(world, world.users["organization_c1"]) == {"k11", "declared"}


def test_province_staff_see_every_talk_below_them_within_clearance(world):
    assert names_seen(world, world.users["commission_p"]) == set(world.talks)


def test_a_talker_sees_the_talks_they_hold_and_a_recorder_those_assigned(world):
    # GSECRET's talk is theirs too, but 机密 is above their clearance.
    assert names_seen(world, world.users["talker_c1"]) == {"k11", "declared"}
    assert names_seen(world, world.users["recorder_c1"]) == {"k11"}


def test_a_subject_sees_only_their_own_talk_and_never_its_outline(world):
    subject = world.users["subject_k11"]
    assert names_seen(world, subject) == {"k11"}
    assert not Outline.objects.visible_to(subject).exists()
    assert Outline.objects.visible_to(world.users["talker_c1"]).count() == 1


def test_a_subject_sees_no_record_before_the_talk_is_held(world):
    TalkRecord.objects.create(talk=world.talks["k11"])
    assert not TalkRecord.objects.visible_to(world.users["subject_k11"]).exists()
    assert TalkRecord.objects.visible_to(world.users["recorder_c1"]).count() == 1


def test_viewers_submitters_and_administrators_see_no_talk(world):
    for name in ("viewer_c1", "submitter_c1", "sysadmin", "secadmin", "auditor"):
        assert names_seen(world, world.users[name]) == set(), name


def test_an_office_member_sees_only_the_localities_their_office_covers(world):
    user = world.users["commission_p"]
    office = Office.objects.create(organization=world.orgs["P"], name="第二纪检监察室")
    office.localities.add(world.orgs["C2"])
    user.office = office
    user.save()
    assert names_seen(world, user) == {"c2"}


def test_campaigns_follow_the_committee_tree(world):
    seen = set(
        Campaign.objects.visible_to(world.users["commission_c1"]).values_list(
            "committee__code", flat=True
        )
    )
    assert seen == {"C1"}
    seen = set(
        Campaign.objects.visible_to(world.users["talker_c1"]).values_list(
            "committee__code", flat=True
        )
    )
    assert seen == {"C1"}
