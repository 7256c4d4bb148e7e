"""The security administrator's limits: a clearance above 内部, a role that sees people or an
administrator role takes effect only when a second person approves it; one-time-password
logins are recorded with their issuer; of people the secadmin sees only what their own
clearance allows."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tanhua.accounts import services
from tanhua.accounts.models import ConflictDeclaration, GrantState, PendingGrant, User
from tanhua.audit.models import AuditEntry
from tanhua.core.classification import Classification
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import make_user

pytestmark = pytest.mark.django_db

CONFIDENTIAL = Classification.CONFIDENTIAL
INTERNAL = Classification.INTERNAL


@pytest.fixture
def secadmin(world):
    return world.users["secadmin"]


@pytest.fixture
def second(world):
    """Another security administrator, cleared for 机密."""
    return make_user("secadmin_two", org=world.orgs["P"], roles=["secadmin"], clearance=3)


def create_confidential_commission_user(secadmin, world):
    return services.create_user(
        actor=secadmin,
        username="minted",
        organization=world.orgs["C1"],
        roles=["commission", "viewer"],
        clearance=CONFIDENTIAL,
    )


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_secadmin_cannot_mint_a_confidential_commission_user_and_log_in_as_it(
    client, secadmin, world
):
    user, password = create_confidential_commission_user(secadmin, world)
    user.refresh_from_db()
    # Only the harmless part is held, and the account is disabled until the approval.
    assert user.role_names == {"viewer"} and user.clearance == INTERNAL
    assert not user.is_active
    grant = PendingGrant.objects.get(user=user)
    assert grant.roles == ["commission"] and grant.clearance == CONFIDENTIAL
    assert grant.state == GrantState.PENDING and grant.requested_by == secadmin
    assert "用户名或密码错误" in login(client, "minted", password).content.decode()
    assert client.get(reverse("org:cadre_list")).status_code == 302
    assert AuditEntry.objects.filter(action="user.grant_request", object_id="minted").exists()


def test_the_requester_cannot_approve_their_own_request(secadmin, world):
    user, _password = create_confidential_commission_user(secadmin, world)
    grant = PendingGrant.objects.get(user=user)
    with pytest.raises(ValidationError) as exc:
        services.approve_grant(actor=secadmin, grant=grant)
    assert "不能批准自己提出的授权申请" in exc.value.messages[0]
    grant.refresh_from_db()
    assert grant.state == GrantState.PENDING


def test_the_database_refuses_an_approval_by_the_requester_even_around_the_service(secadmin, world):
    user, _password = create_confidential_commission_user(secadmin, world)
    with pytest.raises(IntegrityError), transaction.atomic():
        PendingGrant.objects.filter(user=user).update(state="approved", decided_by=secadmin)


def test_a_second_security_administrator_approves_and_the_grant_takes_effect(
    client, secadmin, second, world
):
    user, password = create_confidential_commission_user(secadmin, world)
    grant = services.approve_grant(actor=second, grant=PendingGrant.objects.get(user=user))
    assert grant.state == GrantState.APPROVED and grant.decided_by == second
    user.refresh_from_db()
    assert user.is_active and user.clearance == CONFIDENTIAL
    assert User.objects.get(pk=user.pk).role_names == {"commission", "viewer"}
    entry = AuditEntry.objects.get(action="user.grant_approve")
    assert entry.username == "secadmin_two" and entry.object_id == "minted"
    assert entry.before["roles"] == ["viewer"] and entry.after["clearance"] == CONFIDENTIAL
    assert entry.detail["requested_by"] == "secadmin"
    assert login(client, "minted", password).status_code == 302


def test_a_decided_request_cannot_be_decided_again(secadmin, second, world):
    user, _password = create_confidential_commission_user(secadmin, world)
    grant = PendingGrant.objects.get(user=user)
    services.approve_grant(actor=second, grant=grant)
    for decide in (services.approve_grant, services.reject_grant):
        with pytest.raises(ValidationError) as exc:
            decide(actor=second, grant=grant)
        assert "已处理" in exc.value.messages[0]
    assert AuditEntry.objects.filter(action="user.grant_approve").count() == 1


def test_a_rejected_request_grants_nothing_and_the_new_account_stays_disabled(
    secadmin, second, world
):
    user, _password = create_confidential_commission_user(secadmin, world)
    with pytest.raises(ValidationError) as exc:
        services.enable_user(actor=secadmin, user=user)
    assert "等待第二人审批" in exc.value.messages[0]
    services.reject_grant(actor=second, grant=PendingGrant.objects.get(user=user))
    user.refresh_from_db()
    assert not user.is_active and user.clearance == INTERNAL
    assert User.objects.get(pk=user.pk).role_names == {"viewer"}
    entry = AuditEntry.objects.get(action="user.grant_reject")
    assert entry.username == "secadmin_two" and entry.detail["withdrawn"] is False
    # After the rejection the harmless account may be enabled as it is.
    services.enable_user(actor=secadmin, user=user)


def test_the_requester_may_withdraw_their_own_request(secadmin, world):
    user, _password = create_confidential_commission_user(secadmin, world)
    services.reject_grant(actor=secadmin, grant=PendingGrant.objects.get(user=user))
    assert AuditEntry.objects.get(action="user.grant_reject").detail["withdrawn"] is True


def test_a_role_that_sees_people_waits_while_a_harmless_one_is_granted_at_once(
    secadmin, second, world
):
    recorder = world.users["recorder_c1"]
    waiting = services.grant_role(actor=secadmin, user=recorder, role="talker")
    assert isinstance(waiting, PendingGrant) and waiting.roles == ["talker"]
    assert User.objects.get(pk=recorder.pk).role_names == {"recorder"}
    with pytest.raises(ValidationError) as exc:
        services.grant_role(actor=secadmin, user=recorder, role="talker")
    assert "已在等待审批" in exc.value.messages[0]
    services.grant_role(actor=secadmin, user=recorder, role="viewer")
    assert User.objects.get(pk=recorder.pk).role_names == {"recorder", "viewer"}
    services.approve_grant(actor=second, grant=waiting)
    assert User.objects.get(pk=recorder.pk).role_names == {"recorder", "talker", "viewer"}


def test_minting_another_security_administrator_waits_for_a_second_person(secadmin, world):
    user, _password = services.create_user(
        actor=secadmin, username="puppet", organization=world.orgs["P"], roles=["secadmin"]
    )
    assert not User.objects.get(pk=user.pk).is_active
    assert PendingGrant.objects.get(user=user).roles == ["secadmin"]


def test_a_pending_request_cannot_be_combined_into_a_forbidden_set(secadmin, world):
    viewer = world.users["viewer_c1"]
    services.grant_role(actor=secadmin, user=viewer, role="talker")
    with pytest.raises(ValidationError) as exc:
        services.grant_role(actor=secadmin, user=viewer, role="auditor")
    assert "三员分立" in exc.value.messages[0]


def test_raising_a_clearance_above_internal_waits_and_lowering_is_immediate(
    secadmin, second, owner
):
    waiting = services.set_clearance(actor=secadmin, user=owner, clearance=CONFIDENTIAL)
    assert isinstance(waiting, PendingGrant)
    owner.refresh_from_db()
    assert owner.clearance == Classification.SECRET
    services.set_clearance(actor=secadmin, user=owner, clearance=INTERNAL)
    owner.refresh_from_db()
    assert owner.clearance == INTERNAL
    services.approve_grant(actor=second, grant=waiting)
    owner.refresh_from_db()
    assert owner.clearance == CONFIDENTIAL


def test_an_approver_below_the_requested_clearance_cannot_approve_it(secadmin, world):
    low = make_user("secadmin_low", org=world.orgs["P"], roles=["secadmin"], clearance=1)
    user, _password = create_confidential_commission_user(secadmin, world)
    with pytest.raises(ValidationError) as exc:
        services.approve_grant(actor=low, grant=PendingGrant.objects.get(user=user))
    assert "涉密等级低于" in exc.value.messages[0]


@pytest.mark.parametrize("persona", ["commission_p", "auditor", "sysadmin", "viewer_c1"])
def test_nobody_else_decides_grants(secadmin, world, persona):
    user, _password = create_confidential_commission_user(secadmin, world)
    with pytest.raises(OutOfScope):
        services.approve_grant(
            actor=world.users[persona], grant=PendingGrant.objects.get(user=user)
        )


def test_a_business_approver_named_in_settings_approves_on_the_web(
    client, secadmin, world, settings
):
    settings.GRANT_APPROVERS = ["commission_p"]
    user, _password = create_confidential_commission_user(secadmin, world)
    grant = PendingGrant.objects.get(user=user)
    client.force_login(world.users["commission_p"])
    page = client.get(reverse("accounts:grant_list")).content.decode()
    assert "minted" in page and reverse("accounts:grant_approve", args=[grant.pk]) in page
    assert client.post(reverse("accounts:grant_approve", args=[grant.pk])).status_code == 302
    grant.refresh_from_db()
    assert grant.state == GrantState.APPROVED
    assert grant.decided_by == world.users["commission_p"]
    # Not named: the pages answer as absent.
    other = Client()
    other.force_login(world.users["commission_c1"])
    assert other.get(reverse("accounts:grant_list")).status_code == 404


def test_a_named_approver_cannot_approve_a_grant_for_themself(secadmin, world, settings):
    settings.GRANT_APPROVERS = ["commission_c1"]
    owner = world.users["commission_c1"]
    waiting = services.grant_role(actor=secadmin, user=owner, role="talker")
    with pytest.raises(ValidationError) as exc:
        services.approve_grant(actor=owner, grant=waiting)
    assert "对自己" in exc.value.messages[0]


def test_on_the_web_the_requester_sees_no_approve_button_and_a_second_secadmin_approves(
    client, secadmin, second
):
    client.force_login(secadmin)
    created = client.post(
        reverse("accounts:user_create"),
        {"username": "minted", "org_code": "C1", "roles": ["commission"], "clearance": "3"},
    )
    assert 'id="waiting-note"' in created.content.decode()
    grant = PendingGrant.objects.get(user__username="minted")
    approve = reverse("accounts:grant_approve", args=[grant.pk])
    listing = client.get(reverse("accounts:grant_list")).content.decode()
    assert "minted" in listing and approve not in listing and "撤回申请" in listing
    detail = client.get(reverse("accounts:user_detail", args=["minted"])).content.decode()
    assert 'id="waiting-grants"' in detail and "纪委监委工作人员" in detail
    refused = client.post(approve, follow=True).content.decode()
    assert "不能批准自己提出的授权申请" in refused
    assert PendingGrant.objects.get(pk=grant.pk).state == GrantState.PENDING

    client.force_login(second)
    assert approve in client.get(reverse("accounts:grant_list")).content.decode()
    done = client.post(approve, follow=True).content.decode()
    assert "已批准" in done
    assert User.objects.get(username="minted").is_active


def test_granting_on_the_web_says_the_grant_waits_for_a_second_person(client, secadmin, owner):
    client.force_login(secadmin)
    url = reverse("accounts:user_roles", args=[owner.username])
    page = client.post(url, {"action": "grant", "role": "talker"}, follow=True).content.decode()
    assert "须由另一位安全管理员或指定的审批人批准后生效" in page
    assert User.objects.get(pk=owner.pk).role_names == {"commission"}


def test_with_the_setting_off_grants_take_effect_at_once(secadmin, world, settings):
    settings.TWO_PERSON_GRANTS = False
    user, _password = create_confidential_commission_user(secadmin, world)
    user.refresh_from_db()
    assert user.is_active and user.clearance == CONFIDENTIAL
    assert not PendingGrant.objects.exists()


def test_the_operator_at_the_command_line_is_not_held_to_the_rule(world):
    user, _password = services.create_user(
        actor=None,
        username="bootstrap",
        organization=world.orgs["P"],
        roles=["secadmin"],
        clearance=CONFIDENTIAL,
    )
    assert user.is_active and not PendingGrant.objects.exists()


# --- one-time passwords in the trail ---------------------------------------------------


def test_a_login_with_a_one_time_password_names_its_issuer_on_the_auditors_page(
    client, secadmin, owner, world
):
    password = services.reset_password(actor=secadmin, user=owner)
    assert login(client, owner.username, password).status_code == 302
    entry = AuditEntry.objects.get(action="auth.login_one_time_password")
    assert entry.object_id == owner.username
    assert entry.detail == {"step": "password", "one_time_password": True, "issued_by": "secadmin"}
    auditor = Client()
    auditor.force_login(world.users["auditor"])
    page = auditor.get(reverse("audit:log"), {"action": "auth.login_one_time_password"})
    text = page.content.decode()
    assert "auth.login_one_time_password" in text and "secadmin" in text
    assert owner.username in text


def test_after_the_users_own_change_a_login_is_an_ordinary_one(client, secadmin, owner):
    services.reset_password(actor=secadmin, user=owner)
    owner.refresh_from_db()
    services.change_own_password(user=owner, new_password="Brand-New-Passphrase-77")
    owner.refresh_from_db()
    assert owner.password_issued_by is None
    login(client, owner.username, "Brand-New-Passphrase-77")
    assert AuditEntry.objects.filter(action="auth.login", object_id=owner.username).exists()
    assert not AuditEntry.objects.filter(action="auth.login_one_time_password").exists()


def test_a_first_login_with_the_password_from_creation_is_recorded_as_one_time(
    client, secadmin, world
):
    _user, password = services.create_user(
        actor=secadmin, username="newviewer", organization=world.orgs["C1"], roles=["viewer"]
    )
    login(client, "newviewer", password)
    entry = AuditEntry.objects.get(action="auth.login_one_time_password")
    assert entry.detail["issued_by"] == "secadmin"


# --- what the secadmin sees of people ----------------------------------------------------


@pytest.fixture
def internal_secadmin(world):
    return make_user("secadmin_internal", org=world.orgs["P"], roles=["secadmin"], clearance=1)


def test_the_conflict_list_hides_declarations_on_cadres_above_the_secadmins_clearance(
    client, world, internal_secadmin
):
    services.declare_conflict(
        actor=world.users["commission_p"],
        cadre=world.cadres["GSECRET"],
        reason="kin",
        detail="机密的私人说明",
    )
    visible = services.declare_conflict(
        actor=world.users["commission_c1"],
        cadre=world.cadres["GK11"],
        reason="kin",
        detail="配偶的兄弟",
    )
    client.force_login(internal_secadmin)
    page = client.get(reverse("accounts:conflict_list")).content.decode()
    assert "机密干部庚" not in page and "GSECRET" not in page and "机密的私人说明" not in page
    # Within clearance: who declared on whom, to manage 回避.
    assert "commission_c1" in page and "甲县书记戊" in page and "配偶的兄弟" in page
    hidden = ConflictDeclaration.objects.unscoped("test").get(user=world.users["commission_p"])
    assert client.post(reverse("accounts:conflict_withdraw", args=[hidden.pk])).status_code == 404
    detail = client.get(reverse("accounts:user_detail", args=["commission_p"])).content.decode()
    assert "机密干部庚" not in detail and "GSECRET" not in detail
    assert visible.active


def test_a_cadre_above_the_secadmins_clearance_cannot_be_linked_and_looks_absent(
    client, internal_secadmin
):
    client.force_login(internal_secadmin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "linker",
            "org_code": "K11",
            "roles": ["viewer"],
            "clearance": "1",
            "cadre_code": "GSECRET",
        },
    )
    assert "干部编号“GSECRET”不存在" in response.content.decode()
    assert not User.objects.filter(username="linker").exists()


def test_an_account_linked_to_a_cadre_above_clearance_shows_no_name_and_is_not_found_by_it(
    client, world, internal_secadmin
):
    make_user(
        "secret_holder", org=world.orgs["K11"], roles=["talker"], cadre=world.cadres["GSECRET"]
    )
    User.objects.filter(username="secret_holder").update(first_name="机密干部庚")
    client.force_login(internal_secadmin)
    listing = client.get(reverse("accounts:user_list")).content.decode()
    assert "secret_holder" in listing and "机密干部庚" not in listing
    found = client.get(reverse("accounts:user_list"), {"q": "机密干部"}).content.decode()
    assert "secret_holder" not in found
    detail = client.get(reverse("accounts:user_detail", args=["secret_holder"])).content.decode()
    assert "机密干部庚" not in detail
    # Within clearance the name is shown as before.
    client.force_login(
        make_user("secadmin_top", org=world.orgs["P"], roles=["secadmin"], clearance=3)
    )
    assert "机密干部庚" in client.get(reverse("accounts:user_list")).content.decode()


@pytest.mark.parametrize(("demo", "expected"), [("1", "False"), ("0", "True")])
def test_the_rule_is_on_by_default_and_off_in_the_demo(demo, expected):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TANHUA_TWO_PERSON_GRANTS"}
    env.update(TANHUA_DEMO=demo, DJANGO_SETTINGS_MODULE="tanhua.settings")
    out = subprocess.run(
        [sys.executable, "-c", "from tanhua import settings; print(settings.TWO_PERSON_GRANTS)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == expected
