"""The UI is Simplified Chinese whatever the browser asks for, polite 您 throughout."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

import tanhua

EN_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.fixture
def changing(client, owner):
    owner.must_change_password = True
    owner.save(update_fields=["must_change_password"])
    client.force_login(owner)
    return client


def test_the_forced_password_change_is_chinese_for_an_english_browser(changing):
    html = changing.get(reverse("accounts:password_change"), **EN_BROWSER).content.decode()
    assert "Old password" not in html and "New password" not in html
    assert "旧密码" in html
    # Django's own help text under the field, in Chinese and polite.
    assert "您的密码" in html
    assert "Your password" not in html


def test_labels_end_in_a_full_width_colon(changing):
    html = changing.get(reverse("accounts:password_change"), **EN_BROWSER).content.decode()
    assert "旧密码：" in html
    assert "旧密码:" not in html


def test_django_validation_messages_come_in_chinese_with_the_polite_you(changing):
    response = changing.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
        **EN_BROWSER,
    )
    html = response.content.decode()
    assert "您的旧密码输入有误" in html
    assert "incorrectly" not in html


def test_no_text_of_ours_addresses_the_user_as_ni():
    """你 is impolite toward the officials who use Tanhua: 您 everywhere."""
    root = Path(tanhua.__file__).parent
    # Character-frequency tables for telling encodings apart: data, not words to a user.
    data_files = {root / "exchange" / "encodings.py"}
    offenders = []
    for path in root.rglob("*"):
        if path.suffix not in {".py", ".html", ".po", ".txt", ".js"} or "tests" in path.parts:
            continue
        if path in data_files:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if "你" in text:
            offenders.append(str(path.relative_to(root)))
    assert not offenders, offenders
