"""One journey per role through the real browser, each starting at the login page (the talker
with a second factor): staff plan a campaign and prepare a talk, the talker approves its
outline and later confirms the record, the subject sees only what they may, the leadership
viewer follows the campaign without seeing anyone's talk. The recorder's journey (live
record, reload, second editor, conflict, confirmations, seal) is test_record_browser.py.

Each journey checks the audit trail where a step changes or refuses something."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tanhua.audit.models import AuditEntry
from tanhua.core.browser import VIEWPORT, Shots
from tanhua.core.testing import TEST_PASSWORD
from tanhua.talks.models import Outline, Talk, TalkRecord, TalkStatus
from tanhua.talks.services import outline as outlines
from tanhua.talks.services import record as records
from tanhua.talks.services import seal
from tanhua.talks.tests.helpers import fresh, held_record, talk_world

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
# Chromium logs every 4xx answer as a failed load; the journeys ask for out-of-scope pages
# (404) and give a wrong password (422) on purpose. Anything else is a broken page.
EXPECTED_CONSOLE = re.compile(r"status of (404|422) ")
OUTLINE_TEXT = "调研不深入，存在文山会海现象"
POINTED_OUT = "文山会海问题突出"
READS = ("cadre.read", "cadre.list")


@pytest.fixture
def tworld(transactional_db):
    return talk_world()


@pytest.fixture
def shot(request):
    return Shots(request.config.rootpath / "test-artifacts" / "screenshots", request.node.name)


def authenticator_code(device: TOTPDevice, *, ahead: int = 0) -> str:
    """What the user's phone shows (`ahead` steps later: a code is accepted only once)."""
    return str(
        totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=ahead)
    ).zfill(device.digits)


@pytest.fixture
def log_in(browser, live_server, request):
    """A fresh browser context per person, logged in through the login page (and the second
    factor when `device` is given); every tab's console must stay clean."""
    contexts, errors = [], []

    def open_as(username: str, *, device: TOTPDevice | None = None, shot=None):
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
        tab.goto("/")
        tab.wait_for_url(re.compile(r"/accounts/login/"))
        tab.get_by_label("用户名").fill(username)
        tab.get_by_label("密码").fill(TEST_PASSWORD)
        tab.get_by_role("button", name="登录").click()
        if device is not None:
            tab.wait_for_url(re.compile(r"/accounts/otp/verify/"))
            if shot:
                shot(tab, "second-factor")
            tab.get_by_label("验证码").fill(authenticator_code(device))
            assert tab.locator("main").count() == 1  # nothing loaded into the header
            assert tab.locator(".mainnav a, #bell").count() == 0
            tab.get_by_role("button", name="验证").click()
        tab.get_by_role("heading", name="工作台").wait_for()
        return tab

    yield open_as
    report = getattr(request.node, "report_call", None)
    for context in contexts:
        for tab in context.pages:
            # The bell loads after every page: let it answer before the database is flushed
            # (SQLite refuses the flush while the live server still reads).
            tab.wait_for_load_state("networkidle")
    for i, context in enumerate(contexts):
        if report is not None and report.failed and context.pages:
            Shots(request.config.rootpath / "test-artifacts" / "screenshots", request.node.name)(
                context.pages[0], f"FAILED-{i}"
            )
        context.close()
    assert not errors, "browser console errors: " + " | ".join(errors)


def _entries(action: str, username: str, **filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, username=username, **filters))


def _denied_paths(username: str) -> set[str]:
    return {
        (e.detail or {}).get("path", "")
        for e in AuditEntry.objects.filter(action="access.denied", username=username)
    }


# --- staff (commission) -----------------------------------------------------------------------


