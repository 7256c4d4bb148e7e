"""The 三清单 in a real browser, each person through their own login: the subject files the
lists from the sealed talk and submits them; the talker approves; the owner reports progress
against the target and asks to extend and to close; the talker approves the extension (the
original deadline stays shown) and a second person accepts the closing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from tanhua.core.browser import VIEWPORT, Shots
from tanhua.core.testing import TEST_PASSWORD, build_world
from tanhua.rectification.models import Measure
from tanhua.rectification.testing_lists import seal_talk
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000


@pytest.fixture
def lworld(transactional_db):
    world = add_talks(build_world())
    seal_talk(world.talks["k11"])
    return world


@pytest.fixture
def shot(request):
    return Shots(request.config.rootpath / "test-artifacts" / "screenshots", request.node.name)


@pytest.fixture
def open_tab(browser, live_server, request):
    contexts, errors = [], []

    def open_as(username: str):
        context = browser.new_context(
            base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )  # fmt: skip
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.goto("/accounts/login/")
        tab.get_by_label("用户名").fill(username)
        tab.get_by_label("密码").fill(TEST_PASSWORD)
        tab.get_by_role("button", name="登录").click()
        tab.wait_for_url(lambda url: "/accounts/login/" not in url)
        return tab

    yield open_as
    for context in contexts:
        context.close()
    assert not errors, "browser console errors: " + " | ".join(errors)


def _press(tab, button, text: str) -> None:
    """Click and wait for the answer: the page's body (#plan or #measure) is replaced, by
    htmx or by the redirect after the POST, and says `text`."""
    old = tab.locator("#plan, #measure").first.element_handle()
    button.click()
    try:
        old.wait_for_element_state("hidden")
    except PlaywrightError:  # already replaced and detached: what we wait for
        pass
    _done(tab, text)


def _done(tab, text: str) -> None:
    try:
        tab.locator(".ok-box, .msg-success").filter(has_text=text).first.wait_for()
    except Exception:
        errors = tab.locator(".error-box, .msg-error").all_inner_texts()
        raise AssertionError(f"waiting for {text!r}, the page says {errors}") from None


def test_the_lists_from_filing_to_closing_in_the_browser(lworld, open_tab, shot):
    talk = lworld.talks["k11"]
    subject = open_tab("subject_k11")
    subject.goto(f"/talks/{talk.pk}/")
    subject.locator("#plan-link").click()
    _press(subject, subject.get_by_role("button", name="开始填报整改清单"), "已开始填报")
    measures = [
        ("建立与省直部门的常态化交流机制", "GK11", "2026-10-31", "190", "项"),
        ("制定班子成员一岗双责责任清单", "K11", "2026-09-30", "", ""),
    ]
    for i, (text, owner, deadline, target, unit) in enumerate(measures):
        form = subject.locator("form[id^=add-measure-]").nth(i)
        form.get_by_label("整改举措").fill(text)
        form.get_by_label("责任人或责任单位（编码）").fill(owner)
        form.get_by_label("整改时限").fill(deadline)
        form.get_by_label("目标值（可计量时填写）").fill(target)
        form.get_by_label("计量单位").fill(unit)
        _press(subject, form.get_by_role("button", name="新增举措"), "已新增整改举措")
    problem = subject.locator("section.outline-problem").first
    problem.locator("details summary").click()
    problem.locator("details textarea[name=text]").fill("对照检查：调研不深入的根源在于作风不实")
    _press(
        subject,
        problem.locator("details").get_by_role("button", name="记录对照检查"),
        "已记录对照检查",
    )
    shot(subject, "subject-files-the-lists")
    _press(subject, subject.get_by_role("button", name="提交审核"), "已提交审核")
    assert subject.locator("#plan-status").inner_text() == "待审核"

    talker = open_tab("talker_c1")
    talker.goto("/rectification/waiting/")
    talker.locator("#plans-waiting a").first.click()
    _press(talker, talker.get_by_role("button", name="审核通过"), "整改清单已审核通过")
    assert talker.locator("#plan-status").inner_text() == "已审核"
    shot(talker, "talker-approves")

    counted = Measure.objects.unscoped("test").get(target_value=190)
    subject.goto("/rectification/mine/")
    subject.get_by_role("link", name=re.compile("建立与省直部门")).click()
    subject.get_by_label("进展情况").fill("已与 12 个部门建立交流机制 120 项")
    subject.get_by_label(re.compile("累计完成数")).fill("120")
    _press(subject, subject.get_by_role("button", name="报告进展"), "已报告整改进展")
    assert "120 / 190 项" in subject.locator("#measure-target").inner_text()
    subject.get_by_label("申请延期至").fill("2026-12-31")
    subject.get_by_label("延期理由").fill("部分交流活动需延至年底")
    _press(subject, subject.get_by_role("button", name="申请延期"), "已提交延期申请")
    subject.get_by_label("整改成效及佐证").fill("交流机制已建立并运行")
    _press(subject, subject.get_by_role("button", name="申请销号"), "已提交销号申请")
    shot(subject, "owner-asks-to-extend-and-close")

    talker.goto(f"/rectification/measures/{counted.pk}/")
    _press(
        talker,
        talker.locator("#extension-decide-form").get_by_role("button", name="同意延期"),
        "已同意延期",
    )
    deadline = talker.locator("#measure-deadline").inner_text()
    assert "2026-12-31" in deadline and "原定时限：2026-10-31" in deadline

    second = open_tab("commission_c1")
    second.goto("/")
    second.locator("#work-rectification-waiting #closes-waiting a").first.click()
    _press(
        second,
        second.locator("#close-decide-form").get_by_role("button", name="同意销号"),
        "已同意销号",
    )
    assert second.locator("#measure-status").inner_text() == "已销号"
    shot(second, "second-person-accepts")
