"""The 廉政档案 on a cadre's page, and carry-over: unfinished measures offered for next year's
plan and shown, with the look-backs that failed, in next year's portrait."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tanhua.core.testing import add_scope_probes, build_world
from tanhua.rectification.models import Measure, MeasureStatus
from tanhua.rectification.services import lookback as lb
from tanhua.rectification.services.carryover import carry_over
from tanhua.rectification.testing import MeasureSpec, ProblemSpec, make_plan
from tanhua.rectification.testing_track import measures_world
from tanhua.talks.testing import CampaignFactory, TalkFactory, add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = add_talks(add_scope_probes(build_world()))
    w.measures = measures_world(w)
    return w


def _failed_look_back(world):
    made = lb.start_look_back(
        actor=world.users["commission_c1"], campaign=world.campaigns["C1"], title="回头看",
        sample_size=1, seed=1,
    )  # fmt: skip
    from tanhua.rectification.models import LookBackItem

    item = LookBackItem.objects.unscoped("test").get(look_back=made)
    lb.verify_item(actor=world.users["organization_c1"], item=item, passed=False, note="未见成效")
    return item


def _next_year(world):
    c1 = CampaignFactory(committee=world.orgs["C1"], year=2027)
    return TalkFactory(
        campaign=c1, talker=world.cadres["GC1"], subject=world.cadres["GK11"],
        subject_org=world.orgs["K11"], subject_title="县委书记",
    )  # fmt: skip


def test_the_cadre_page_loads_the_dossier_of_talks_measures_and_look_backs(world):
    _failed_look_back(world)
    client = Client()
    client.force_login(world.users["commission_c1"])
    page = client.get(reverse("org:cadre_detail", args=["GK11"])).content.decode()
    assert reverse("rectification:dossier", args=["GK11"]) in page
    section = client.get(reverse("rectification:dossier", args=["GK11"]), HTTP_HX_REQUEST="true")
    body = section.content.decode()
    assert "廉政档案" in body and "2026" in body
    assert "建立交流机制" in body and "未见成效" in body and "曾被重新打开" in body


def test_the_dossier_shows_only_what_the_viewer_may_see(world):
    make_plan(world.talks["declared"], [ProblemSpec(measures=[MeasureSpec(text="回避举措")])])
    client = Client()
    client.force_login(world.users["commission_c1"])
    # Declared 回避: the cadre's page and the dossier answer as absent.
    assert client.get(reverse("rectification:dossier", args=["GDECL"])).status_code == 404
    other = Client()
    other.force_login(world.users["commission_p"])
    assert (
        "回避举措" in other.get(reverse("rectification:dossier", args=["GDECL"])).content.decode()
    )


def test_the_dossier_costs_the_same_queries_over_more_years(world, django_assert_max_num_queries):
    client = Client()
    client.force_login(world.users["commission_c1"])
    url = reverse("rectification:dossier", args=["GK11"])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    talk = _next_year(world)
    make_plan(talk, [ProblemSpec(measures=[MeasureSpec(text="次年举措")] * 3)])
    with CaptureQueriesContext(connection) as two:
        assert "次年举措" in client.get(url).content.decode()
    assert len(two) == len(one)


def test_unfinished_measures_are_offered_for_next_years_plan(world):
    talk = _next_year(world)
    offers = carry_over(actor=world.users["commission_c1"], talk=talk)
    texts = [o.measure.text for o in offers]
    assert set(texts) == {
        "建立调研台账",
        "精简会议文件",
        "整治文山会海",
        "坚持调研制度",
        "清理评比表彰",
    }
    assert "建立交流机制" not in texts  # closed
    # A reopened measure is unfinished again.
    _failed_look_back(world)
    again = carry_over(actor=world.users["commission_c1"], talk=talk)
    assert "建立交流机制" in [o.measure.text for o in again]


def test_a_measure_already_carried_is_not_offered_twice(world):
    talk = _next_year(world)
    plan = make_plan(talk, [ProblemSpec(measures=[MeasureSpec(text="结转举措")])])
    carried = Measure.objects.unscoped("test").get(problem__plan=plan)
    carried.carried_from = world.measures["late"]
    carried.save(update_fields=["carried_from"])
    offers = carry_over(actor=world.users["commission_c1"], talk=talk)
    assert "整治文山会海" not in [o.measure.text for o in offers]


def test_next_years_portrait_shows_unfinished_and_reopened_measures(world):
    from tanhua.portrait.build import load

    _failed_look_back(world)
    _next_year(world)
    Measure.objects.unscoped("test").filter(pk=world.measures["soon"].pk).update(
        status=MeasureStatus.CLOSED
    )
    st = load([world.orgs["C1"].path], 2027, {world.cadres["GK11"].pk})
    record = st.last_year[world.cadres["GK11"].pk]
    texts = {m["text"] for m in record["measures"]}
    assert "建立交流机制" in texts  # reopened by the look-back
    assert "建立调研台账" not in texts  # closed since
    assert record["look_back_failed"] == 1


def test_the_portrait_page_shows_the_carry_over(world):
    _failed_look_back(world)
    talk = _next_year(world)
    from tanhua.portrait.services import prepare

    prepare(actor=None, year=2027, talk_ids=[talk.pk], as_of=dt.date(2027, 3, 1))
    client = Client()
    client.force_login(world.users["commission_c1"])
    body = client.get(reverse("portrait:talk", args=[talk.pk])).content.decode()
    assert "上年未完成的整改" in body and "回头看未通过 1 项" in body and "未见成效" in body


def test_filing_next_years_plan_carries_the_unfinished_measures_in_under_their_problems(world):
    from tanhua.rectification.models import Problem
    from tanhua.rectification.services import plan as plans
    from tanhua.rectification.testing_lists import seal_talk

    talk = seal_talk(_next_year(world))
    offered = {o.measure.pk for o in carry_over(actor=world.users["commission_c1"], talk=talk)}
    plan = plans.ensure_plan(actor=world.users["commission_c1"], talk=talk)
    carried = Measure.objects.unscoped("test").filter(
        problem__plan=plan, carried_from__isnull=False
    )
    assert {m.carried_from_id for m in carried} == offered
    assert all(m.deadline > talk.held_on and m.campaign_id == talk.campaign_id for m in carried)
    problems = Problem.objects.unscoped("test").filter(plan=plan, carried_from__isnull=False)
    assert {p.carried_from_id for p in problems} == {m.carried_from.problem_id for m in carried}
    # Carried once: the next offer is empty.
    assert carry_over(actor=world.users["commission_c1"], talk=talk) == []
