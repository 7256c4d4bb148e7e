"""Attacks on the campaign pages, figures and API through a commission office (纪检监察室):
a province commission member whose office covers C2 only must not see C1's talks anywhere,
not even as counts of a campaign page, the API's figures or the work page."""

from __future__ import annotations

import pytest
from django.test import Client

from tanhua.api.services import issue_token
from tanhua.core.testing import add_scope_probes, build_world
from tanhua.org.models import Office
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def oworld(db):
    world = add_talks(add_scope_probes(build_world()))
    user = world.users["commission_p"]
    office = Office.objects.create(organization=world.orgs["P"], name="第二纪检监察室")
    office.localities.add(world.orgs["C2"])
    user.office = office
    user.save()
    world.office_member = user
    return world


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user):
    _token, plain = issue_token(actor=None, user=user, name="test")
    client = Client(headers={"Authorization": f"Bearer {plain}"})
    return client


def test_an_office_member_covering_c2_cannot_open_c1s_campaign_page_or_api(oworld):
    c1 = oworld.campaigns["C1"]
    web, api = _client(oworld.office_member), _api(oworld.office_member)
    for path in (
        f"/campaigns/{c1.pk}/",
        f"/campaigns/{c1.pk}/talks/",
        f"/campaigns/{c1.pk}/calendar/",
    ):
        assert web.get(path).status_code == 404, path
    for path in (f"/campaigns/{c1.pk}", f"/campaigns/{c1.pk}/stats", f"/campaigns/{c1.pk}/talks"):
        assert api.get(f"/api/v1{path}").status_code == 404, path
    listed = api.get("/api/v1/campaigns").json()
    assert {c["committee_code"] for c in listed["items"]} == {"P", "C2"}
    assert "东城市委" not in web.get("/campaigns/").content.decode()


def test_an_office_member_covering_c2_counts_only_c2s_talks_in_the_province_figures(oworld):
    p = oworld.campaigns["P"]
    stats = _api(oworld.office_member).get(f"/api/v1/campaigns/{p.pk}/stats").json()
    # The province subtree holds five talks; the office covers one of them (C2's).
    assert stats["total"] == 1
    page = _client(oworld.office_member).get(f"/campaigns/{p.pk}/")
    assert page.context["figures"].totals["planned"] == 1
    assert [c["campaign"]["committee__path"] for c in page.context["children"]] == ["/P/C2/"]
    assert page.context["progress"]["planned"] == 1


def test_an_office_member_covering_c2_sees_no_c1_count_in_the_list_or_the_work_page(oworld):
    web = _client(oworld.office_member)
    listing = web.get("/campaigns/")
    counts = {c.committee.code: c.talk_count for c in listing.context["page"].object_list}
    # P's own talk is with a province-level subject (GC1 in P), outside the office's C2.
    assert counts == {"P": 0, "C2": 1}
    from tanhua.talks.work import campaign_progress

    progress = {c.committee.code: c.n_total for c in campaign_progress(oworld.office_member)}
    assert progress == {"P": 0, "C2": 1}


def test_an_office_member_covering_c2_sees_no_c1_team_on_the_meetings_page(oworld):
    p = oworld.campaigns["P"]
    page = _client(oworld.office_member).get(f"/campaigns/{p.pk}/meetings/")
    # P's one talk is held in P's own team, which the C2 office does not cover.
    assert [t.code for t in page.context["teams"]] == []
    c2 = oworld.campaigns["C2"]
    page = _client(oworld.office_member).get(f"/campaigns/{c2.pk}/meetings/")
    assert [(t.code, t.talk_count) for t in page.context["teams"]] == [("C2", 1)]


# --- the `talks` import kind ------------------------------------------------------------------


def _ledger_row(**kw):
    return {
        "campaign": "2026",
        "committee_code": "C1",
        "talker_code": "GC1",
        "subject_code": "GK11",
        "type": "政治监督谈话",
        "held_on": "",
        "status": "",
        **kw,
    }


def test_an_import_cannot_mark_a_talk_in_preparation_held_and_open_its_record_to_the_subject(
    oworld,
):
    from tanhua.exchange.services import ImportRejected, import_tables
    from tanhua.talks.models import Talk, TalkRecord

    talk = oworld.talks["k11"]
    TalkRecord.objects.create(talk=talk, overall_evaluation="记录进行中")
    with pytest.raises(ImportRejected):
        import_tables(
            {"talks": [_ledger_row(held_on="2026-06-01", status="held")]},
            actor=oworld.users["commission_c1"],
        )
    assert Talk.objects.unscoped("test").get(pk=talk.pk).held_on is None
    assert not TalkRecord.objects.visible_to(oworld.users["subject_k11"]).exists()


def test_an_import_cannot_hand_a_talk_in_preparation_to_another_talker(oworld):
    from tanhua.exchange.services import ImportRejected, import_tables
    from tanhua.talks.models import Talk

    talk = oworld.talks["k11"]  # it has a draft outline
    with pytest.raises(ImportRejected):
        import_tables(
            {"talks": [_ledger_row(talker_code="GC1M")]}, actor=oworld.users["commission_c1"]
        )
    assert Talk.objects.unscoped("test").get(pk=talk.pk).talker.code == "GC1"


def test_an_office_member_importing_a_talk_they_cannot_see_gets_a_clear_refusal_not_a_500(
    oworld,
):
    from tanhua.exchange.services import ImportRejected, import_tables

    # commission_p's office covers C2: the C1 talk with GK11 is hidden from them.
    with pytest.raises(ImportRejected) as refused:
        import_tables({"talks": [_ledger_row()]}, actor=oworld.office_member)
    assert refused.value.problems
