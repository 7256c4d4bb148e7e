"""Scheduling and the calendars in a real browser: staff schedule a talk on its page, the
talker sees it in the week view and the bell counts the notice."""

from __future__ import annotations

import pytest

from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.browser


def test_staff_schedule_a_talk_and_the_talker_sees_it_in_the_week(page, shot, world):  # noqa: F811
    add_talks(world)
    talk = world.talks["k11"]
    log_in(page, shot, "commission_c1")
    page.goto(f"/talks/{talk.pk}/schedule/")
    page.get_by_label("谈话时间").fill("2026-07-02T09:00")
    page.get_by_label("谈话地点").fill("市委第一会议室")
    page.get_by_label("记录人").select_option(index=1)
    page.get_by_role("button", name="安排谈话").click()
    assert "民主生活会（2026-07-01）之前" in page.locator(".errorlist").first.inner_text()
    shot(page, "refused-after-meeting")
    page.get_by_label("谈话时间").fill("2026-06-02T09:00")
    page.get_by_role("button", name="安排谈话").click()
    assert "谈话安排已保存" in page.locator(".messages").inner_text()
    page.get_by_label("谈话时间").fill("2026-06-03T14:30")
    page.get_by_label("调整原因").fill("书记临时出差")
    page.get_by_role("button", name="保存调整").click()
    shot(page, "after-move")
    assert page.locator("table.history tbody tr").count() == 2
    shot(page, "schedule-with-history")
    page.goto(f"/campaigns/{world.campaigns['C1'].pk}/calendar/?week=2026-06-01")
    shot(page, "campaign-week")
    page.context.clear_cookies()
    log_in(page, shot, "talker_c1")
    assert page.locator(".bell-count").inner_text() == "2"
    page.goto("/talks/calendar/?week=2026-06-01")
    assert page.locator("a.talk").count() == 1
    assert "14:30" in page.locator("a.talk").inner_text()
    shot(page, "talker-week")
    page.goto("/talks/calendar/?view=list")
    shot(page, "talker-list")
    page.goto("/notices/")
    shot(page, "notices")
