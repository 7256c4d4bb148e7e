"""The 等保 character-class rule and the base password rules."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from tanhua.accounts.services import one_time_password
from tanhua.accounts.validators import CharacterClassValidator

DENGBAO_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "tanhua.accounts.validators.CharacterClassValidator"},
]


@pytest.mark.parametrize(
    "password",
    ["abcdefghij12", "ABCDEFGHIJ12", "abcdefGHIJKL", "abc!@#def$%^"],
)
def test_a_password_with_only_two_character_classes_is_refused(password):
    with pytest.raises(ValidationError) as exc:
        CharacterClassValidator().validate(password)
    assert "至少 3 类" in exc.value.messages[0]


@pytest.mark.parametrize(
    "password", ["abcdefGH12", "abcdef12!!", "ABCDEF12!!", "abcDEF!!xyz", "Aa1!Aa1!Aa"]
)
def test_a_password_with_three_or_four_character_classes_passes(password):
    CharacterClassValidator().validate(password)


@override_settings(AUTH_PASSWORD_VALIDATORS=DENGBAO_VALIDATORS)
def test_in_dengbao_mode_the_validator_runs_with_the_base_rules():
    with pytest.raises(ValidationError):
        validate_password("abcdefghijkl")
    validate_password("Tanhua-2026-ok")


def test_the_base_rules_refuse_short_and_common_passwords():
    for bad in ("Ab1!short", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(bad)


@override_settings(AUTH_PASSWORD_VALIDATORS=DENGBAO_VALIDATORS)
def test_one_time_passwords_pass_every_rule_even_in_dengbao_mode():
    for _ in range(50):
        validate_password(one_time_password())
