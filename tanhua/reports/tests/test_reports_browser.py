"""Reports and the dashboard in a real browser: staff draft, edit and issue a 专报; a
leadership viewer opens the dashboard and its charts draw."""

from __future__ import annotations

import pytest

from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures
from tanhua.reports.testing import add_year
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.browser


def test_staff_draft_edit_and_issue_a_special_report(page, shot, world):  # noqa: F811
    add_year(add_talks(world))
    log_in(page, shot, "commission_c1")
    page.get_by_role("link", name="两报一看").click()
    page.get_by_label("年度").fill("2026")
    page.get_by_role("button", name="生成草稿").click()
    page.get_by_role("heading", name="版头和版记").wait_for()
    assert page.locator("textarea").first.input_value().startswith("按照")
    shot(page, "draft")
    last = page.locator("form.report-section").last
    last.locator("textarea").fill("（一）继续督办逾期举措。")
    last.get_by_role("button", name="保存本部分").click()
    page.get_by_text("已保存").first.wait_for()
    page.get_by_role("button", name="印发").click()
    page.get_by_text("文件哈希（SHA-256）").wait_for()
    assert "继续督办逾期举措" in page.content()
    shot(page, "issued")


def test_a_viewer_opens_the_dashboard_and_its_charts_draw(page, shot, world):  # noqa: F811
    add_year(add_talks(world))
    log_in(page, shot, "viewer_c1")
    page.get_by_role("link", name="领导看板").click()
    page.get_by_role("heading", name="整改四色").wait_for()
    page.goto(page.url + "?year=2026")
    page.locator("#chart-colours canvas").wait_for()
    assert page.locator(".chart canvas").count() == 4
    shot(page, "dashboard")
