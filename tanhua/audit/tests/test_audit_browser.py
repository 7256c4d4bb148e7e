"""The auditor's page in the real browser (issue 7): a trail like the demo's, read in Chinese."""

from __future__ import annotations

import re

import pytest

from tanhua.audit import services
from tanhua.audit.models import Result
from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def _demo_like_trail(world) -> None:
    owner, colleague = world.users["commission_c1"], world.users["organization_c1"]
    secadmin = world.users["secadmin"]
    services.record("auth.login", object_type="user", object_id="commission_c1", actor=owner)
    services.record(
        "cadre.list", object_type="cadre", actor=owner, detail={"count": 3, "path": "/org/cadres/"}
    )
    services.record(
        "cadre.read", object_type="cadre", object_id="GK11", object_repr="甲县书记戊", actor=owner
    )
    services.record_denied(path="/org/cadres/GC2/", status=404, actor=owner)
    services.record(
        "import.upload",
        object_type="import_batch",
        object_id="4",
        object_repr="#4 东城干部名单.xlsx",
        result=Result.DENIED,
        actor=colleague,
        detail={"problem_count": 2, "code_unavailable": 1},
    )
    services.record(
        "code.unavailable",
        object_type="code",
        object_id="GC2",
        result=Result.DENIED,
        actor=colleague,
    )
    services.record(
        "user.role_grant",
        object_type="user",
        object_id="recorder_c1",
        object_repr="记录员",
        actor=secadmin,
    )
    services.record(
        "auth.login_failed", object_type="user", object_id="nobody", result=Result.FAILED
    )


def test_the_auditor_reads_the_trail_in_chinese_and_filters_by_choice(page, shot, world):  # noqa: F811
    _demo_like_trail(world)
    log_in(page, shot, "auditor")
    page.goto("/audit/")
    table = page.locator("#audit-entries")
    table.wait_for()
    text = table.inner_text()
    for label in ("拒绝访问", "上传导入文件", "编码不可用", "授予角色", "纪委监委工作人员"):
        assert label in text
    assert "甲县书记戊" not in text and "东城干部名单" not in text
    shot(page, "audit-log")

    page.get_by_label("操作").select_option("access.denied")
    page.wait_for_url(re.compile(r"action=access\.denied"))
    table.get_by_role("cell", name="拒绝访问").first.wait_for()
    assert "上传导入文件" not in table.inner_text()
    shot(page, "audit-log-filtered")
