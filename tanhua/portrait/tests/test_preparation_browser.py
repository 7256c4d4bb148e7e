"""The whole preparation in a real browser, each person logged in with their password: a
submitter answers a material request with a file; staff draft the portrait and the outline,
follow a figure to the records it came from; the commission's and the organization
department's staff edit the outline one after the other (the second sees the first's
version) and the history shows both with a diff; the talker approves it and the recorder
holds the talk on it, linking the problems pointed out to the outline's."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tanhua.evidence.requests_testing import make_request
from tanhua.files.models import Attachment
from tanhua.files.testing import docx_bytes
from tanhua.portrait.testing import preparation_world
from tanhua.talks.models import OutlineProblem, OutlineRevision, RecordProblem
from tanhua.talks.tests.test_record_browser import open_tab, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.fixture
def tworld(transactional_db):
    return preparation_world()


def _editor(tab, n: int):
    return tab.locator(".outline-problem form").nth(n)


def test_from_a_material_request_to_the_talk_held_on_the_edited_approved_outline(
    tworld,
    open_tab,  # noqa: F811
    shot,  # noqa: F811
    tmp_path,
):
    talk = tworld.talks["k11"]
    pk = talk.pk
    req = make_request(
        tworld.campaigns["C1"], [tworld.orgs["C1"], tworld.orgs["K11"]],
        title="请报送2025年度生态环境考核材料", deadline=dt.date.today() + dt.timedelta(days=7),
    )  # fmt: skip

    # A submitter of C1 answers the request with a Word file.
    upload = tmp_path / "生态环境考核情况.docx"
    upload.write_bytes(docx_bytes("东城甲县2025年PM2.5年均浓度45微克，较上年反弹"))
    submitter = open_tab("submitter_c1")
    submitter.goto(f"/evidence/inbox/{req.pk}/")
    submitter.get_by_label("文件（Word、Excel 或 PDF，可多选）").set_input_files(str(upload))
    submitter.get_by_label("说明").fill("考核情况见附件")
    submitter.get_by_role("button", name="报送", exact=True).click()
    submitter.get_by_text("材料已报送，共 1 个文件。").wait_for()
    shot(submitter, "submitter-sent")
    assert Attachment.objects.unscoped("test").filter(filename=upload.name).exists()

    # Staff of the commission draft the portrait and the outline, and follow a figure.
    commission = open_tab("commission_c1")
    commission.goto(f"/evidence/requests/{req.pk}/")
    assert "生态环境考核情况.docx" in commission.locator('tr[data-unit="C1"]').inner_text()
    commission.goto(f"/portrait/talk/{pk}/")
    commission.get_by_role("button", name="生成画像与提纲草稿").click()
    commission.get_by_text("画像已更新，提纲草稿已按问题候选起草").wait_for()
    shot(commission, "portrait")
    commission.get_by_role("link", name="PM2.5年均浓度").first.click()
    commission.wait_for_url(re.compile(r"/sources/\?key=indicator:PM25"))
    assert "2023" in commission.content() and "2025" in commission.content()
    shot(commission, "figure-sources")

    # The file the unit sent joins the talk's preparation papers.
    commission.goto(f"/talks/{pk}/files/")
    commission.get_by_label("文件（Word、Excel 或 PDF，可多选）").set_input_files(str(upload))
    commission.get_by_role("button", name="上传").click()
    commission.get_by_text("已上传 1 个文件。").wait_for()
    assert upload.name in commission.locator("#attachment-list").inner_text()
    shot(commission, "talk-papers")

    # The commission rewrites the first problem.
    commission.goto(f"/talks/{pk}/outline/")
    drafted = list(OutlineProblem.objects.unscoped("test").filter(outline__talk=talk))
    assert 3 <= len(drafted) <= 4
    first = _editor(commission, 0)
    first.locator("textarea[name=statement]").fill("生态环境保护责任落实不到位，PM2.5浓度反弹")
    first.get_by_role("button", name="保存").click()
    commission.locator(".ok-box", has_text="已保存").wait_for()
    shot(commission, "commission-edited")

    # The organization department's staff see that version and add to the second's evidence.
    organization = open_tab("organization_c1")
    organization.goto(f"/talks/{pk}/outline/")
    assert (
        _editor(organization, 0).locator("textarea[name=statement]").input_value()
        == "生态环境保护责任落实不到位，PM2.5浓度反弹"
    )
    evidence = _editor(organization, 1).locator("textarea[name=evidence]")
    evidence.fill(evidence.input_value() + "；组织部2025年度考核：班子监督评价偏低")
    _editor(organization, 1).get_by_role("button", name="保存").click()
    organization.locator(".ok-box", has_text="已保存").wait_for()

    # The history shows both editors; the diff marks what each changed.
    organization.goto(f"/talks/{pk}/outline/versions/")
    versions = organization.locator("#outline-versions").inner_text()
    assert "organization_c1" in versions and "commission_c1" in versions
    diff = organization.locator("#outline-diff")
    assert "组织部2025年度考核：班子监督评价偏低" in diff.locator("ins").all_inner_texts()[-1]
    shot(organization, "history-latest")
    mine = (
        OutlineRevision.objects.unscoped("test")
        .filter(outline__talk=talk, by=tworld.users["commission_c1"])
        .order_by("-version")
        .first()
    )
    organization.locator(f"#version-{mine.version}").get_by_role("link").click()
    organization.locator("#outline-diff h2", has_text=f"→ 第 {mine.version} 版").wait_for()
    added = "".join(organization.locator("#outline-diff ins").all_inner_texts())
    assert "生态环境保护责任" in added
    shot(organization, "history-commission")
    organization.goto(f"/talks/{pk}/outline/")
    organization.get_by_role("button", name="提交谈话人审定").click()
    organization.locator("#outline-status", has_text="待审定").wait_for()

    # The talker approves it.
    talker = open_tab("talker_c1")
    talker.goto(f"/talks/{pk}/outline/")
    assert talker.get_by_text("生态环境保护责任落实不到位，PM2.5浓度反弹").is_visible()
    talker.get_by_role("button", name="审定提纲").click()
    talker.locator("#outline-status", has_text="已审定").wait_for()
    shot(talker, "talker-approved")

    # The recorder holds the talk on it: the problems pointed out come from the outline.
    recorder = open_tab("recorder_c1")
    recorder.goto(f"/talks/{pk}/record/")
    recorder.get_by_role("button", name="开始记录").click()
    recorder.locator("#record-form").wait_for()
    recorder.get_by_label("一、总体评价").fill("总体评价：班子团结，工作有成效。")
    recorder.locator(".add-from-outline").first.click()
    recorder.locator("#save-status.saved").wait_for()
    recorder.get_by_role("button", name="谈话结束，标记为已谈话").click()
    recorder.get_by_text("已谈话，等待谈话人和被谈话人确认").wait_for()
    shot(recorder, "held")
    outline_ids = set(
        OutlineProblem.objects.unscoped("test")
        .filter(outline__talk=talk)
        .values_list("pk", flat=True)
    )
    linked = RecordProblem.objects.unscoped("test").filter(record__talk=talk)
    assert linked.exists() and {p.outline_problem_id for p in linked} <= outline_ids
