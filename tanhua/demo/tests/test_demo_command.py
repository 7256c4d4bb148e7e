"""`tanhua demo --no-serve` against the test database: what it loads, that it loads once,
and that its printed logins work."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse

from tanhua.accounts.models import RoleGrant, User
from tanhua.accounts.roles import Role
from tanhua.audit.models import AuditEntry
from tanhua.core.classification import Classification
from tanhua.demo.services import DEMO_PASSWORD, DEMO_USERNAMES
from tanhua.org.models import Cadre, Level, Organization, Position

pytestmark = pytest.mark.django_db


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


def log_in(client, username: str) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert response.url == reverse("core:home")


def test_demo_loads_cities_counties_and_townships_with_every_principal_post_filled():
    output = run_demo()

    by_level = dict(Organization.objects.values_list("level").annotate(n=Count("pk")).order_by())
    assert by_level[Level.PROVINCE] == 1
    assert by_level[Level.CITY] >= 8
    assert by_level[Level.COUNTY] >= 50
    assert by_level[Level.TOWNSHIP] >= 6 * by_level[Level.COUNTY]
    counties_without_townships = Organization.objects.filter(level=Level.COUNTY).annotate(
        townships=Count("children", filter=Q(children__level=Level.TOWNSHIP))
    )
    assert not counties_without_townships.filter(townships=0).exists()

    # Each organization has its 一把手 posts: the party secretary and the government head.
    principals = (
        Position.objects.unscoped("test")
        .current()
        .principals()
        .values("organization")
        .annotate(n=Count("pk"), secretaries=Count("pk", filter=Q(title__endswith="书记")))
        .order_by()
    )
    per_org = {row["organization"]: (row["n"], row["secretaries"]) for row in principals}
    assert set(per_org) == set(Organization.objects.values_list("pk", flat=True))
    assert set(per_org.values()) == {(2, 1)}

    assert Cadre.objects.unscoped("test").filter(classification=Classification.SECRET).exists()
    assert (
        Cadre.objects.unscoped("test").filter(classification=Classification.CONFIDENTIAL).exists()
    )
    assert Position.objects.unscoped("test").filter(end__isnull=False).count() >= 200

    assert f"组织 {Organization.objects.count()} 个" in output
    assert "用时" in output
    for username in DEMO_USERNAMES:
        assert username in output
    assert DEMO_PASSWORD in output


def test_demo_creates_one_login_per_role_at_sensible_organizations():
    run_demo()

    users = {u.username: u for u in User.objects.select_related("organization", "cadre")}
    assert set(users) == set(DEMO_USERNAMES)
    roles = set(RoleGrant.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert all(not u.must_change_password and not u.is_superuser for u in users.values())

    province = Organization.objects.get(level=Level.PROVINCE)
    talker = users["demo_talker"]
    assert talker.organization == province
    assert (
        Position.objects.unscoped("test")
        .current()
        .filter(cadre=talker.cadre, organization=province, principal=True, title="省委书记")
        .exists()
    )
    subject = users["demo_subject"]
    assert subject.organization.level == Level.CITY
    assert (
        Position.objects.unscoped("test")
        .current()
        .filter(cadre=subject.cadre, organization=subject.organization, title="市委书记")
        .exists()
    )
    assert users["demo_commission"].organization == province
    assert users["demo_commission_city"].organization == subject.organization
    # Both anchors of the demo show posts over time on their cadre page.
    assert Position.objects.unscoped("test").filter(cadre=talker.cadre).count() >= 2
    assert Position.objects.unscoped("test").filter(cadre=subject.cadre).count() >= 2


def test_running_demo_twice_loads_nothing_twice():
    run_demo()
    counts = (
        Organization.objects.count(),
        Cadre.objects.unscoped("test").count(),
        Position.objects.unscoped("test").count(),
        User.objects.count(),
        AuditEntry.objects.count(),
    )

    output = run_demo()

    assert "不再重复载入" in output
    assert "demo_talker" in output
    assert (
        Organization.objects.count(),
        Cadre.objects.unscoped("test").count(),
        Position.objects.unscoped("test").count(),
        User.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_demo_refuses_to_serve_a_database_holding_other_data(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="非演示数据"):
        run_demo()
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()


def test_every_demo_user_can_log_in_with_the_printed_password(client):
    run_demo()
    for username in DEMO_USERNAMES:
        log_in(client, username)
        assert client.get(reverse("core:home")).status_code == 200
        client.post(reverse("accounts:logout"))


def test_province_commission_sees_the_whole_tree_and_city_commission_only_its_city(
    client, django_assert_max_num_queries
):
    run_demo()
    cities = list(Organization.objects.filter(level=Level.CITY).order_by("code"))

    log_in(client, "demo_commission")
    with django_assert_max_num_queries(20):
        page = client.get(reverse("org:tree"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "青岚省委" in html
    assert all(city.name in html for city in cities)

    client.post(reverse("accounts:logout"))
    log_in(client, "demo_commission_city")
    page = client.get(reverse("org:tree"))
    assert page.status_code == 200
    html = page.content.decode()
    assert cities[0].name in html
    assert cities[1].name not in html
    other = client.get(reverse("org:organization_detail", args=[cities[1].code]))
    assert other.status_code == 404


def test_city_commission_sees_the_secret_cadre_of_its_city_but_not_the_confidential_one(
    client,
):
    run_demo()
    city = User.objects.get(username="demo_commission_city").organization
    in_city = Cadre.objects.unscoped("test").filter(
        positions__organization__path__startswith=city.path
    )
    secret = in_city.get(classification=Classification.SECRET)
    confidential = in_city.get(classification=Classification.CONFIDENTIAL)

    log_in(client, "demo_commission_city")
    assert client.get(reverse("org:cadre_detail", args=[secret.code])).status_code == 200
    assert client.get(reverse("org:cadre_detail", args=[confidential.code])).status_code == 404
