"""Test factories and a small world of organizations, cadres and personas, shared by every
app's tests (and usable from a shell)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import factory

from tanhua.accounts.models import RoleGrant, User
from tanhua.accounts.roles import Role
from tanhua.core.classification import Classification
from tanhua.org.models import Cadre, Level, Organization, Position, Tier

TEST_PASSWORD = "Correct-Horse-Battery-42"  # noqa: S105 - test fixture only


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"ORG{n:05d}")
    name = factory.Sequence(lambda n: f"测试组织{n}")
    level = Level.PROVINCE
    kind = "党委"
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.get("parent")
        kwargs["path"], kwargs["depth"] = Organization.place(
            parent.path if parent else None, kwargs["code"]
        )
        return super()._create(model_class, *args, **kwargs)


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    code = factory.Sequence(lambda n: f"G{n:06d}")
    name = factory.Sequence(lambda n: f"干部{n}")
    tier = Tier.COUNTY
    classification = Classification.INTERNAL


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    cadre = factory.SubFactory(CadreFactory)
    organization = factory.SubFactory(OrganizationFactory)
    title = "委员"
    principal = False
    start = dt.date(2020, 1, 1)


def make_user(
    username: str,
    *,
    org: Organization | None,
    roles: list[str],
    clearance: int = Classification.SECRET,
    cadre: Cadre | None = None,
) -> User:
    user = User.objects.create_user(
        username=username,
        password=TEST_PASSWORD,
        organization=org,
        clearance=clearance,
        cadre=cadre,
        must_change_password=False,
    )
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
    return user


@dataclass
class World:
    orgs: dict[str, Organization] = field(default_factory=dict)
    cadres: dict[str, Cadre] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    w = World()
    p = OrganizationFactory(code="P", name="测试省委", level=Level.PROVINCE)
    c1 = OrganizationFactory(code="C1", name="东城市委", level=Level.CITY, parent=p)
    c2 = OrganizationFactory(code="C2", name="西城市委", level=Level.CITY, parent=p)
    k11 = OrganizationFactory(code="K11", name="东城甲县委", level=Level.COUNTY, parent=c1)
    t111 = OrganizationFactory(code="T111", name="甲县一乡党委", level=Level.TOWNSHIP, parent=k11)
    w.orgs = {o.code: o for o in (p, c1, c2, k11, t111)}
    specs = [
        ("GP1", "省委书记甲", Tier.CENTRAL, p, "省委书记", True),
        ("GC1", "东城书记乙", Tier.PROVINCIAL, c1, "市委书记", True),
        ("GC1M", "东城市长丙", Tier.PROVINCIAL, c1, "市长", True),
        ("GC2", "西城书记丁", Tier.PROVINCIAL, c2, "市委书记", True),
        ("GK11", "甲县书记戊", Tier.CITY, k11, "县委书记", True),
        ("GT111", "一乡书记己", Tier.COUNTY, t111, "乡党委书记", True),
    ]
    for code, name, tier, org, title, principal in specs:
        cadre = CadreFactory(code=code, name=name, tier=tier)
        PositionFactory(cadre=cadre, organization=org, title=title, principal=principal)
        w.cadres[code] = cadre
    secret = CadreFactory(
        code="GSECRET",
        name="机密干部庚",
        tier=Tier.CITY,
        classification=Classification.CONFIDENTIAL,
    )
    PositionFactory(cadre=secret, organization=k11, title="副书记")
    w.cadres["GSECRET"] = secret
    w.users = {
        "commission_c1": make_user("commission_c1", org=c1, roles=[Role.COMMISSION]),
        "organization_c1": make_user("organization_c1", org=c1, roles=[Role.ORGANIZATION]),
        "commission_c2": make_user("commission_c2", org=c2, roles=[Role.COMMISSION]),
        "commission_p": make_user(
            "commission_p", org=p, roles=[Role.COMMISSION], clearance=Classification.CONFIDENTIAL
        ),
        "talker_c1": make_user("talker_c1", org=c1, roles=[Role.TALKER], cadre=w.cadres["GC1"]),
        "recorder_c1": make_user("recorder_c1", org=c1, roles=[Role.RECORDER]),
        "subject_k11": make_user(
            "subject_k11", org=k11, roles=[Role.SUBJECT], cadre=w.cadres["GK11"]
        ),
        "submitter_c1": make_user("submitter_c1", org=c1, roles=[Role.SUBMITTER]),
        "viewer_c1": make_user("viewer_c1", org=c1, roles=[Role.VIEWER]),
        "sysadmin": make_user("sysadmin", org=p, roles=[Role.SYSADMIN]),
        "secadmin": make_user("secadmin", org=p, roles=[Role.SECADMIN]),
        "auditor": make_user("auditor", org=p, roles=[Role.AUDITOR]),
    }
    return w


def add_scope_probes(world: World) -> World:
    """Objects that tempt a leak, added to a world for the tests that hunt leaks (the
    permission matrix, the filter and code tests). Kept out of build_world so that what the
    other tests see of it stays as it was.

    - GC1X: seen from C1 through a C1 post, also holding a province post and, in the past, a
      post in C2 — a filter or count on posts that looks past scope reveals those;
    - GDECL: a K11 cadre commission_c1 declared a conflict with (回避);
    - GSECRET (already in the world): 机密, above the C1 staff's clearance.
    """
    from tanhua.accounts.models import ConflictDeclaration

    p, c1, c2, k11 = (world.orgs[c] for c in ("P", "C1", "C2", "K11"))
    both = CadreFactory(code="GC1X", name="东城常委辛", tier=Tier.CITY)
    PositionFactory(cadre=both, organization=c1, title="市委常委")
    PositionFactory(cadre=both, organization=p, title="省委候补委员")
    PositionFactory(
        cadre=both,
        organization=c2,
        title="西城副市长",
        start=dt.date(2015, 1, 1),
        end=dt.date(2019, 12, 31),
    )
    declared = CadreFactory(code="GDECL", name="回避干部壬", tier=Tier.COUNTY)
    PositionFactory(cadre=declared, organization=k11, title="县委副书记")
    ConflictDeclaration.objects.create(
        user=world.users["commission_c1"], cadre=declared, reason="kin", detail="测试用回避"
    )
    world.cadres.update({"GC1X": both, "GDECL": declared})
    return world
