"""The plan by the default rule (DESIGN §4): who talks, with whom, and planning again."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tanhua.audit.models import AuditEntry
from tanhua.campaigns import services as campaigns
from tanhua.campaigns.models import RuleKind
from tanhua.core.testing import CadreFactory, PositionFactory
from tanhua.org.models import Position, Tier
from tanhua.talks.models import Basis, Talk
from tanhua.talks.services.plan import (
    PlanRefused,
    add_chosen_talk,
    is_secretary_title,
    plan_campaign,
    plan_campaigns,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 1)


def talks_of(campaign):
    rows = Talk.objects.unscoped("test").filter(campaign=campaign).select_related("subject")
    return {t.subject.code: t for t in rows}


def new_campaign(world, code, **kw):
    return campaigns.create_campaign(actor=None, committee=world.orgs[code], year=2026, **kw)


@pytest.mark.parametrize(
    ("title", "yes"),
    [
        ("省委书记", True),
        ("市委书记", True),
        ("县委书记", True),
        ("党委书记", True),
        ("党组书记", True),
        ("市委副书记", False),
        ("副书记", False),
        ("市长", False),
        ("县长", False),
    ],
)
def test_only_the_secretary_title_makes_the_talker(title, yes):
    assert is_secretary_title(title) is yes


def test_the_city_secretary_talks_with_the_mayor_and_the_county_principals(world):
    c1 = new_campaign(world, "C1")
    summary = plan_campaign(actor=None, campaign=c1, today=TODAY)
    talks = talks_of(c1)
    # The mayor is a principal too, but not the secretary: a subject, not the talker.
    assert set(talks) == {"GC1M", "GK11"}
    assert {t.talker.code for t in talks.values()} == {"GC1"}
    assert talks["GC1M"].rule == RuleKind.TEAM
    assert talks["GK11"].rule == RuleKind.SUBORDINATE_PRINCIPALS
    assert talks["GK11"].subject_title == "县委书记"
    assert talks["GK11"].subject_org == world.orgs["K11"]
    assert all(t.basis == Basis.REQUIRED for t in talks.values())
    assert (summary.created, summary.updated, summary.marked) == (2, 0, 0)
    assert summary.talker == world.cadres["GC1"]


def test_a_deputy_secretary_is_no_principal_of_the_county_unless_the_teams_rule_is_on(world):
    c1 = new_campaign(world, "C1")
    plan_campaign(actor=None, campaign=c1, today=TODAY)
    assert "GSECRET" not in talks_of(c1)
    campaigns.set_rule(actor=None, campaign=c1, kind=RuleKind.SUBORDINATE_TEAMS, active=True)
    summary = plan_campaign(actor=None, campaign=c1, today=TODAY)
    assert summary.created == 1
    assert talks_of(c1)["GSECRET"].rule == RuleKind.SUBORDINATE_TEAMS


def test_the_province_secretary_talks_with_both_principals_of_each_city(world):
    p = new_campaign(world, "P")
    plan_campaign(actor=None, campaign=p, today=TODAY)
    assert set(talks_of(p)) == {"GC1", "GC1M", "GC2"}


def test_planning_twice_adds_nothing_twice(world):
    c1 = new_campaign(world, "C1")
    plan_campaign(actor=None, campaign=c1, today=TODAY)
    again = plan_campaign(actor=None, campaign=c1, today=TODAY)
    assert (again.created, again.updated, again.marked) == (0, 0, 0)
    assert Talk.objects.unscoped("test").filter(campaign=c1).count() == 2


def test_a_vacant_secretary_with_nobody_named_is_refused_naming_the_committee(world):
    Position.objects.unscoped("test").filter(cadre=world.cadres["GC2"]).update(
        end=dt.date(2026, 4, 1)
    )
    deputy = CadreFactory(code="GC2D", name="西城副书记子", tier=Tier.CITY)
    PositionFactory(cadre=deputy, organization=world.orgs["C2"], title="市委副书记", principal=True)
    c2 = new_campaign(world, "C2")
    with pytest.raises(PlanRefused) as refused:
        plan_campaign(actor=None, campaign=c2, today=TODAY)
    assert "西城市委书记职务空缺" in refused.value.messages[0]
    assert not Talk.objects.unscoped("test").filter(campaign=c2).exists()


def test_a_vacant_secretary_with_a_substitute_plans_with_the_substitute_and_reason(world):
    Position.objects.unscoped("test").filter(cadre=world.cadres["GC1"]).update(
        end=dt.date(2026, 4, 1)
    )
    c1 = new_campaign(
        world,
        "C1",
        substitute_talker=world.cadres["GC1M"],
        substitute_reason="市委书记空缺，由市长主持工作",
    )
    summary = plan_campaign(actor=None, campaign=c1, today=TODAY)
    talks = talks_of(c1)
    assert set(talks) == {"GK11"}  # the substitute does not talk with himself
    assert talks["GK11"].talker == world.cadres["GC1M"]
    assert talks["GK11"].talker_reason == "市委书记空缺，由市长主持工作"
    assert summary.talker == world.cadres["GC1M"]


def test_a_substitute_needs_a_reason(world):
    with pytest.raises(ValidationError):
        new_campaign(world, "C1", substitute_talker=world.cadres["GC1M"])


def test_a_subject_who_moved_is_replanned_in_the_new_post(world):
    c1 = new_campaign(world, "C1")
    plan_campaign(actor=None, campaign=c1, today=TODAY)
    old = Position.objects.unscoped("test").get(cadre=world.cadres["GK11"])
    old.end = dt.date(2026, 4, 20)
    old.save()
    new_post = PositionFactory(
        cadre=world.cadres["GK11"],
        organization=world.orgs["C1"],
        title="市委常委、组织部部长",
        start=dt.date(2026, 4, 21),
    )
    summary = plan_campaign(actor=None, campaign=c1, today=TODAY)
    talk = talks_of(c1)["GK11"]
    assert (summary.created, summary.updated, summary.marked) == (0, 1, 0)
    assert talk.subject_position == new_post
    assert talk.subject_org == world.orgs["C1"]
    assert talk.subject_title == "市委常委、组织部部长"
    assert talk.rule == RuleKind.TEAM


def test_a_subject_who_left_is_marked_not_deleted(world):
    c1 = new_campaign(world, "C1")
    plan_campaign(actor=None, campaign=c1, today=TODAY)
    Position.objects.unscoped("test").filter(cadre=world.cadres["GC1M"]).update(
        end=dt.date(2026, 4, 30)
    )
    summary = plan_campaign(actor=None, campaign=c1, today=TODAY)
    talk = talks_of(c1)["GC1M"]
    assert summary.marked == 1
    assert talk.left_on == TODAY and "市长" in talk.left_note
    # Marked once: planning again marks nothing more.
    assert plan_campaign(actor=None, campaign=c1, today=TODAY).marked == 0


def test_many_committees_plan_together_and_a_refusal_does_not_stop_the_others(world):
    Position.objects.unscoped("test").filter(cadre=world.cadres["GC2"]).delete()
    rounds = [new_campaign(world, c) for c in ("P", "C1", "C2", "K11")]
    summaries = plan_campaigns(actor=None, campaigns=rounds, today=TODAY)
    by_code = {s.campaign.committee.code: s for s in summaries}
    assert by_code["C2"].refused and not by_code["C1"].refused
    assert by_code["K11"].created == 2  # GSECRET (team) and the township secretary GT111
    assert AuditEntry.objects.filter(action="campaign.plan").count() == 4


def test_staff_outside_the_committee_may_not_plan_it(world):
    c1 = new_campaign(world, "C1")
    with pytest.raises(Exception) as refused:
        plan_campaign(actor=world.users["commission_c2"], campaign=c1, today=TODAY)
    assert refused.type.__name__ == "OutOfScope"


def test_a_chosen_talk_needs_a_reason_and_is_planned_once(world):
    c1 = new_campaign(world, "C1")
    staff = world.users["commission_c1"]
    with pytest.raises(ValidationError):
        add_chosen_talk(actor=staff, campaign=c1, subject=world.cadres["GT111"], reason=" ")
    talk = add_chosen_talk(
        actor=staff, campaign=c1, subject=world.cadres["GT111"], reason="信访反映较多", today=TODAY
    )
    assert (talk.basis, talk.reason, talk.subject_org.code) == ("chosen", "信访反映较多", "T111")
    with pytest.raises(ValidationError):
        add_chosen_talk(actor=staff, campaign=c1, subject=world.cadres["GT111"], reason="再次")
    # Planning by rule leaves a chosen talk alone.
    assert plan_campaign(actor=None, campaign=c1, today=TODAY).marked == 0


def test_a_new_campaign_links_to_its_parent_and_relinks_its_children(world):
    c1 = new_campaign(world, "C1")
    k11 = new_campaign(world, "K11")
    assert k11.parent == c1
    p = new_campaign(world, "P")
    c1.refresh_from_db()
    assert c1.parent == p
    c2 = new_campaign(world, "C2")
    assert c2.parent == p
