"""Loading the demo province: its rows go through the import service (the same path as a
user's spreadsheet), classifications through the registry's services, and one demo login
per role through the accounts service. All of it in one transaction: a failed load leaves
nothing behind, and the next `tanhua demo` simply tries again."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction

from tanhua.accounts.models import User
from tanhua.accounts.roles import Role
from tanhua.core.classification import Classification
from tanhua.demo.province import PROVINCE_CODE, SECRETARY, DemoProvince, build_province
from tanhua.org.models import Cadre, Organization, Position

# Printed at start by `tanhua demo`; the demo is for a laptop, never for production data.
DEMO_PASSWORD = "Tanhua-Demo-2020"  # noqa: S105 - a published demo password by design
DEMO_SOURCE = "tanhua demo"


@dataclass(frozen=True)
class DemoLogin:
    """One demo account to create: who they are, where they sit, what they may see."""

    role: str
    username: str
    org: str  # "province", "city" (the first city) or a code
    clearance: int
    cadre_slot: str = ""  # the post whose holder the account belongs to (talker, subject)
    note: str = ""


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(Role.TALKER, "demo_talker", "province", Classification.CONFIDENTIAL, SECRETARY),
    DemoLogin(Role.RECORDER, "demo_recorder", "province", Classification.SECRET),
    DemoLogin(Role.COMMISSION, "demo_commission", "province", Classification.CONFIDENTIAL),
    DemoLogin(
        Role.COMMISSION,
        "demo_commission_city",
        "city",
        Classification.SECRET,
        note="市级，只见本市",
    ),
    DemoLogin(Role.ORGANIZATION, "demo_organization", "province", Classification.SECRET),
    # A talk is 秘密 by default: the leader talked to holds that clearance to read their own.
    DemoLogin(Role.SUBJECT, "demo_subject", "city", Classification.SECRET, SECRETARY),
    DemoLogin(Role.SUBMITTER, "demo_submitter", "province", Classification.INTERNAL),
    DemoLogin(Role.VIEWER, "demo_viewer", "province", Classification.INTERNAL),
    DemoLogin(Role.SYSADMIN, "demo_sysadmin", "province", Classification.INTERNAL),
    DemoLogin(Role.SECADMIN, "demo_secadmin", "province", Classification.INTERNAL),
    DemoLogin(Role.AUDITOR, "demo_auditor", "province", Classification.INTERNAL),
)
DEMO_USERNAMES = tuple(login.username for login in DEMO_LOGINS)


@dataclass(frozen=True)
class LoadResult:
    organizations: int
    cadres: int
    positions: int
    users: int
    seconds: float
    campaigns: int = 0
    talks: int = 0


def demo_loaded() -> bool:
    """The demo loads into a database without organizations only, never over real data."""
    return Organization.objects.exists()


def is_demo_database() -> bool:
    """True when the database holds the demo province (its root) or nothing at all."""
    roots = list(Organization.objects.roots().values_list("code", flat=True)[:2])
    return roots in ([], [PROVINCE_CODE])


def _org_code(province: DemoProvince, where: str) -> str:
    if where == "province":
        return PROVINCE_CODE
    if where == "city":
        return province.first_city_code
    return where


def load_demo(*, seed: int | None = None) -> LoadResult:
    """Generate the demo province and load it; refuses (ImportRejected) as a whole."""
    from tanhua.exchange.services import import_tables
    from tanhua.org import services as org_services

    started = time.perf_counter()
    province = build_province() if seed is None else build_province(seed)
    with transaction.atomic():
        import_tables(province.tables(), actor=None, source=DEMO_SOURCE)
        cadres = Cadre.objects.unscoped("demo loader").in_bulk(
            list(province.classified), field_name="code"
        )
        for code, level in sorted(province.classified.items()):
            org_services.update_cadre(actor=None, cadre=cadres[code], classification=level)
        users = create_demo_users(province)
        from tanhua.demo.talks import load_talks

        year = load_talks()
    return LoadResult(
        organizations=len(province.organizations),
        cadres=len(province.cadres),
        positions=len(province.positions),
        users=len(users),
        seconds=time.perf_counter() - started,
        campaigns=year.campaigns,
        talks=year.talks,
    )


def create_demo_users(province: DemoProvince) -> list[User]:
    from tanhua.accounts.services import create_user

    codes = {_org_code(province, login.org) for login in DEMO_LOGINS}
    orgs = Organization.objects.in_bulk(list(codes), field_name="code")
    holder_codes = {
        province.holders[(_org_code(province, login.org), login.cadre_slot)]
        for login in DEMO_LOGINS
        if login.cadre_slot
    }
    holders = Cadre.objects.unscoped("demo loader").in_bulk(list(holder_codes), field_name="code")
    users = []
    for login in DEMO_LOGINS:
        org_code = _org_code(province, login.org)
        cadre = (
            holders[province.holders[(org_code, login.cadre_slot)]] if login.cadre_slot else None
        )
        user, _password = create_user(
            actor=None,
            username=login.username,
            organization=orgs[org_code],
            roles=[login.role],
            clearance=login.clearance,
            full_name=cadre.name if cadre else f"演示·{Role(login.role).label}",
            cadre=cadre,
            password=DEMO_PASSWORD,
            must_change_password=False,
        )
        users.append(user)
    return users


@dataclass(frozen=True)
class LoginLine:
    role: str
    username: str
    organization: str
    note: str


def demo_login_lines() -> list[LoginLine]:
    """The demo accounts present in the database, in the order they were created."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_USERNAMES).select_related(
            "organization", "cadre"
        )
    }
    lines = []
    for login in DEMO_LOGINS:
        user = users.get(login.username)
        if user is None:
            continue
        note = login.note
        if user.cadre is not None:
            title = (
                Position.objects.unscoped("demo loader")
                .filter(cadre=user.cadre, organization=user.organization)
                .current()
                .values_list("title", flat=True)
                .first()
            )
            note = f"{user.cadre.name}（{title or ''}）"
        lines.append(
            LoginLine(
                role=f"{Role(login.role).label}（{login.role}）",
                username=user.username,
                organization=user.organization.name if user.organization else "",
                note=note,
            )
        )
    return lines
