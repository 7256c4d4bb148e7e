"""The full-text search page in a real browser: staff import findings, find them by a
two-character word, see the words marked, and page on."""

from __future__ import annotations

import pytest

from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures
from tanhua.exchange.services import import_tables

pytestmark = pytest.mark.browser


def test_staff_find_imported_findings_by_a_two_character_word(page, shot, world):  # noqa: F811
    texts = [
        "县委书记违规插手工程招投标，为亲属企业承揽项目",
        "文山会海反弹，形式主义、官僚主义问题突出，基层迎检填表负担重",
        "违规发放津贴补贴，<b>账外</b>设立“小金库”",
    ] + [f"第{i}起违规公务用车问题" for i in range(21)]
    import_tables(
        {"findings": [
            {"code": f"FB{i:02d}", "org_code": "K11", "cadre_code": "", "source": "巡视巡察",
             "date": "2020-05-14", "severity": "2", "text": t}
            for i, t in enumerate(texts)
        ]},
        actor=world.users["commission_c1"],
    )  # fmt: skip
    log_in(page, shot, "commission_c1")
    page.get_by_role("link", name="全文搜索").click()
    page.get_by_label("要查找的词语").fill("形式")
    page.get_by_role("button", name="搜索").click()
    page.locator(".text-hits mark").first.wait_for()
    assert page.locator(".text-hits li").count() == 1
    assert page.locator(".text-hits mark").first.inner_text() == "形式"
    page.get_by_label("要查找的词语").fill("违规")
    page.get_by_role("button", name="搜索").click()
    page.get_by_text("共找到 23 条").wait_for()
    shot(page, "text-search")
    page.get_by_role("link", name="下一页").click()
    page.get_by_text("第 2 / 2 页").wait_for()
    assert page.locator(".text-hits li").count() == 3
    shot(page, "page-2")
    page.get_by_label("要查找的词语").fill("账外 小金库")
    page.get_by_role("button", name="搜索").click()
    page.get_by_text("共找到 1 条").wait_for()
    # Stored markup shows as text, never as markup.
    snippet = page.locator(".snippet").first
    assert "<b>" in snippet.inner_text() and snippet.locator("b").count() == 0
    assert snippet.locator("mark").all_inner_texts() == ["账外", "小金库"]
    shot(page, "escaped")
