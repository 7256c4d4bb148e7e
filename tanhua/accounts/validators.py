"""Password rules beyond Django's: the 等保 (classified protection) character classes."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", str.isdigit),
    ("symbol", lambda c: c in string.punctuation or c == " " or not c.isascii()),
)


def character_classes(password: str) -> set[str]:
    """Which of lower case, upper case, digit and symbol the password uses."""
    found = set()
    for ch in password:
        for name, test in CLASSES:
            if test(ch):
                found.add(name)
                break
    return found


class CharacterClassValidator:
    """At least `min_classes` of the four classes (lower, upper, digit, symbol), as 等保 2.0
    asks of passwords; active when settings.DENGBAO_MODE is on."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类")
                % {"n": self.min_classes},
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类") % {
            "n": self.min_classes
        }