def test_staff_plan_the_campaign_schedule_a_talk_and_submit_its_outline(tworld, log_in, shot):
    campaign = tworld.campaigns["C1"]
    talk = tworld.talks["k11"]
    # The world's talk has a time already (for the record tests); this journey schedules it.
    Talk.objects.unscoped("test").filter(pk=talk.pk).update(
        scheduled_start=None, scheduled_end=None, place="", recorder=None
    )
    page = log_in("commission_c1")

    # The work page lists the talks to prepare.
    waiting = page.locator("section", has=page.get_by_role("heading", name="待办事项"))
    assert waiting.get_by_role("heading", name=re.compile("待准备的谈话")).is_visible()
    assert waiting.get_by_role("link", name="甲县书记戊").is_visible()
    shot(page, "work-page")

    # Campaign list → campaign → the plan button.
    page.get_by_role("navigation").get_by_role("link", name="谈话工作").click()
    page.wait_for_url(re.compile(r"/campaigns/$"))
    shot(page, "campaign-list")
    page.locator("#campaigns").get_by_role("link", name=campaign.name).click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    shot(page, "campaign-page")
    page.get_by_role("button", name="按规则生成谈话计划").click()
    message = page.locator(".messages", has_text="已生成谈话计划")
    message.wait_for()
    created = re.search(r"新增 (\d+) 人次", message.inner_text())
    assert created, message.inner_text()
    shot(page, "planned")
    plan_entries = _entries("campaign.plan", "commission_c1", object_id=str(campaign.pk))
    assert len(plan_entries) == 1

    # The talk list, filtered by the subject's name, then the talk.
    page.get_by_role("link", name="谈话名单").click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/talks/"))
    everyone = page.locator("#talks tbody tr").count()
    page.get_by_label("姓名、编号或职务").fill("甲县书记")
    page.wait_for_url(re.compile(r"q=%E7%94%B2"))
    page.locator("#talks tbody tr", has_text="甲县书记戊").wait_for()
    assert page.locator("#talks tbody tr").count() < everyone
    shot(page, "talk-list-filtered")
    page.locator("#talks").get_by_role("link", name="甲县书记戊").click()
    page.wait_for_url(re.compile(rf"/talks/{talk.pk}/$"))
    assert "尚未安排" in page.locator("dl.facts").inner_text()
    shot(page, "talk-page")

    # Schedule it: after the team's 民主生活会 is refused in Chinese; before it is saved.
    page.get_by_role("link", name="安排谈话").click()
    page.wait_for_url(re.compile(rf"/talks/{talk.pk}/schedule/$"))
    page.get_by_label("谈话时间").fill("2026-07-02T09:00")
    page.get_by_label("谈话地点").fill("市委第一会议室")
    page.get_by_label("记录人").select_option(value=str(tworld.users["recorder_c1"].pk))
    page.get_by_role("button", name="安排谈话").click()
    refusal = page.locator(".errorlist").first.inner_text()
    assert "民主生活会（2026-07-01）之前" in refusal
    shot(page, "refused-after-meeting")
    page.get_by_label("谈话时间").fill("2026-06-16T09:00")
    page.get_by_role("button", name="安排谈话").click()
    assert "谈话安排已保存" in page.locator(".messages").inner_text()
    shot(page, "scheduled")
    talk = fresh(talk)
    assert talk.place == "市委第一会议室" and talk.recorder == tworld.users["recorder_c1"]
    # Scheduled, and still preparing: its outline is a draft.
    assert talk.scheduled_start is not None and talk.status == TalkStatus.PREPARING
    assert len(_entries("talk.schedule", "commission_c1", object_id=str(talk.pk))) == 1

    # Back on the talk page: draft the outline's problems and submit it to the talker.
    page.get_by_role("link", name="甲县书记戊").first.click()
    page.wait_for_url(re.compile(rf"/talks/{talk.pk}/$"))
    assert "2026-06-16 09:00" in page.locator("dl.facts").inner_text()
    page.get_by_role("link", name="谈话提纲").click()
    page.wait_for_url(re.compile(rf"/talks/{talk.pk}/outline/$"))
    add = page.locator("#add-problem")
    add.get_by_label("新问题的重点方面").select_option("A1")
    add.get_by_label("问题", exact=True).fill("落实上级重大决策部署打折扣")
    add.get_by_label("数据和事例").fill("2025年省委巡视反馈问题整改完成率68%")
    add.get_by_role("button", name="新增").click()
    page.locator(".ok-box", has_text="已新增问题").wait_for()
    shot(page, "outline-drafted")
    page.get_by_role("button", name="提交谈话人审定").click()
    page.locator("#outline-status", has_text="待审定").wait_for()
    shot(page, "outline-submitted")
    outline = Outline.objects.unscoped("test").get(talk=talk)
    assert outline.status == "submitted"
    assert outline.problems.unscoped("test").count() == 2
    assert len(_entries("outline.submit", "commission_c1")) == 1
    # The reads named the talk's subject (and its talker) in the read audit.
    reads = AuditEntry.objects.filter(username="commission_c1", action__in=READS)
    assert any("GK11" in (e.detail or {}).get("codes", []) for e in reads)


# --- the talker -------------------------------------------------------------------------------


