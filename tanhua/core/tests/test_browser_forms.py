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
