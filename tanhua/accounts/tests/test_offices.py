"""Commission offices (纪检监察室): who belongs to one sees only its localities' talks."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tanhua.accounts import offices
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import build_world
from tanhua.talks.models import Talk
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return add_talks(build_world())


def test_an_office_covers_only_localities_at_or_below_its_committee(world):
    with pytest.raises(ValidationError, match="联系地区必须是"):
        offices.create_office(
            actor=None, organization=world.orgs["C1"], name="第一室", localities=[world.orgs["C2"]]
        )


def test_the_security_administrator_attaches_a_commission_member_to_an_office(client, world):
    office = offices.create_office(
        actor=world.users["secadmin"],
        organization=world.orgs["P"],
        name="第二纪检监察室",
        localities=[world.orgs["C2"]],
    )
    client.force_login(world.users["secadmin"])
    page = client.get("/accounts/users/commission_p/").content.decode()
    assert "第二纪检监察室" in page
    response = client.post("/accounts/users/commission_p/office/", {"office": str(office.pk)})
    assert response.status_code == 302
    user = world.users["commission_p"]
    user.refresh_from_db()
    assert user.office == office
    seen = set(Talk.objects.visible_to(user).values_list("campaign__committee__code", flat=True))
    assert seen == {"C2"}
    assert AuditEntry.objects.filter(action="user.office", object_id="commission_p").exists()


def test_an_office_of_another_organization_is_refused(client, world):
    office = offices.create_office(
        actor=None, organization=world.orgs["P"], name="第三室", localities=[world.orgs["C1"]]
    )
    client.force_login(world.users["secadmin"])
    response = client.post("/accounts/users/commission_c1/office/", {"office": str(office.pk)})
    assert response.status_code == 200
    assert "请选择该用户所在组织的纪检监察室" in response.content.decode()
    with pytest.raises(ValidationError, match="不属于该用户所在组织"):
        offices.set_office(actor=None, user=world.users["commission_c1"], office=office)


def test_only_commission_staff_belong_to_an_office(world):
    office = offices.create_office(
        actor=None, organization=world.orgs["C1"], name="第一室", localities=[world.orgs["K11"]]
    )
    with pytest.raises(ValidationError, match="只有纪委监委工作人员"):
        offices.set_office(actor=None, user=world.users["organization_c1"], office=office)


def test_the_command_line_adds_assigns_and_lists_offices(world, capsys):
    call_command("office", "add", "第一纪检监察室", "--org", "C1", "--locality", "K11")
    call_command("office", "assign", "commission_c1", "第一纪检监察室")
    call_command("office", "list")
    out = capsys.readouterr().out
    assert "已新建：东城市委 第一纪检监察室，联系地区：东城甲县委" in out
    assert "已将 commission_c1 归属 第一纪检监察室" in out
    assert "K11" in out