def test_the_talker_with_an_authenticator_approves_the_outline_and_confirms_the_record(
    tworld, log_in, shot, settings
):
    settings.REQUIRE_TOTP = True  # the server of the intranet: every talk role shows a code
    talk = tworld.talks["k11"]
    staff, talker = tworld.users["commission_c1"], tworld.users["talker_c1"]
    device = TOTPDevice.objects.create(user=talker, name="手机", confirmed=True)
    o = Outline.objects.unscoped("test").get(talk=talk)
    outlines.submit(actor=staff, talk=talk, expected_version=o.version)

    page = log_in("talker_c1", device=device, shot=shot)
    waiting = page.locator("section", has=page.get_by_role("heading", name="待办事项"))
    assert waiting.get_by_role("heading", name=re.compile("待您审定的谈话提纲")).is_visible()
    shot(page, "work-page-outline-waiting")
    waiting.get_by_role("link", name="甲县书记戊").click()
    page.wait_for_url(re.compile(rf"/talks/{talk.pk}/$"))
    assert OUTLINE_TEXT in page.locator("#outline-summary").inner_text()
    shot(page, "talk-page")
    page.get_by_role("link", name="谈话提纲").click()
    page.wait_for_url(re.compile(rf"/talks/{talk.pk}/outline/$"))
    assert page.get_by_text(OUTLINE_TEXT).is_visible()
    page.get_by_role("button", name="审定提纲").click()
    page.locator("#outline-status", has_text="已审定").wait_for()
    shot(page, "outline-approved")
    assert Outline.objects.unscoped("test").get(talk=talk).status == "approved"
    assert len(_entries("outline.approve", "talker_c1")) == 1

    # The talk is held and recorded (the recorder's journey); the talker confirms it.
    recorder = tworld.users["recorder_c1"]
    rec = records.start(actor=recorder, talk=fresh(talk))
    records.save(
        actor=recorder,
        talk=fresh(talk),
        expected_version=rec.version,
        sections={"overall_evaluation": "总体较好"},
        problems=[records.ProblemDraft(focus_area="A3", text=POINTED_OUT)],
    )
    records.mark_held(actor=recorder, talk=fresh(talk))
    page.goto("/")
    waiting = page.locator("section", has=page.get_by_role("heading", name="待办事项"))
    assert waiting.get_by_role("heading", name=re.compile("待您确认的谈话记录")).is_visible()
    shot(page, "work-page-record-waiting")
    page.goto(f"/talks/{talk.pk}/")
    page.get_by_role("link", name="确认记录").click()
    page.wait_for_url(re.compile(rf"/talks/{talk.pk}/confirm/$"))
    assert POINTED_OUT in page.locator("#record-view").inner_text()
    # The password alone is not enough for a user with an authenticator.
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="确认记录").click()
    page.locator(".error-box").wait_for()
    assert "动态口令" in page.locator(".error-box").inner_text()
    shot(page, "refused-without-code")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_label("动态口令").fill(authenticator_code(device, ahead=1))
    page.get_by_role("button", name="确认记录").click()
    page.get_by_text("您已确认此记录，等待对方确认").wait_for()
    shot(page, "confirmed")
    record = TalkRecord.objects.unscoped("test").get(talk=talk)
    assert record.talker_confirmed_at is not None and not record.is_sealed
    assert len(_entries("record.confirm", "talker_c1", result="ok")) == 1


# --- the subject ------------------------------------------------------------------------------


