"""The findings page in a real browser: staff review a proposed focus area and correct it in
place."""

from __future__ import annotations

import pytest

from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures
from tanhua.evidence.models import Finding, FocusAreaSource
from tanhua.exchange.services import import_tables

pytestmark = pytest.mark.browser


def test_staff_correct_a_proposed_focus_area_on_the_findings_page(page, shot, world):  # noqa: F811
    rows = [
        ("F1", "K11", "GK11", "巡视巡察", "3", "县委书记插手工程招投标，为亲属企业承揽项目"),
        ("F2", "C1", "", "审计", "2", "乡村振兴衔接资金闲置一年以上，涉及金额860万元"),
        ("F3", "C1", "GC1", "信访举报", "1", "文山会海反弹，基层迎检填表负担重"),
    ]
    import_tables(
        {"findings": [
            {"code": c, "org_code": o, "cadre_code": g, "source": s, "date": "2020-05-14",
             "severity": v, "text": t}
            for c, o, g, s, v, t in rows
        ]},
        actor=world.users["commission_c1"],
    )  # fmt: skip
    log_in(page, shot, "commission_c1")
    page.get_by_role("link", name="问题线索").click()
    page.wait_for_selector("#findings")
    assert page.locator("#finding-F1").get_by_text("系统建议").is_visible()
    shot(page, "findings")
    row = page.locator("#finding-F3")
    row.locator("select").select_option("A2")
    row.get_by_role("button", name="校正").click()
    page.locator("#finding-F3").get_by_text("人工校正").wait_for()
    shot(page, "corrected")
    f3 = Finding.objects.unscoped("test").get(code="F3")
    assert (f3.focus_area, f3.focus_area_source) == ("A2", FocusAreaSource.CORRECTED)
