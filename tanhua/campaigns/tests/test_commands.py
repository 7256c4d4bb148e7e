"""`tanhua plan` and `tanhua stats` (DESIGN §7), through the management commands."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tanhua.campaigns.models import Campaign
from tanhua.core.testing import CadreFactory, PositionFactory
from tanhua.org.models import Position, Tier
from tanhua.talks.models import Talk, TalkStatus, TalkType
from tanhua.talks.testing import TalkFactory

pytestmark = pytest.mark.django_db


def test_plan_for_a_committee_creates_its_campaign_and_prints_what_it_created(world, capsys):
    call_command("plan", "2026", "--committee", "C1")
    out = capsys.readouterr().out
    assert "新建谈话工作并东城市委（C1）：新增 2 人次" in out
    assert "谈话人：东城书记乙" in out
    campaign = Campaign.objects.unscoped("test").get(committee__code="C1", year=2026)
    assert (campaign.window_start, campaign.window_end) == (
        dt.date(2026, 5, 15),
        dt.date(2026, 7, 10),
    )


def test_plan_all_twice_adds_nothing_the_second_time(world, capsys):
    call_command(
        "plan", "2026", "--all", "--window-start", "2026-05-20", "--window-end", "2026-07-01"
    )
    first = Talk.objects.unscoped("test").count()
    capsys.readouterr()
    call_command("plan", "2026", "--all")
    out = capsys.readouterr().out
    assert Talk.objects.unscoped("test").count() == first
    assert "合计：3 个党委，新增 0 人次" in out
    p = Campaign.objects.unscoped("test").get(committee__code="P")
    assert p.window_start == dt.date(2026, 5, 20)
    children = Campaign.objects.unscoped("test").filter(parent=p)
    assert set(children.values_list("committee__code", flat=True)) == {"C1"}


def test_plan_of_an_unknown_committee_is_one_chinese_line(world):
    with pytest.raises(CommandError, match="组织编码不存在：NOPE"):
        call_command("plan", "2026", "--committee", "NOPE")


def test_plan_reports_a_vacant_secretary_and_exits_non_zero(world, capsys):
    Position.objects.unscoped("test").filter(cadre__code="GC1").delete()
    with pytest.raises(SystemExit) as exit_:
        call_command("plan", "2026", "--committee", "C1", "--committee", "K11")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "东城市委（C1）：未生成计划——东城市委书记职务空缺" in out
    assert "东城甲县委（K11）：新增" in out


def test_stats_json_counts_political_supervision_talks_by_level_and_tier(world, capsys):
    call_command("plan", "2026", "--all")
    c1 = Campaign.objects.unscoped("test").get(committee__code="C1")
    gk11 = Talk.objects.unscoped("test").get(campaign=c1, subject__code="GK11")
    gk11.status, gk11.held_on = TalkStatus.SEALED, dt.date(2026, 6, 1)
    gk11.save()
    other = CadreFactory(code="GW1", name="工作谈话对象", tier=Tier.COUNTY)
    PositionFactory(cadre=other, organization=c1.committee, title="秘书长")
    TalkFactory(campaign=c1, talker=gk11.talker, subject=other, type=TalkType.WORK)
    capsys.readouterr()
    call_command("stats", "2026", "--json")
    data = json.loads(capsys.readouterr().out)
    # P: GC1, GC1M, GC2; C1: GC1M, GK11; K11: GSECRET, GT111. The work talk is not counted.
    assert data["total"] == 7 and data["held"] == 1 and data["sealed"] == 1
    assert data["by_level"] == {"province": 3, "city": 2, "county": 2, "township": 0}
    assert data["by_tier"] == {"central": 0, "provincial": 4, "city": 2, "county": 1}
    assert data["detail"]["by_level"]["city"] == {
        "planned": 2,
        "scheduled": 1,
        "held": 1,
        "sealed": 1,
    }


def test_stats_as_text_is_in_chinese(world, capsys):
    call_command("plan", "2026", "--all")
    capsys.readouterr()
    call_command("stats", "2026")
    out = capsys.readouterr().out
    assert "2026 年度政治监督谈话：计划 7 人次，已谈话 0 人次。" in out
    assert "按被谈话人管理层级" in out and "省管" in out
