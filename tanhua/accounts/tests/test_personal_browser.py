"""The personal page in a real browser: reached from the name in the top bar, with the
previous login announced after logging in."""

from __future__ import annotations

import re

import pytest

from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_the_name_in_the_top_bar_opens_the_personal_page(page, shot, world):  # noqa: F811
    log_in(page, shot, "commission_c1")
    assert "这是您的首次登录" in page.locator(".messages").inner_text()
    page.locator(".usermenu a.who").click()
    page.wait_for_url(re.compile(r"/accounts/me/$"))
    assert page.get_by_role("heading", name="个人中心").is_visible()
    for section in ("账号信息", "密码", "双因素认证", "API 令牌", "最近登录"):
        assert page.get_by_role("heading", name=section, exact=True).is_visible(), section
    logins = page.locator("#recent-logins")
    assert logins.get_by_role("cell", name="登录成功").is_visible()
    shot(page, "personal")
