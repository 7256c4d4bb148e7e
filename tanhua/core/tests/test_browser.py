"""Journeys through the real browser: log in, browse the tree, search cadres, import a file
with preview and confirm. Debian's Chromium via Playwright against pytest-django's live
server; a screenshot of every step lands in test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from tanhua.core.browser import VIEWPORT, Shots
from tanhua.core.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

LOGIN_TIMEOUT_MS = 15_000


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(LOGIN_TIMEOUT_MS)
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        Shots(request.config.rootpath / "test-artifacts" / "screenshots", request.node.name)(
            tab, "FAILED"
        )
    context.close()
    # A script error or a CSP violation is a broken page even when the journey got through.
    assert not errors, "browser console errors: " + " | ".join(errors)


@pytest.fixture
def shot(request):
    return Shots(request.config.rootpath / "test-artifacts" / "screenshots", request.node.name)


def log_in(page, shot, username: str) -> None:
    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    shot(page, "login-form")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.get_by_role("heading", name="工作台").is_visible()
    shot(page, "home")


def test_a_wrong_password_is_refused_in_chinese(page, shot, world):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("commission_c1")
    page.get_by_label("密码").fill("not-the-password-123")
    page.get_by_role("button", name="登录").click()
    error = page.locator(".errorlist, .messages, .notice").first
    error.wait_for()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text())
    assert "/accounts/login/" in page.url
    shot(page, "refused")


def test_staff_log_in_and_browse_the_tree_down_to_a_cadre(page, shot, world):
    log_in(page, shot, "commission_c1")
    page.get_by_role("navigation").get_by_role("link", name="组织机构").click()
    page.wait_for_url(re.compile(r"/org/$"))
    tree = page.locator("#org-tree")
    assert tree.get_by_role("link", name="东城市委").is_visible()
    assert tree.get_by_role("link", name="东城甲县委").is_visible()
    assert page.locator("#node-T111").count() == 0
    shot(page, "tree")

    # Unfold the county through htmx: its township appears without a page load.
    page.locator("#node-K11 button.toggle").click()
    township = page.locator("#node-T111")
    township.wait_for()
    assert township.get_by_role("link", name="甲县一乡党委").is_visible()
    assert "/org/" in page.url and "children" not in page.url
    shot(page, "tree-unfolded")
    # Folding and unfolding again happen in the page, without another request.
    toggle = page.locator("#node-K11 button.toggle").first
    assert toggle.get_attribute("aria-label") == "收起"
    toggle.click()
    township.wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-label") == "展开"
    toggle.click()
    township.wait_for(state="visible")
    assert page.locator("#node-T111").count() == 1

    tree.get_by_role("link", name="东城甲县委").click()
    page.wait_for_url(re.compile(r"/org/o/K11/$"))
    assert page.get_by_role("heading", name=re.compile("东城甲县委")).is_visible()
    posts = page.locator("#positions")
    assert posts.get_by_role("cell", name=re.compile("县委书记")).first.is_visible()
    assert posts.get_by_role("link", name="甲县书记戊").is_visible()
    assert "机密干部庚" not in posts.inner_text()  # above this user's clearance
    shot(page, "organization")

    posts.get_by_role("link", name="甲县书记戊").click()
    page.wait_for_url(re.compile(r"/org/cadres/GK11/$"))
    assert page.get_by_role("heading", name=re.compile("甲县书记戊")).is_visible()
    career = page.locator("#career")
    assert career.get_by_role("link", name="东城甲县委").is_visible()
    assert "至今" in career.inner_text()
    shot(page, "cadre")


def test_the_viewer_browses_organizations_without_seeing_people(page, shot, world):
    log_in(page, shot, "viewer_c1")
    nav = page.get_by_role("navigation")
    assert nav.get_by_role("link", name="干部").count() == 0
    nav.get_by_role("link", name="组织机构").click()
    page.locator("#org-tree").get_by_role("link", name="东城甲县委").click()
    page.wait_for_url(re.compile(r"/org/o/K11/$"))
    assert page.locator("#positions").count() == 0
    assert "甲县书记戊" not in page.content()
    shot(page, "organization-without-people")


def test_staff_search_cadres_by_name_and_code_and_filter_by_tier(page, shot, world):
    log_in(page, shot, "commission_c1")
    page.get_by_role("navigation").get_by_role("link", name="干部").click()
    page.wait_for_url(re.compile(r"/org/cadres/"))
    rows = page.locator("#cadres tbody tr")
    assert rows.count() == 4
    shot(page, "all-cadres")

    page.get_by_label("姓名或编号").fill("书记戊")
    page.wait_for_url(re.compile(r"q=%E4%B9%A6%E8%AE%B0%E6%88%8A|q=书记戊"))
    rows.first.get_by_role("cell", name="GK11").wait_for()
    assert rows.count() == 1
    shot(page, "search-by-name")

    page.get_by_label("姓名或编号").fill("GT111")
    page.locator("#cadres").get_by_role("link", name="一乡书记己").wait_for()
    assert rows.count() == 1
    shot(page, "search-by-code")

    page.get_by_label("姓名或编号").fill("")
    page.get_by_label("管理层级").select_option(label="省管")
    page.wait_for_url(re.compile(r"tier=provincial"))
    page.wait_for_function("document.querySelectorAll('#cadres tbody tr').length === 2")
    assert sorted(rows.locator("td:first-child").all_inner_texts()) == ["GC1", "GC1M"]
    shot(page, "filter-by-tier")


ORGANIZATIONS_CSV = "code,name,level,parent_code,kind\nK12,东城乙县委,county,C1,党委\n"


def test_staff_import_an_organization_with_preview_and_confirm(page, shot, world, tmp_path):
    upload = tmp_path / "organizations.csv"
    upload.write_text(ORGANIZATIONS_CSV, encoding="utf-8")
    log_in(page, shot, "commission_c1")
    page.get_by_role("navigation").get_by_role("link", name="数据导入").click()
    page.wait_for_url(re.compile(r"/import/$"))
    page.locator("input[type=file]").set_input_files(str(upload))
    shot(page, "upload")

    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url(re.compile(r"/import/\d+/$"))
    assert page.get_by_role("heading", name=re.compile("导入预览")).is_visible()
    counts = page.locator("#counts tbody tr")
    assert counts.count() == 1
    assert counts.first.locator("td").nth(1).inner_text().strip() == "1"  # one to create
    assert "东城乙县委" in page.content()
    shot(page, "preview")

    # Nothing is written before the confirmation.
    from tanhua.org.models import Organization

    assert not Organization.objects.filter(code="K12").exists()
    page.get_by_role("button", name="确认导入").click()
    page.locator(".messages").wait_for()
    assert "导入完成" in page.locator(".messages").inner_text()
    shot(page, "confirmed")

    page.get_by_role("navigation").get_by_role("link", name="组织机构").click()
    node = page.locator("#node-K12")
    node.wait_for()
    assert node.get_by_role("link", name="东城乙县委").is_visible()
    shot(page, "tree-with-import")


BAD_ORGANIZATIONS_CSV = (
    "code,name,level,parent_code\nK13,东城丙县委,county,C1\nK14,东城丁县委,county,NOSUCH\n"
)


def test_a_rejected_import_lists_each_problem_by_row_and_writes_nothing(
    page, shot, world, tmp_path
):
    upload = tmp_path / "organizations.csv"
    upload.write_text(BAD_ORGANIZATIONS_CSV, encoding="utf-8")
    log_in(page, shot, "commission_c1")
    page.goto("/import/")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url(re.compile(r"/import/\d+/$"))
    problems = page.locator("#problems tbody tr")
    problems.first.wait_for()
    assert problems.count() == 1
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[1].strip() == "3"  # the spreadsheet's row number: the header is row 1
    assert "NOSUCH" in cells[3]
    assert page.get_by_role("link", name=re.compile("下载错误清单")).is_visible()
    assert page.get_by_role("button", name="确认导入").count() == 0
    shot(page, "rejected")

    from tanhua.org.models import Organization

    assert not Organization.objects.filter(code__in=["K13", "K14"]).exists()
