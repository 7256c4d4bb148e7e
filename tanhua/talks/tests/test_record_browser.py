"""The recorder's journey in a real browser: the talker approves the outline; the recorder
writes live (autosaved), reloads mid-record and gets the unsaved draft back, a second editor
saves meanwhile and the conflict is shown side by side and merged; the talk is marked held,
the talker and the subject each confirm with their password, the record is sealed, and the
subject sees only the problems pointed out."""

from __future__ import annotations

import re

import pytest

from tanhua.core.browser import VIEWPORT, Shots
from tanhua.core.testing import TEST_PASSWORD
from tanhua.talks.models import Outline, TalkRecord
from tanhua.talks.tests.helpers import talk_world

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
# Chromium logs every 4xx answer as a failed load. The journey provokes three on purpose: a
# save refused for a version conflict (409), a wrong password (422), and the subject trying
# the outline (404). Anything else in the console is a broken page.
EXPECTED_CONSOLE = re.compile(r"status of (409|422|404) ")
OUTLINE_TEXT = "调研不深入，存在文山会海现象"


@pytest.fixture
def tworld(transactional_db):
    return talk_world()


@pytest.fixture
def shot(request):
    return Shots(request.config.rootpath / "test-artifacts" / "screenshots", request.node.name)


@pytest.fixture
def open_tab(browser, live_server, request):
    """New browser contexts (one per person or device), each logged in as `username`;
    every tab's console must stay clean."""
    contexts, errors = [], []

    def open_as(username: str):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=VIEWPORT,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and not EXPECTED_CONSOLE.search(m.text)
                else None
            ),
        )
        tab.goto("/accounts/login/")
        tab.get_by_label("用户名").fill(username)
        tab.get_by_label("密码").fill(TEST_PASSWORD)
        tab.get_by_role("button", name="登录").click()
        tab.wait_for_url(lambda url: "/accounts/login/" not in url)
        return tab

    yield open_as
    report = getattr(request.node, "report_call", None)
    for i, context in enumerate(contexts):
        if report is not None and report.failed and context.pages:
            Shots(request.config.rootpath / "test-artifacts" / "screenshots", request.node.name)(
                context.pages[0], f"FAILED-{i}"
            )
        context.close()
    assert not errors, "browser console errors: " + " | ".join(errors)


def _saved(tab) -> None:
    tab.locator("#save-status.saved").wait_for()


def _record(talk) -> TalkRecord:
    return TalkRecord.objects.unscoped("test").get(talk=talk)


