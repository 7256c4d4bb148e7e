"""Forms as a person sees them in Chromium: boxes and dots beside their own text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanhua.core.tests.test_browser import log_in, page, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_the_role_checkboxes_of_the_new_user_form_sit_beside_their_names(page, shot, world):  # noqa: F811
    log_in(page, shot, "secadmin")
    page.goto(reverse("accounts:user_create"))
    shot(page, "user-create")
    boxes = page.locator("form input[type=checkbox]")
    assert boxes.count() >= 5
    for i in range(boxes.count()):
        box = boxes.nth(i)
        label = page.locator(f"label[for='{box.get_attribute('id')}']")
        b, text = box.bounding_box(), label.bounding_box()
        # On one line: the box's middle lies within the label's line, and the box is small.
        assert text["y"] <= b["y"] + b["height"] / 2 <= text["y"] + text["height"]
        assert b["width"] < 40


def test_typing_part_of_a_name_fills_the_organization_picker(page, shot, world):  # noqa: F811
    log_in(page, shot, "secadmin")
    page.goto(reverse("accounts:user_create"))
    page.get_by_label("所属组织编码").press_sequentially("东城", delay=50)
    options = page.locator("#id_org_code-options option")
    options.first.wait_for(state="attached")
    assert "C1" in [options.nth(i).get_attribute("value") for i in range(options.count())]
    shot(page, "picker")
