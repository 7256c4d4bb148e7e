"""API tokens: issued and revoked through services, stored only as a hash, refused at once
when revoked or when their user is disabled."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tanhua import cli
from tanhua.api.models import ApiToken
from tanhua.api.services import issue_token, revoke_token
from tanhua.api.tests.conftest import ApiClient
from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope

URL = "/api/v1/organizations"


def _assert_401(response):
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "令牌" in response.json()["detail"]


def test_a_request_without_a_token_is_refused_with_401_in_chinese(world):
    _assert_401(ApiClient(None).get(URL))


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer th_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer \x7f"],
)
def test_a_malformed_or_unknown_token_is_refused_with_401(world, header):
    response = ApiClient(None).client.get(URL, headers={"Authorization": header})
    _assert_401(response)


def test_a_valid_token_lets_its_user_in(api):
    response = api.get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 3  # C1, K11, T111


def test_a_revoked_token_answers_401_at_once(world, owner):
    token, plain = issue_token(actor=None, user=owner, name="脚本")
    client = ApiClient(plain)
    assert client.get(URL).status_code == 200
    revoke_token(actor=owner, token=token)
    _assert_401(client.get(URL))


def test_a_disabled_users_token_stops_working_at_once(world, owner, token_of):
    client = ApiClient(token_of(owner))
    assert client.get(URL).status_code == 200
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    _assert_401(client.get(URL))


def test_the_database_holds_only_the_sha256_of_a_token(world, owner):
    token, plain = issue_token(actor=None, user=owner, name="脚本")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(plain.encode()).hexdigest()
    assert all(plain not in str(value) for value in row.values())
    assert plain.startswith(row["prefix"]) and len(row["prefix"]) < len(plain) // 3
    # Nor does the audit trail.
    entry = AuditEntry.objects.get(action="api_token.issue", object_id=str(token.pk))
    assert plain not in str([entry.before, entry.after, entry.detail, entry.object_repr])


def test_issuing_and_revoking_are_audited_once(world, owner):
    token, _plain = issue_token(actor=owner, user=owner, name="脚本")
    revoke_token(actor=owner, token=token)
    revoke_token(actor=owner, token=token)
    actions = list(
        AuditEntry.objects.filter(object_type="api_token").values_list("action", "username")
    )
    assert actions == [("api_token.issue", owner.username), ("api_token.revoke", owner.username)]


def test_nobody_issues_or_revokes_a_token_of_someone_else(world, owner, outsider):
    token, _plain = issue_token(actor=None, user=owner, name="脚本")
    with pytest.raises(OutOfScope):
        revoke_token(actor=outsider, token=token)
    with pytest.raises(OutOfScope):
        issue_token(actor=outsider, user=owner, name="冒用")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_token_name_must_not_be_blank(world, owner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不能为空"):
        issue_token(actor=owner, user=owner, name="   ")


def test_last_use_is_stamped_at_most_once_a_minute(world, owner):
    token, plain = issue_token(actor=None, user=owner, name="脚本")
    client = ApiClient(plain)
    client.get(URL)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get(URL)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    client.get(URL)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > earlier


def test_the_token_command_prints_a_working_token(world, owner, capsys):
    call_command("token", owner.username)
    plain = capsys.readouterr().out.strip()
    assert ApiClient(plain).get(URL).status_code == 200
    assert ApiToken.objects.get(user=owner).name.startswith("命令行")


def test_the_token_command_takes_a_label(world, owner, capsys):
    call_command("token", owner.username, "--label", "夜间同步")
    assert ApiToken.objects.get(user=owner).name == "夜间同步"


def test_the_token_command_refuses_an_unknown_user_in_chinese(world):
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("token", "nobody")
    assert not ApiToken.objects.exists()


def test_the_token_command_refuses_a_disabled_user(world, owner):
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="已停用"):
        call_command("token", owner.username)


def test_tanhua_token_exits_non_zero_for_an_unknown_user(world, capsys):
    assert cli.main(["token", "nobody"]) != 0
    assert "不存在" in capsys.readouterr().err


def test_the_browser_session_works_for_the_docs_but_not_before_the_password_change(
    world, owner, client
):
    client.force_login(owner)
    assert client.get(URL).status_code == 200
    owner.must_change_password = True
    owner.save(update_fields=["must_change_password"])
    assert client.get(URL).status_code == 401


def test_a_browser_session_without_its_second_factor_does_not_reach_the_api(
    world, owner, client, settings
):
    settings.REQUIRE_TOTP = True
    client.force_login(owner)
    _assert_401(client.get(URL))


def test_a_token_still_works_where_sessions_need_a_second_factor(world, owner, settings):
    # Tokens are issued to a logged-in (two-factor) user or by the operator; they stand alone.
    settings.REQUIRE_TOTP = True
    _token, plain = issue_token(actor=None, user=owner, name="脚本")
    assert ApiClient(plain).get(URL).status_code == 200


def test_a_browser_session_with_an_expired_password_does_not_reach_the_api(client, owner, settings):
    import datetime as dt

    from django.utils import timezone

    settings.PASSWORD_MAX_AGE_DAYS = 90
    owner.password_changed_at = timezone.now() - dt.timedelta(days=91)
    owner.save(update_fields=["password_changed_at"])
    client.force_login(owner)
    assert client.get("/api/v1/organizations").status_code == 401
