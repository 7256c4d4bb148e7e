"""The campaign pages: what each role sees and does, and query counts that stay flat."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tanhua.audit.models import AuditEntry
from tanhua.campaigns.models import TeamMeeting
from tanhua.core.testing import CadreFactory, OrganizationFactory, PositionFactory
from tanhua.org.models import Level, Tier
from tanhua.talks.models import Talk, TalkStatus
from tanhua.talks.testing import TalkFactory, add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def talks(world):
    return add_talks(world)


def login(client, world, name):
    client.force_login(world.users[name])
    return client


def test_staff_see_their_campaigns_in_the_list_and_not_a_siblings(client, talks):
    body = login(client, talks, "commission_c1").get(reverse("campaigns:list")).content.decode()
    assert "东城市委2026年度政治监督谈话" in body
    assert "西城市委" not in body
    assert "谈话工作" in body  # the nav item


def test_the_campaign_page_shows_figures_rolled_up_and_the_plan_button(client, talks):
    c1 = talks.campaigns["C1"]
    held = talks.talks["k11"]
    held.status, held.held_on = TalkStatus.HELD, dt.date(2026, 6, 1)
    held.save()
    body = login(client, talks, "commission_c1").get(reverse("campaigns:detail", args=[c1.pk]))
    text = body.content.decode()
    assert "按规则生成谈话计划" in text
    assert 'id="campaign-progress"' in text and "echarts-6.1.0.min.js" in text
    assert "<script>" not in text  # CSP: no inline script
    p = talks.campaigns["P"]
    text = client.get(reverse("campaigns:detail", args=[p.pk]))
    # commission_c1 does not reach the province's round.
    assert text.status_code == 404


def test_the_province_page_rolls_up_the_cities(client, talks):
    p = talks.campaigns["P"]
    response = login(client, talks, "commission_p").get(reverse("campaigns:detail", args=[p.pk]))
    figures = response.context["figures"]
    # P: p_gc1; C1: k11, secret, declared? (no probes here); C2: c2.
    assert figures.totals["planned"] == Talk.objects.unscoped("test").count()
    children = {row["campaign"]["name"]: row for row in response.context["children"]}
    assert set(children) == {"东城市委2026年度政治监督谈话", "西城市委2026年度政治监督谈话"}
    assert children["西城市委2026年度政治监督谈话"]["planned"] == 1


def test_a_recorder_opens_the_campaign_but_sees_no_figures_and_no_plan_button(client, talks):
    c1 = talks.campaigns["C1"]
    response = login(client, talks, "recorder_c1").get(reverse("campaigns:detail", args=[c1.pk]))
    assert response.status_code == 200
    assert "figures" not in response.context
    assert "按规则生成谈话计划" not in response.content.decode()


def test_the_plan_button_plans_and_says_what_it_did(client, talks):
    c1 = talks.campaigns["C1"]
    response = login(client, talks, "commission_c1").post(
        reverse("campaigns:plan", args=[c1.pk]), follow=True
    )
    assert "已生成谈话计划：新增" in response.content.decode()
    assert AuditEntry.objects.filter(action="campaign.plan").count() == 1


def test_the_talk_list_filters_pages_links_and_exports(client, talks):
    c1 = talks.campaigns["C1"]
    staff = login(client, talks, "organization_c1")
    url = reverse("campaigns:talks", args=[c1.pk])
    text = staff.get(url).content.decode()
    assert "甲县书记戊" in text and reverse("talks:detail", args=[talks.talks["k11"].pk]) in text
    assert "机密干部庚" not in text  # above clearance
    assert "甲县书记戊" not in staff.get(url, {"basis": "chosen"}).content.decode()
    assert "甲县书记戊" in staff.get(url, {"q": "县委书记"}).content.decode()
    assert "甲县书记戊" not in staff.get(url, {"tier": "county"}).content.decode()
    export = staff.get(url, {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_bad_filter_is_a_chinese_error_not_a_500(client, talks):
    c1 = talks.campaigns["C1"]
    response = login(client, talks, "commission_c1").get(
        reverse("campaigns:talks", args=[c1.pk]), {"status": "nonsense", "page": "x"}
    )
    assert response.status_code == 200
    assert "请选择有效的选项" in response.content.decode()


def test_a_chosen_talk_is_added_from_the_campaign_page_with_its_reason(client, talks):
    c1 = talks.campaigns["C1"]
    staff = login(client, talks, "commission_c1")
    url = reverse("campaigns:add_talk", args=[c1.pk])
    response = staff.post(url, {"subject_code": "GT111", "reason": "", "type": "work"}, follow=True)
    assert "未新增" in response.content.decode()
    staff.post(url, {"subject_code": "GT111", "reason": "群众反映集中", "type": "work"})
    talk = Talk.objects.unscoped("test").get(campaign=c1, subject__code="GT111")
    assert (talk.basis, talk.reason, talk.type) == ("chosen", "群众反映集中", "work")
    # A hidden cadre reads like an unknown one.
    hidden = staff.post(url, {"subject_code": "GC2", "reason": "x", "type": "work"}, follow=True)
    unknown = staff.post(url, {"subject_code": "ZZZ", "reason": "x", "type": "work"}, follow=True)
    assert "干部“GC2”不存在" in hidden.content.decode()
    assert "干部“ZZZ”不存在" in unknown.content.decode()


def test_meeting_dates_are_listed_per_team_and_edited_inline(client, talks):
    c1 = talks.campaigns["C1"]
    staff = login(client, talks, "commission_c1")
    text = staff.get(reverse("campaigns:meetings", args=[c1.pk])).content.decode()
    assert "东城甲县委" in text and "2026-07-01" in text
    row = staff.post(
        reverse("campaigns:meeting_set", args=[c1.pk, "K11"]),
        {"date": "2026-06-28"},
        headers={"HX-Request": "true"},
    )
    assert 'id="team-K11"' in row.content.decode()
    assert TeamMeeting.objects.get(organization__code="K11", year=2026).date == dt.date(2026, 6, 28)
    wrong = staff.post(
        reverse("campaigns:meeting_set", args=[c1.pk, "K11"]),
        {"date": "2025-06-28"},
        headers={"HX-Request": "true"},
    )
    assert "民主生活会日期应在 2026 年内" in wrong.content.decode()


def test_the_campaign_settings_name_a_substitute_with_a_reason(client, talks):
    c1 = talks.campaigns["C1"]
    staff = login(client, talks, "commission_c1")
    data = {
        "name": c1.name,
        "window_start": "2026-05-20",
        "window_end": "2026-07-05",
        "status": "active",
        "substitute_code": "GC1M",
        "substitute_reason": "",
        "version": c1.version,
    }
    response = staff.post(reverse("campaigns:edit", args=[c1.pk]), data, follow=True)
    assert "指定代为谈话人时，请说明事由" in response.content.decode()
    data["substitute_reason"] = "书记参加中央党校学习"
    staff.post(reverse("campaigns:edit", args=[c1.pk]), data)
    c1.refresh_from_db()
    assert c1.substitute_talker.code == "GC1M" and c1.window_end == dt.date(2026, 7, 5)
    assert c1.version == 2


def test_a_substitute_from_above_the_planners_scope_is_not_named_to_them_and_stays(client, talks):
    from tanhua.campaigns.models import Campaign

    c1 = talks.campaigns["C1"]
    Campaign.objects.unscoped("test").filter(pk=c1.pk).update(
        substitute_talker=talks.cadres["GP1"], substitute_reason="书记职务空缺，由省委指定"
    )
    c1.refresh_from_db()
    staff = login(client, talks, "commission_c1")
    page = staff.get(reverse("campaigns:detail", args=[c1.pk])).content.decode()
    assert "GP1" not in page and "不在您的查看范围内" in page
    data = {
        "name": "改名后的谈话工作",
        "window_start": "2026-05-20",
        "window_end": "2026-07-05",
        "status": "active",
        "substitute_code": "",
        "substitute_reason": c1.substitute_reason,
        "version": c1.version,
    }
    staff.post(reverse("campaigns:edit", args=[c1.pk]), data)
    c1.refresh_from_db()
    assert c1.name == "改名后的谈话工作" and c1.substitute_talker_id == talks.cadres["GP1"].pk
    data.update(version=c1.version, clear_substitute="1", substitute_reason="")
    staff.post(reverse("campaigns:edit", args=[c1.pk]), data)
    c1.refresh_from_db()
    assert c1.substitute_talker_id is None


def _grow(world, start, stop):
    c1 = world.campaigns["C1"]
    for i in range(start, stop):
        county = OrganizationFactory(
            code=f"KG{i:03d}", name=f"增长县{i}", level=Level.COUNTY, parent=world.orgs["C1"]
        )
        for role in ("书记", "县长"):
            cadre = CadreFactory(code=f"GG{role[0]}{i:03d}", name=f"增长{role}{i}", tier=Tier.CITY)
            post = PositionFactory(cadre=cadre, organization=county, title=f"县委{role}")
            TalkFactory(
                campaign=c1,
                talker=world.cadres["GC1"],
                subject=cadre,
                subject_org=county,
                subject_position=post,
                subject_title=post.title,
                status=TalkStatus.SCHEDULED if i % 2 else TalkStatus.PLANNED,
            )


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("campaigns:detail", {}),
        ("campaigns:talks", {}),
        ("campaigns:talks", {"status": "scheduled", "page": "2"}),
        ("campaigns:meetings", {}),
        ("campaigns:list", {}),
    ],
)
def test_the_query_count_of_a_campaign_page_stays_flat_as_talks_grow(
    client, talks, django_assert_max_num_queries, name, params
):
    c1 = talks.campaigns["C1"]
    url = reverse(name) if name == "campaigns:list" else reverse(name, args=[c1.pk])
    staff = login(client, talks, "commission_c1")
    _grow(talks, 0, 30)
    _queries(staff, url, params)
    small = _queries(staff, url, params)
    _grow(talks, 30, 150)
    large = _queries(staff, url, params)
    assert small == large, f"{name}: {small} queries, then {large}"
    with django_assert_max_num_queries(30):
        staff.get(url, params)


def test_a_teams_talk_count_for_staff_counts_only_the_talks_they_may_see(client, talks):
    # K11's team has two talks in C1's campaign: k11's and the 机密 one above
    # commission_c1's clearance.
    c1 = talks.campaigns["C1"]
    staff = login(client, talks, "commission_c1")
    row = staff.get(reverse("campaigns:meetings", args=[c1.pk])).content.decode()
    visible = Talk.objects.visible_to(talks.users["commission_c1"]).filter(
        campaign=c1, subject_org=talks.orgs["K11"]
    )
    everything = Talk.objects.unscoped("test").filter(campaign=c1, subject_org=talks.orgs["K11"])
    assert visible.count() == 1 and everything.count() == 2
    assert re.search(r'id="team-K11".*?<td[^>]*>\s*1\s*</td>', row, re.S), row
