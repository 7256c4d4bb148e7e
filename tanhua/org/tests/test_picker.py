"""The organization picker offers only organizations in the user's scope."""

from __future__ import annotations

from django.urls import reverse

URL = reverse("org:pick")


def options(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_picker_offers_organizations_matching_the_name(client, owner):
    html = options(client, owner, q="甲县")
    assert '<option value="K11">东城甲县委（县）</option>' in html


def test_the_picker_reads_the_fields_own_parameter(client, owner):
    assert 'value="K11"' in options(client, owner, org_code="K11")


def test_the_picker_never_offers_an_organization_outside_the_scope(client, owner):
    assert "C2" not in options(client, owner, q="西城")
    assert "<option" not in options(client, owner, q="C2")


def test_the_security_administrator_places_users_anywhere_in_their_tree(client, world):
    html = options(client, world.users["secadmin"], q="城市委")
    assert 'value="C1"' in html and 'value="C2"' in html


def test_the_new_user_form_offers_the_picker(client, world):
    client.force_login(world.users["secadmin"])
    html = client.get(reverse("accounts:user_create")).content.decode()
    assert 'list="id_org_code-options"' in html and 'hx-get="/org/pick/"' in html
    assert '<datalist id="id_org_code-options"></datalist>' in html


def test_a_blank_term_offers_nothing(client, owner):
    assert "<option" not in options(client, owner, q="  ")