def test_the_subject_sees_only_time_and_place_before_and_the_problems_after(tworld, log_in, shot):
    talk = tworld.talks["k11"]
    soon = timezone.localtime() + dt.timedelta(days=7)
    start = soon.replace(hour=9, minute=0, second=0, microsecond=0)
    Talk.objects.unscoped("test").filter(pk=talk.pk).update(
        scheduled_start=start, scheduled_end=start + dt.timedelta(hours=1)
    )
    other = tworld.talks["c2"]
    secret = tworld.talks["secret"]

    page = log_in("subject_k11")
    upcoming = page.locator("section", has=page.get_by_role("heading", name="近期谈话"))
    text = upcoming.inner_text()
    assert start.strftime("%Y-%m-%d %H:%M") in text and "市委第三会议室" in text
    assert "谈话人" not in text and "甲县书记戊" not in text
    shot(page, "work-page")
    upcoming.get_by_role("link", name=start.strftime("%Y-%m-%d %H:%M")).click()
    page.wait_for_url(re.compile(rf"/talks/{talk.pk}/$"))
    body = page.locator("main").inner_text()
    assert "市委第三会议室" in body
    assert OUTLINE_TEXT not in body and "提纲" not in body and "东城书记乙" not in body
    shot(page, "talk-before")
    for path in (
        f"/talks/{talk.pk}/outline/",
        f"/talks/{talk.pk}/record/",
        f"/talks/{other.pk}/",
        f"/talks/{secret.pk}/",
    ):
        assert page.goto(path).status == 404, path
    shot(page, "not-found")
    # Confirming waits for the talk; the page shows neither the outline nor a record.
    page.goto(f"/talks/{talk.pk}/confirm/")
    body = page.locator("main").inner_text()
    assert "方可确认记录" in body and OUTLINE_TEXT not in body
    assert page.locator("#confirm-form").count() == 0

    # The talk is held, the talker confirms; the subject now sees the problems and confirms.
    held_record(tworld, talk)
    record = TalkRecord.objects.unscoped("test").get(talk=talk)
    seal.confirm(
        actor=tworld.users["talker_c1"],
        talk=fresh(talk),
        password=TEST_PASSWORD,
        expected_version=record.version,
    )
    page.goto("/")
    waiting = page.locator("section", has=page.get_by_role("heading", name="待办事项"))
    assert waiting.get_by_role("heading", name=re.compile("待您确认的谈话记录")).is_visible()
    shot(page, "work-page-confirm-waiting")
    page.goto(f"/talks/{talk.pk}/")
    body = page.locator("main").inner_text()
    assert POINTED_OUT in body and OUTLINE_TEXT not in body
    shot(page, "talk-after")
    page.get_by_role("link", name="核对并确认谈话记录").click()
    page.get_by_label("密码").fill("wrong-password-123")
    page.get_by_role("button", name="确认记录").click()
    page.locator(".error-box").wait_for()
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="确认记录").click()
    page.locator("#content-hash").wait_for()
    record = TalkRecord.objects.unscoped("test").get(talk=talk)
    assert record.is_sealed
    shot(page, "sealed")
    page.goto(f"/talks/{talk.pk}/")
    body = page.locator("main").inner_text()
    assert POINTED_OUT in body and record.content_hash in body and OUTLINE_TEXT not in body
    shot(page, "talk-sealed")
    assert page.goto(f"/talks/{talk.pk}/outline/").status == 404
    assert page.goto(f"/talks/{other.pk}/").status == 404

    assert len(_entries("record.confirm", "subject_k11", result="ok")) == 1
    assert AuditEntry.objects.filter(action="record.seal").count() == 1
    denied = _denied_paths("subject_k11")
    assert {f"/talks/{talk.pk}/outline/", f"/talks/{other.pk}/", f"/talks/{secret.pk}/"} <= denied


# --- the leadership viewer --------------------------------------------------------------------


def test_the_viewer_follows_the_campaign_in_figures_and_a_chart_without_any_talk(
    tworld, log_in, shot
):
    campaign = tworld.campaigns["C1"]
    talk = tworld.talks["k11"]
    page = log_in("viewer_c1")
    progress = page.locator("section", has=page.get_by_role("heading", name="谈话工作进度"))
    assert progress.get_by_role("link", name=campaign.name).is_visible()
    body = page.locator("main").inner_text()
    assert "甲县书记戊" not in body
    shot(page, "work-page")

    progress.get_by_role("link", name=campaign.name).click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    cards = page.locator(".cards").inner_text()
    assert "计划" in cards and "已谈话" in cards
    chart = page.locator("#progress-chart")
    chart.locator("svg, canvas").first.wait_for()
    assert chart.bounding_box()["height"] > 100
    body = page.locator("main").inner_text()
    assert "甲县书记戊" not in body and "东城书记乙" not in body
    assert page.get_by_role("button", name="按规则生成谈话计划").count() == 0
    # No button to the talk list or the calendar: neither shows the viewer a talk.
    assert page.get_by_role("link", name="谈话名单").count() == 0
    assert page.get_by_role("link", name="谈话日程").count() == 0
    shot(page, "campaign-page-with-chart")

    for path in (f"/talks/{talk.pk}/", f"/talks/{talk.pk}/outline/", f"/talks/{talk.pk}/schedule/"):
        assert page.goto(path).status == 404, path
    assert f"/talks/{talk.pk}/" in _denied_paths("viewer_c1")
    reads = AuditEntry.objects.filter(username="viewer_c1", action__in=READS)
    assert not any((e.detail or {}).get("codes") for e in reads)
