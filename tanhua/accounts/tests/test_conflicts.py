"""Conflict declarations (回避): declared by staff, hiding the cadre from them everywhere,
audited, listed for the security administrator, withdrawn only by them."""

import pytest
from django.urls import reverse

from tanhua.accounts import services
from tanhua.accounts.models import ConflictDeclaration
from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.org.models import Cadre, Position

pytestmark = pytest.mark.django_db

CADRE = "GK11"


def declare(client, code=CADRE, **data):
    payload = {"reason": "kin", "detail": "配偶的兄弟", **data}
    return client.post(reverse("accounts:conflict_declare", args=[code]), payload)


def test_the_cadre_page_links_to_the_declaration_form(client, owner):
    client.force_login(owner)
    page = client.get(reverse("org:cadre_detail", args=[CADRE])).content.decode()
    assert reverse("accounts:conflict_declare", args=[CADRE]) in page


def test_after_declaring_the_cadre_answers_404_to_the_declarer_everywhere(client, owner):
    client.force_login(owner)
    assert client.get(reverse("org:cadre_detail", args=[CADRE])).status_code == 200
    response = declare(client)
    assert response.status_code == 302
    assert client.get(reverse("org:cadre_detail", args=[CADRE])).status_code == 404
    assert client.get(reverse("accounts:conflict_declare", args=[CADRE])).status_code == 404
    assert CADRE not in client.get(reverse("org:cadre_list")).content.decode()
    assert not Cadre.objects.visible_to(owner).filter(code=CADRE).exists()
    assert not Position.objects.visible_to(owner).filter(cadre__code=CADRE).exists()


def test_a_colleague_still_sees_the_cadre(client, owner, colleague):
    client.force_login(owner)
    declare(client)
    client.force_login(colleague)
    assert client.get(reverse("org:cadre_detail", args=[CADRE])).status_code == 200


def test_the_declaration_is_audited(client, owner):
    client.force_login(owner)
    declare(client, reason="former_subordinate", detail="曾任其秘书")
    entry = AuditEntry.objects.get(action="conflict.declare")
    assert entry.username == owner.username and entry.object_id == CADRE
    assert entry.after["reason"] == "former_subordinate"


def test_a_declaration_without_detail_is_refused_with_a_message(client, owner):
    client.force_login(owner)
    response = declare(client, detail="")
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ConflictDeclaration.objects.unscoped("test").exists()


def test_a_cadre_out_of_scope_cannot_be_declared_about(client, owner):
    client.force_login(owner)
    assert declare(client, code="GC2").status_code == 404
    assert not ConflictDeclaration.objects.unscoped("test").exists()


def test_the_security_administrator_sees_declarations_and_withdraws_them(client, owner, world):
    secadmin = world.users["secadmin"]
    decl = services.declare_conflict(
        actor=owner, cadre=world.cadres[CADRE], reason="kin", detail="配偶的兄弟"
    )
    client.force_login(secadmin)
    listing = client.get(reverse("accounts:conflict_list")).content.decode()
    assert owner.username in listing and "配偶的兄弟" in listing
    response = client.post(reverse("accounts:conflict_withdraw", args=[decl.pk]))
    assert response.status_code == 302
    decl.refresh_from_db()
    assert not decl.active and decl.withdrawn_by == secadmin
    assert AuditEntry.objects.filter(action="conflict.withdraw", result="ok").exists()
    assert Cadre.objects.visible_to(owner).filter(code=CADRE).exists()


def test_the_declarer_cannot_withdraw_their_own_declaration(client, owner, world):
    decl = services.declare_conflict(
        actor=owner, cadre=world.cadres[CADRE], reason="kin", detail="配偶的兄弟"
    )
    with pytest.raises(OutOfScope):
        services.withdraw_conflict(actor=owner, declaration=decl)
    client.force_login(owner)
    assert client.post(reverse("accounts:conflict_withdraw", args=[decl.pk])).status_code == 404
    decl.refresh_from_db()
    assert decl.active


def test_the_conflict_list_costs_the_same_queries_for_many_declarations(
    client, world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tanhua.core.testing import make_user

    def declare_some(start, n):
        for i in range(start, start + n):
            staff = make_user(f"staff{i}", org=world.orgs["C1"], roles=["commission"])
            services.declare_conflict(
                actor=staff, cadre=world.cadres[CADRE], reason="other", detail=f"说明{i}"
            )

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("accounts:conflict_list")).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(world.users["secadmin"])
    declare_some(0, 2)
    few = cost()
    declare_some(2, 30)
    assert cost() == few
    # 10 for the page, and the read entry naming the cadres it lists (tanhua.audit.reads,
    # with PostgreSQL's advisory lock on the chain).
    with django_assert_max_num_queries(15):
        client.get(reverse("accounts:conflict_list"))
