"""Who sees findings and indicator values: staff who prepare talks see the findings of their
scope, within clearance, minus 回避; values follow the organizations a user may browse."""

from __future__ import annotations

import pytest

from tanhua.accounts.models import ConflictDeclaration
from tanhua.core.classification import Classification
from tanhua.core.scoped import UnscopedRead
from tanhua.evidence.models import Finding, IndicatorValue
from tanhua.evidence.testing import make_finding, make_value


def codes(user):
    return set(Finding.objects.visible_to(user).values_list("code", flat=True))


@pytest.fixture
def findings(world):
    o, c = world.orgs, world.cadres
    return {
        "c1": make_finding(o["C1"], code="FC1", cadre=c["GC1"]),
        "k11": make_finding(o["K11"], code="FK11"),
        "c2": make_finding(o["C2"], code="FC2", cadre=c["GC2"]),
        "province": make_finding(o["P"], code="FP"),
        "confidential": make_finding(
            o["K11"], code="FCONF", classification=Classification.CONFIDENTIAL
        ),
        "secret_cadre": make_finding(o["K11"], code="FSECRET", cadre=c["GSECRET"]),
    }


def test_staff_see_the_findings_of_their_scope_within_clearance(world, findings):
    for name in ("commission_c1", "organization_c1"):
        assert codes(world.users[name]) == {"FC1", "FK11"}
    assert codes(world.users["commission_c2"]) == {"FC2"}
    assert codes(world.users["commission_p"]) == {
        "FC1", "FK11", "FC2", "FP", "FCONF", "FSECRET",
    }  # fmt: skip


def test_a_declared_conflict_hides_the_findings_about_that_cadre(world, findings):
    owner = world.users["commission_c1"]
    ConflictDeclaration.objects.create(
        user=owner, cadre=world.cadres["GC1"], reason="kin", detail="测试"
    )
    assert codes(owner) == {"FK11"}


def test_a_commission_office_sees_only_the_findings_of_its_localities(world, findings):
    from tanhua.org.models import Office

    office = Office.objects.create(organization=world.orgs["C1"], name="第一纪检监察室")
    office.localities.add(world.orgs["K11"])
    owner = world.users["commission_c1"]
    owner.office = office
    owner.save()
    assert codes(owner) == {"FK11"}


@pytest.mark.parametrize(
    "persona",
    ["talker_c1", "recorder_c1", "subject_k11", "submitter_c1", "viewer_c1", "sysadmin",
     "secadmin", "auditor"],
)  # fmt: skip
def test_other_roles_see_no_finding(world, findings, persona):
    assert codes(world.users[persona]) == set()


def test_anonymous_sees_no_finding(world, findings):
    from django.contrib.auth.models import AnonymousUser

    assert codes(AnonymousUser()) == set()


def test_a_finding_read_without_a_scope_is_refused(world, findings):
    with pytest.raises(UnscopedRead):
        list(Finding.objects.all())


def test_indicator_values_follow_the_organizations_a_user_may_browse(world):
    make_value(world.orgs["C1"])
    make_value(world.orgs["K11"])
    make_value(world.orgs["C2"])
    seen = IndicatorValue.objects.visible_to(world.users["viewer_c1"])
    assert {v.organization.code for v in seen} == {"C1", "K11"}
    assert not IndicatorValue.objects.visible_to(world.users["subject_k11"]).exists()
    assert not IndicatorValue.objects.visible_to(world.users["auditor"]).exists()
