"""Material requests in a real browser: a submitter answers a request with a Word file and
sees only their own submission; staff then see their unit as sent."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tanhua.accounts.roles import Role
from tanhua.core.testing import make_user
from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures
from tanhua.evidence.requests_testing import make_request, submit
from tanhua.files.models import Attachment
from tanhua.files.testing import docx_bytes
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.browser


def test_a_submitter_answers_a_request_and_staff_see_the_unit_as_sent(page, shot, world, tmp_path):  # noqa: F811
    add_talks(world)
    colleague = make_user("submitter_c1b", org=world.orgs["C1"], roles=[Role.SUBMITTER])
    req = make_request(
        world.campaigns["C1"],
        [world.orgs["C1"], world.orgs["K11"]],
        title="请报送2025年度综合考核材料",
        deadline=dt.date.today() + dt.timedelta(days=7),
    )
    submit(colleague, req, ("同事的材料.docx", docx_bytes("同事报送的内容")))
    upload = tmp_path / "东城市委综合考核说明.docx"
    upload.write_bytes(docx_bytes("东城市委2025年度综合考核情况说明", "考核得分92.5分"))

    log_in(page, shot, "submitter_c1")
    page.get_by_role("link", name="材料报送").click()
    page.get_by_role("link", name="请报送2025年度综合考核材料").click()
    shot(page, "request")
    page.get_by_label("文件（Word、Excel 或 PDF，可多选）").set_input_files(str(upload))
    page.get_by_label("说明").fill("综合考核结果见附件")
    page.get_by_role("button", name="报送", exact=True).click()
    page.get_by_text("材料已报送，共 1 个文件。").wait_for()
    shot(page, "sent")
    mine = page.locator(".submission")
    assert mine.count() == 1
    assert "东城市委综合考核说明.docx" in mine.inner_text()
    assert "同事的材料.docx" not in page.content()
    stored = Attachment.objects.unscoped("test").get(filename="东城市委综合考核说明.docx")
    assert "考核得分92.5分" in stored.text

    page.get_by_role("button", name="退出").click()
    page.context.clear_cookies()
    log_in(page, shot, "commission_c1")
    page.get_by_role("link", name="调取材料").click()
    assert page.locator("tbody tr").first.inner_text().count("1 / 2") == 1
    page.get_by_role("link", name="请报送2025年度综合考核材料").click()
    row = page.locator('tr[data-unit="C1"]')
    assert "已报送" in row.inner_text()
    assert "东城市委综合考核说明.docx" in row.inner_text()
    assert "同事的材料.docx" in row.inner_text()
    assert re.search("待报送", page.locator('tr[data-unit="K11"]').inner_text())
    shot(page, "staff-progress")

    page.get_by_role("link", name="调取材料", exact=True).first.click()
    page.get_by_role("link", name="发起调取材料").click()
    page.get_by_label("标题").fill("请报送巡察反馈问题整改材料")
    page.get_by_label("材料要求").fill("2025年市委巡察反馈问题的整改台账及佐证材料")
    page.get_by_label("报送截止日期").fill((dt.date.today() + dt.timedelta(days=10)).isoformat())
    page.get_by_label("东城甲县委").check()
    shot(page, "create-form")
    page.get_by_role("button", name="发起并通知报送单位").click()
    page.get_by_text("已发起调取材料，并已通知各报送单位。").wait_for()
    assert "待报送" in page.locator('tr[data-unit="K11"]').inner_text()
    shot(page, "created")
