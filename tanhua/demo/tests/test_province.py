"""The generator's invariants, on the row dicts it hands to the import service."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from itertools import pairwise

import pytest

from tanhua.core.classification import Classification
from tanhua.demo import names
from tanhua.demo.province import (
    CITY_TEAM,
    PROVINCE_TEAM,
    TIER_BY_LEVEL,
    build_province,
    county_team,
    township_team,
)


@pytest.fixture(scope="module")
def province():
    return build_province()


def _current(positions):
    return [p for p in positions if not p["end"]]


def test_the_same_seed_gives_the_same_province_row_for_row(province):
    again = build_province()
    assert again.tables() == province.tables()
    assert again.classified == province.classified
    assert build_province(7).tables() != province.tables()


def test_the_province_has_at_least_8_cities_50_counties_and_townships_under_every_county(
    province,
):
    assert len(province.orgs_at("province")) == 1
    assert len(province.orgs_at("city")) >= 8
    counties = province.orgs_at("county")
    assert len(counties) >= 50
    townships_per_county = Counter(o["parent_code"] for o in province.orgs_at("township"))
    assert {c["code"] for c in counties} == set(townships_per_county)
    assert min(townships_per_county.values()) >= 6
    assert max(townships_per_county.values()) <= 10
    counties_per_city = Counter(c["parent_code"] for c in counties)
    assert {c["code"] for c in province.orgs_at("city")} == set(counties_per_city)


def test_codes_are_unique_and_every_parent_comes_before_its_children(province):
    org_codes = [o["code"] for o in province.organizations]
    cadre_codes = [c["code"] for c in province.cadres]
    assert len(org_codes) == len(set(org_codes))
    assert len(cadre_codes) == len(set(cadre_codes))
    rank = {"province": 1, "city": 2, "county": 3, "township": 4}
    seen: dict[str, str] = {}
    for org in province.organizations:
        if org["parent_code"]:
            assert org["parent_code"] in seen, org
            assert rank[org["level"]] == rank[seen[org["parent_code"]]] + 1
        seen[org["code"]] = org["level"]


def test_every_post_of_every_team_is_filled_by_exactly_one_current_holder(province):
    teams = {"province": PROVINCE_TEAM, "city": CITY_TEAM}
    current = defaultdict(Counter)
    for p in _current(province.positions):
        current[p["org_code"]][p["title"]] += 1
    for org in province.organizations:
        if org["level"] in teams:
            team = teams[org["level"]]
        elif org["level"] == "county":
            team = county_team(org["name"][-2])
        else:
            team = township_team(org["name"][-3])
        expected = Counter(slot.title for slot in team)
        assert current[org["code"]] == expected, org
        principals = [p for p in _current(province.positions) if p["org_code"] == org["code"]]
        assert sum(p["principal"] == "yes" for p in principals) == 2


def test_positions_refer_to_known_cadres_and_organizations_with_sane_dates(province):
    org_codes = {o["code"] for o in province.organizations}
    cadre_codes = {c["code"] for c in province.cadres}
    keys = set()
    for p in province.positions:
        assert p["org_code"] in org_codes
        assert p["cadre_code"] in cadre_codes
        start = dt.date.fromisoformat(p["start"])
        if p["end"]:
            assert dt.date.fromisoformat(p["end"]) >= start
        key = (p["cadre_code"], p["org_code"], p["title"], p["start"])
        assert key not in keys
        keys.add(key)
    # Every cadre holds or held at least one post.
    assert {p["cadre_code"] for p in province.positions} == cadre_codes


def test_tenures_of_one_post_never_overlap(province):
    by_post = defaultdict(list)
    for p in province.positions:
        by_post[(p["org_code"], p["title"])].append(p)
    for tenures in by_post.values():
        tenures.sort(key=lambda p: p["start"])
        for earlier, later in pairwise(tenures):
            assert earlier["end"], (earlier, later)
            assert earlier["end"] < later["start"]


def test_some_cadres_have_posts_over_time_including_the_demo_talker_and_subject(province):
    ended = [p for p in province.positions if p["end"]]
    assert len(ended) >= 200
    posts_per_cadre = Counter(p["cadre_code"] for p in province.positions)
    assert sum(n >= 2 for n in posts_per_cadre.values()) >= 50
    talker = province.holders[("QL", "secretary")]
    subject = province.holders[(province.first_city_code, "secretary")]
    assert posts_per_cadre[talker] >= 2
    assert posts_per_cadre[subject] >= 2


def test_tiers_follow_the_level_of_the_current_post(province):
    level = {o["code"]: o["level"] for o in province.organizations}
    tier = {c["code"]: c["tier"] for c in province.cadres}
    for p in _current(province.positions):
        assert tier[p["cadre_code"]] == TIER_BY_LEVEL[level[p["org_code"]]], p
    assert set(tier.values()) == {"central", "provincial", "city", "county"}


def test_genders_are_mixed(province):
    genders = Counter(c["gender"] for c in province.cadres)
    assert set(genders) == {"male", "female"}
    assert 0.1 < genders["female"] / len(province.cadres) < 0.4


def test_a_few_cadres_are_classified_secret_or_confidential_including_in_the_first_city(
    province,
):
    assert 3 <= len(province.classified) <= 10
    assert set(province.classified.values()) == {
        Classification.SECRET,
        Classification.CONFIDENTIAL,
    }
    first_city = province.first_city_code
    in_first_city = {
        p["cadre_code"]: province.classified[p["cadre_code"]]
        for p in _current(province.positions)
        if p["cadre_code"] in province.classified and p["org_code"].startswith(first_city)
    }
    assert set(in_first_city.values()) == {Classification.SECRET, Classification.CONFIDENTIAL}


def test_no_real_place_or_person_name_appears(province):
    stems = [o["name"].removesuffix("党委").removesuffix("委")[:-1] for o in province.organizations]
    assert len(set(stems)) == len(stems)
    for stem in stems:
        assert not names.place_is_denied(stem), stem
    for real in ("安徽", "黄山", "滁州", "天长", "合肥", "北京"):
        assert not any(real in o["name"] for o in province.organizations)
    people = [c["name"] for c in province.cadres]
    assert len(set(people)) == len(people)
    assert not set(people) & names.REAL_PEOPLE
    assert "柯常松" in names.REAL_PEOPLE  # the deny list holds the seed report's people


def test_rows_use_the_import_contracts_english_column_names(province):
    assert set(province.organizations[0]) == {"code", "name", "level", "parent_code", "kind"}
    assert set(province.cadres[0]) == {"code", "name", "tier", "gender"}
    assert set(province.positions[0]) == {
        "cadre_code",
        "org_code",
        "title",
        "principal",
        "start",
        "end",
    }


def test_the_demo_year_has_planned_campaigns_meeting_dates_and_a_recorders_talks(db):
    from tanhua.accounts.models import User
    from tanhua.campaigns.models import Campaign, TeamMeeting
    from tanhua.demo.services import load_demo
    from tanhua.talks.models import Talk

    result = load_demo(seed=7)
    assert result.campaigns > 10 and result.talks > 100
    rounds = Campaign.objects.unscoped("test")
    province = rounds.get(parent__isnull=True)
    assert rounds.filter(parent=province).count() == 9  # every city rolls up into it
    talks = Talk.objects.unscoped("test")
    talker = User.objects.get(username="demo_talker")
    subject = User.objects.get(username="demo_subject")
    assert (
        talks.filter(campaign=province, talker=talker.cadre).count()
        == talks.filter(campaign=province).count()
    )
    assert talks.filter(campaign=province, subject=subject.cadre).exists()
    assert talks.filter(recorder__username="demo_recorder").exists()
    assert TeamMeeting.objects.count() == talks.values("subject_org").distinct().count()


def test_the_demo_year_is_taken_through_the_talk_cycle_by_its_own_people(db):
    from tanhua.audit.models import AuditEntry
    from tanhua.demo.services import load_demo
    from tanhua.talks.models import Talk, TalkRecord, TalkStatus
    from tanhua.talks.services.record import seal_intact

    load_demo()
    talks = Talk.objects.unscoped("test")
    # Sealed, and rectifying since its 三清单 were approved (tanhua/demo/lists.py).
    sealed = talks.get(status__in=[TalkStatus.SEALED, TalkStatus.RECTIFYING])
    assert sealed.subject.users.filter(username="demo_subject").exists()
    record = TalkRecord.objects.unscoped("test").get(talk=sealed)
    assert seal_intact(record)
    assert talks.filter(status=TalkStatus.HELD).count() == 2
    assert talks.filter(status=TalkStatus.SCHEDULED).count() == 3
    # Each step was done by a person, through the services, and audited.
    assert AuditEntry.objects.filter(action="record.seal", username="demo_subject").exists()
