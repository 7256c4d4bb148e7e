"""Tracking in a real browser: staff open the four-colour board and click a red cell; after
`tick` the owner finds the warning and the escalation (督办) among their notices; staff start
a look-back and a colleague who neither owned nor accepted the measure fails one, which
reopens it."""

from __future__ import annotations

import datetime as dt

import pytest

from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures
from tanhua.rectification.models import Measure, MeasureStatus
from tanhua.rectification.services.tracking import tick
from tanhua.rectification.testing_track import measures_world
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.browser


def _log_out(tab) -> None:
    tab.get_by_role("button", name="退出").click()
    tab.context.clear_cookies()


def test_board_escalation_and_look_back_in_the_browser(page, shot, world):  # noqa: F811
    add_talks(world)
    today = dt.date.today()
    measures = measures_world(world, today)

    log_in(page, shot, "commission_c1")
    page.get_by_role("link", name="整改看板").click()
    page.locator("#board-table").wait_for()
    assert "东城市委" in page.locator("#board-table").inner_text()
    # The filters answer with the table alone (htmx), the address follows.
    page.get_by_label("汇总方式").select_option("subject")
    page.get_by_role("cell", name="甲县书记戊").wait_for()
    assert "group=subject" in page.url
    shot(page, "board")
    page.locator('#board-table tbody a.colour[data-colour="red"]').first.click()
    page.locator("#measures").wait_for()
    shot(page, "red-cell")
    assert "整治文山会海" in page.locator("#measures").inner_text()
    assert "建立调研台账" not in page.locator("#measures").inner_text()
    _log_out(page)

    tick(today=today)
    log_in(page, shot, "subject_k11")
    page.goto("/notices/")
    body = page.locator("main, body").first.inner_text()
    shot(page, "owner-notices")
    assert "逾期督办" in body and "整治文山会海" in body
    assert "整改到期预警" in body
    _log_out(page)

    log_in(page, shot, "commission_c1")
    page.goto("/rectification/look-backs/")
    page.get_by_role("link", name="发起回头看").click()
    page.get_by_label("谈话工作").select_option(label=world.campaigns["C1"].name)
    page.get_by_label("名称").fill("2026年度整改回头看")
    page.get_by_label("随机抽查已销号举措数量").fill("1")
    page.get_by_label("随机种子").fill("7")
    shot(page, "look-back-form")
    page.get_by_role("button", name="发起").click()
    page.get_by_text("已发起回头看，共 1 项待复查。").wait_for()
    shot(page, "look-back")
    detail = page.url
    _log_out(page)

    log_in(page, shot, "organization_c1")
    page.goto(detail)
    row = page.locator("#items tbody tr").first
    row.get_by_label("复查结果").select_option("failed")
    row.get_by_label("复查意见").fill("交流机制未实际运行")
    row.get_by_role("button", name="保存").click()
    page.locator("#items tbody tr .badge.warn").first.wait_for()
    shot(page, "failed-check")
    assert "未通过" in page.locator("#items").inner_text()
    done = Measure.objects.unscoped("test").get(pk=measures["done"].pk)
    assert done.status == MeasureStatus.IN_PROGRESS and done.reopened == 1

    # The 廉政档案 on the cadre's page now shows the failed check; 三查三问 counts K11's.
    page.goto("/org/cadres/GK11/")
    page.locator("section.dossier").wait_for()
    shot(page, "dossier")
    assert "交流机制未实际运行" in page.locator("section.dossier").inner_text()
    page.goto("/rectification/sancha/?units=K11+T111")
    page.locator("#sancha").wait_for()
    shot(page, "sancha")
    assert "东城甲县委" in page.locator("#sancha").inner_text()
