"""Factories and a small year of talks on top of `tanhua.core.testing.build_world()`, shared
by the tests of campaigns, talks, notices and the access matrix."""

from __future__ import annotations

import datetime as dt

import factory

from tanhua.campaigns.models import DEFAULT_RULES, Campaign, PlanRule, TeamMeeting
from tanhua.core.classification import Classification
from tanhua.core.testing import CadreFactory, PositionFactory, World
from tanhua.org.models import Tier
from tanhua.talks.models import (
    Basis,
    Outline,
    OutlineProblem,
    OutlineRevision,
    Talk,
    TalkStatus,
    TalkType,
)
from tanhua.talks.services import outline_history

YEAR = 2026
WINDOW = (dt.date(2026, 5, 15), dt.date(2026, 7, 10))


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    year = YEAR
    name = factory.LazyAttribute(lambda o: f"{o.committee.name}{o.year}年度政治监督谈话")
    window_start = WINDOW[0]
    window_end = WINDOW[1]

    @factory.post_generation
    def default_rules(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            PlanRule.objects.bulk_create(
                [PlanRule(campaign=obj, kind=k) for k in DEFAULT_RULES], ignore_conflicts=True
            )


class TalkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talk

    type = TalkType.POLITICAL_SUPERVISION
    basis = Basis.REQUIRED
    rule = "team"
    status = TalkStatus.PLANNED
    classification = Classification.SECRET
    subject_org = factory.LazyAttribute(lambda o: o.campaign.committee)


def add_talks(world: World) -> World:
    """A year of talks in the world (call after build_world, and after add_scope_probes where
    the world has them). `world.campaigns` by committee code, `world.talks` by name:

    - "k11": C1's talk with the K11 secretary GK11 (recorder_c1 records; a draft outline);
    - "secret": C1's talk with GSECRET (机密, above the C1 staff's clearance);
    - "declared": C1's talk with GDECL (commission_c1 declared 回避), where the world has GDECL;
    - "c2": C2's talk with its deputy mayor GC2V (a sibling city: out of C1's scope);
    - "p_gc1": the province's talk with GC1 (above C1: its campaign is not C1's)."""
    orgs, cadres, users = world.orgs, world.cadres, world.users
    gc2v = CadreFactory(code="GC2V", name="西城副市长癸", tier=Tier.CITY)
    PositionFactory(cadre=gc2v, organization=orgs["C2"], title="副市长")
    cadres["GC2V"] = gc2v
    p = CampaignFactory(committee=orgs["P"])
    c1 = CampaignFactory(committee=orgs["C1"], parent=p)
    c2 = CampaignFactory(committee=orgs["C2"], parent=p)
    world.campaigns = {"P": p, "C1": c1, "C2": c2}
    TeamMeeting.objects.create(organization=orgs["K11"], year=YEAR, date=dt.date(2026, 7, 1))
    TeamMeeting.objects.create(organization=orgs["C1"], year=YEAR, date=dt.date(2026, 7, 5))
    k11 = TalkFactory(
        campaign=c1,
        talker=cadres["GC1"],
        subject=cadres["GK11"],
        subject_org=orgs["K11"],
        subject_title="县委书记",
        rule="subordinate_principals",
        recorder=users["recorder_c1"],
    )
    outline = Outline.objects.create(talk=k11)
    problem = OutlineProblem.objects.create(
        outline=outline,
        order=1,
        focus_area="A3",
        statement="调研不深入，存在文山会海现象",
        evidence="2025年县委发文数量同比增长23%",
    )
    # Its one version, as the outline's write path would have kept it.
    OutlineRevision.objects.create(
        outline=outline, version=outline.version, action="update", status=outline.status,
        problems=outline_history.snapshot([problem]),
    )  # fmt: skip
    talks = {
        "k11": k11,
        "secret": TalkFactory(
            campaign=c1,
            talker=cadres["GC1"],
            subject=cadres["GSECRET"],
            subject_org=orgs["K11"],
            subject_title="副书记",
        ),
        "c2": TalkFactory(campaign=c2, talker=cadres["GC2"], subject=gc2v, subject_title="副市长"),
        "p_gc1": TalkFactory(
            campaign=p, talker=cadres["GP1"], subject=cadres["GC1"], subject_title="市委书记"
        ),
    }
    if "GDECL" in cadres:
        talks["declared"] = TalkFactory(
            campaign=c1,
            talker=cadres["GC1"],
            subject=cadres["GDECL"],
            subject_org=orgs["K11"],
            subject_title="县委副书记",
        )
    world.talks = talks
    return world
