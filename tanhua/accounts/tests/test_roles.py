"""Roles and 三员分立: who may grant what, to whom; no self-grant; no superusers."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tanhua.accounts import services
from tanhua.accounts.checks import no_superusers
from tanhua.accounts.models import RoleGrant, User
from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def secadmin(world):
    return world.users["secadmin"]


def roles_of(user):
    return sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True))


def test_the_security_administrator_grants_and_revokes_a_role_with_an_audit_entry(secadmin, owner):
    # Viewer sees no people: granted at once, without a second person.
    services.grant_role(actor=secadmin, user=owner, role="viewer")
    assert roles_of(owner) == ["commission", "viewer"]
    assert owner.has_role("viewer")
    services.revoke_role(actor=secadmin, user=owner, role="viewer")
    assert roles_of(owner) == ["commission"]
    grant = AuditEntry.objects.get(action="user.role_grant")
    assert grant.before == {"roles": ["commission"]}
    assert grant.after == {"roles": ["commission", "viewer"]}
    assert grant.username == "secadmin"
    assert AuditEntry.objects.filter(action="user.role_revoke", object_id=owner.username).exists()


def test_the_security_administrator_cannot_grant_themself_a_role(secadmin):
    with pytest.raises(ValidationError) as exc:
        services.grant_role(actor=secadmin, user=secadmin, role="auditor")
    assert "自己" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.revoke_role(actor=secadmin, user=secadmin, role="secadmin")
    assert roles_of(secadmin) == ["secadmin"]


def test_the_database_refuses_a_self_granted_role_even_around_the_service(secadmin):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=secadmin, role="viewer", granted_by=secadmin)


@pytest.mark.parametrize("persona", ["commission_c1", "sysadmin", "auditor", "viewer_c1"])
def test_nobody_but_the_security_administrator_grants_roles(world, persona):
    with pytest.raises(OutOfScope):
        services.grant_role(
            actor=world.users[persona], user=world.users["recorder_c1"], role="viewer"
        )


@pytest.mark.parametrize(
    ("held", "added"),
    [
        ("commission", "sysadmin"),
        ("commission", "secadmin"),
        ("viewer", "auditor"),
        ("sysadmin", "secadmin"),
        ("secadmin", "auditor"),
        ("auditor", "viewer"),
    ],
)
def test_an_administrator_role_never_joins_any_other_role(world, secadmin, held, added):
    user = make_user("mixed", org=world.orgs["P"], roles=[held])
    with pytest.raises(ValidationError) as exc:
        services.grant_role(actor=secadmin, user=user, role=added)
    assert "三员分立" in exc.value.messages[0]
    assert roles_of(user) == [held]


@pytest.mark.parametrize(
    "roles", [["sysadmin", "auditor"], ["secadmin", "commission"], ["auditor", "viewer"]]
)
def test_a_new_account_cannot_start_with_a_forbidden_combination(world, secadmin, roles):
    with pytest.raises(ValidationError):
        services.create_user(
            actor=secadmin, username="newbie", organization=world.orgs["P"], roles=roles
        )
    assert not User.objects.filter(username="newbie").exists()


def test_business_roles_combine_freely(world, secadmin, settings):
    settings.TWO_PERSON_GRANTS = False  # the combination, not the two-person rule, is tested
    user, password = services.create_user(
        actor=secadmin,
        username="newbie",
        organization=world.orgs["C1"],
        roles=["commission", "recorder"],
    )
    assert roles_of(user) == ["commission", "recorder"]
    assert user.must_change_password and user.check_password(password)


def test_granting_a_role_twice_is_refused_with_a_clear_message(secadmin, owner):
    with pytest.raises(ValidationError) as exc:
        services.grant_role(actor=secadmin, user=owner, role="commission")
    assert "已持有" in exc.value.messages[0]


def test_clearance_changes_are_audited_and_refused_for_oneself(secadmin, owner, settings):
    settings.TWO_PERSON_GRANTS = False  # see test_two_person.py for the rule itself
    services.set_clearance(actor=secadmin, user=owner, clearance=3)
    owner.refresh_from_db()
    assert owner.clearance == 3
    assert AuditEntry.objects.get(action="user.clearance").after == {"clearance": 3}
    with pytest.raises(ValidationError):
        services.set_clearance(actor=secadmin, user=secadmin, clearance=3)


def test_a_password_reset_issues_a_one_time_password_and_ends_sessions(secadmin, owner):
    epoch = owner.session_epoch
    password = services.reset_password(actor=secadmin, user=owner)
    owner.refresh_from_db()
    assert owner.check_password(password) and owner.must_change_password
    assert owner.session_epoch == epoch + 1
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert password not in str(entry.after) + str(entry.detail)


def test_the_security_administrator_cannot_disable_themself(secadmin):
    with pytest.raises(ValidationError):
        services.disable_user(actor=secadmin, user=secadmin)


def test_a_superuser_account_is_refused_by_the_services_and_flagged_by_the_system_check(
    world, secadmin
):
    assert no_superusers(databases=["default"]) == []
    root = User.objects.create_superuser("root", password="Irrelevant-Pass-99")
    warnings = no_superusers(databases=["default"])
    assert [w.id for w in warnings] == ["tanhua.accounts.W001"]
    assert "root" in warnings[0].msg
    root.is_active = False
    root.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        services.enable_user(actor=secadmin, user=root)


def test_clearance_disable_and_enable_audit_the_field_before_and_after(secadmin, owner, settings):
    settings.TWO_PERSON_GRANTS = False  # see test_two_person.py for the rule itself
    old = owner.clearance
    services.set_clearance(actor=secadmin, user=owner, clearance=3)
    services.set_clearance(actor=secadmin, user=owner, clearance=3)  # no change, no entry
    epoch = owner.session_epoch
    services.disable_user(actor=secadmin, user=owner)
    services.enable_user(actor=secadmin, user=owner)
    owner.refresh_from_db()
    assert owner.is_active and owner.session_epoch == epoch + 1
    entries = AuditEntry.objects.filter(
        action__in=["user.clearance", "user.disable", "user.enable"]
    )
    assert [(e.action, e.before, e.after, e.object_id) for e in entries.order_by("seq")] == [
        ("user.clearance", {"clearance": old}, {"clearance": 3}, owner.username),
        ("user.disable", {"is_active": True}, {"is_active": False}, owner.username),
        ("user.enable", {"is_active": False}, {"is_active": True}, owner.username),
    ]