def test_the_recorder_writes_live_survives_a_reload_and_a_second_editor_and_both_confirm(
    tworld, open_tab, shot
):
    talk = tworld.talks["k11"]
    pk = talk.pk

    # Staff add a problem to the outline (htmx, no page load) and submit it to the talker.
    staff = open_tab("commission_c1")
    staff.goto(f"/talks/{pk}/outline/")
    add = staff.locator("#add-problem")
    add.get_by_label("新问题的重点方面").select_option("A4")
    add.get_by_label("问题", exact=True).fill("政商交往边界不清，存在打招呼现象")
    add.get_by_label("数据和事例").fill("2025年涉企信访举报12件")
    add.get_by_role("button", name="新增").click()
    staff.locator(".ok-box", has_text="已新增问题").wait_for()
    assert staff.locator(".outline-problem form textarea[name=statement]").count() == 2
    shot(staff, "staff-outline-editor")
    staff.get_by_role("button", name="提交谈话人审定").click()
    staff.locator("#outline-status", has_text="待审定").wait_for()
    assert Outline.objects.unscoped("test").get(talk=talk).status == "submitted"

    # The talker approves the outline staff submitted.
    talker = open_tab("talker_c1")
    talker.goto(f"/talks/{pk}/outline/")
    assert talker.get_by_text(OUTLINE_TEXT).is_visible()
    shot(talker, "talker-outline")
    talker.get_by_role("button", name="审定提纲").click()
    talker.locator("#outline-status", has_text="已审定").wait_for()
    shot(talker, "talker-approved")

    # The recorder starts and writes; autosave.
    rec = open_tab("recorder_c1")
    rec.goto(f"/talks/{pk}/record/")
    rec.get_by_role("button", name="开始记录").click()
    rec.locator("#record-form").wait_for()
    rec.get_by_label("一、总体评价").fill("总体评价：班子团结，工作有成效。")
    rec.locator(".add-from-outline").first.click()
    rec.locator(".problem-text").first.fill("调研不深入，文山会海问题突出，2025年发文增长23%。")
    _saved(rec)
    assert re.match(r"已保存 \d\d:\d\d:\d\d", rec.locator("#save-status").inner_text())
    shot(rec, "recorder-saved")

    # Typing, then a reload before the autosave: the page warns, the draft comes back.
    rec.get_by_label("三、被谈话人说明").fill("被谈话人说明：确有其事，正在整改。")
    dialogs = []

    def leave(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    rec.on("dialog", leave)
    rec.reload()
    rec.locator("#draft-banner").wait_for()
    assert dialogs == ["beforeunload"]
    assert rec.get_by_label("三、被谈话人说明").input_value() == ""
    assert rec.get_by_label("一、总体评价").input_value().startswith("总体评价")  # saved text
    shot(rec, "recorder-draft-offered")
    rec.get_by_role("button", name="恢复本机草稿").click()
    _saved(rec)
    assert rec.get_by_label("三、被谈话人说明").input_value().startswith("被谈话人说明")
    assert _record(talk).explanation.startswith("被谈话人说明")

    # A second editor (the recorder on another device) saves meanwhile.
    other = open_tab("recorder_c1")
    other.goto(f"/talks/{pk}/record/")
    other.get_by_label("四、被谈话人意见建议").fill("另一台设备：建议加强培训。")
    other.get_by_label("一、总体评价").click()
    _saved(other)
    shot(other, "second-editor-saved")

    # The first editor's next save is refused: theirs beside mine, merged, saved.
    rec.get_by_label("四、被谈话人意见建议").fill("本机：建议多到基层调研。")
    conflict = rec.locator("#conflict")
    conflict.wait_for()
    field = conflict.locator('.conflict-field[data-field="suggestions"]')
    assert "另一台设备：建议加强培训。" in field.locator(".side.theirs").inner_text()
    assert "本机：建议多到基层调研。" in field.locator(".side.mine").inner_text()
    shot(rec, "conflict-side-by-side")
    field.get_by_role("button", name="两者合并").click()
    rec.get_by_role("button", name="按合并结果保存").click()
    _saved(rec)
    saved = _record(talk)
    assert "另一台设备" in saved.suggestions and "本机" in saved.suggestions
    shot(rec, "conflict-resolved")

    # The talk is over: held; both confirm with their password; sealed.
    rec.get_by_role("button", name="谈话结束，标记为已谈话").click()
    rec.get_by_text("已谈话，等待谈话人和被谈话人确认").wait_for()

    talker.goto(f"/talks/{pk}/confirm/")
    talker.get_by_label("密码").fill("wrong-password-123")
    talker.get_by_role("button", name="确认记录").click()
    talker.locator(".error-box").wait_for()
    talker.get_by_label("密码").fill(TEST_PASSWORD)
    talker.get_by_role("button", name="确认记录").click()
    talker.get_by_text("您已确认此记录，等待对方确认").wait_for()
    shot(talker, "talker-confirmed")

    subject = open_tab("subject_k11")
    subject.goto(f"/talks/{pk}/")
    body = subject.locator("main").inner_text()
    assert "文山会海问题突出" in body and OUTLINE_TEXT not in body
    shot(subject, "subject-before-confirming")
    subject.get_by_role("link", name="核对并确认谈话记录").click()
    subject.get_by_label("密码").fill(TEST_PASSWORD)
    subject.get_by_role("button", name="确认记录").click()
    subject.locator("#content-hash").wait_for()
    record = _record(talk)
    assert record.is_sealed and subject.locator("#content-hash").inner_text() == record.content_hash
    shot(subject, "sealed")

    # What the subject sees now: the problems and the seal, never the outline.
    subject.goto(f"/talks/{pk}/")
    body = subject.locator("main").inner_text()
    assert "文山会海问题突出" in body and record.content_hash in body
    assert OUTLINE_TEXT not in body and "总体评价" not in body
    shot(subject, "subject-sees-problems")
    assert subject.goto(f"/talks/{pk}/outline/").status == 404

    rec.goto(f"/talks/{pk}/record/")
    assert rec.locator("#content-hash").inner_text() == record.content_hash
    assert rec.locator("#record-form").count() == 0  # sealed: no editor any more
    shot(rec, "recorder-sealed-view")
    staff.goto(f"/talks/{pk}/")
    assert staff.locator("#content-hash").inner_text() == record.content_hash
    shot(staff, "staff-talk-page")


def test_a_records_local_draft_does_not_outlive_the_session_on_a_shared_machine(
    tworld, open_tab, live_server
):
    tab = open_tab("recorder_c1")
    tab.evaluate("localStorage.setItem('tanhua:record:1', '{\"state\": \"谈话内容\"}')")
    tab.get_by_role("button", name="退出").click()
    tab.wait_for_url(lambda url: "/accounts/login/" in url)
    assert tab.evaluate("localStorage.getItem('tanhua:record:1')") is None
    # A session that ended otherwise (idle timeout, cookies cleared) clears it on the next
    # signed-out page.
    tab.evaluate("localStorage.setItem('tanhua:record:1', 'x')")
    tab.goto("/accounts/login/")
    assert tab.evaluate("localStorage.getItem('tanhua:record:1')") is None
