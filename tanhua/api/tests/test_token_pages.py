"""The page where a user lists, creates and revokes their own API tokens."""

from __future__ import annotations

from django.urls import reverse

from tanhua.api.models import ApiToken
from tanhua.api.services import issue_token


def test_the_token_page_lists_only_my_own_tokens(world, owner, outsider, client):
    issue_token(actor=None, user=owner, name="我的脚本")
    issue_token(actor=None, user=outsider, name="别人的脚本")
    client.force_login(owner)
    response = client.get(reverse("api_tokens:list"))
    assert response.status_code == 200
    assert "我的脚本" in response.text
    assert "别人的脚本" not in response.text


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(world, owner, client):
    client.force_login(owner)
    response = client.post(reverse("api_tokens:list"), {"name": "同步脚本"})
    assert response.status_code == 200
    plain = response.context["plain"]
    assert plain and plain in response.text
    token = ApiToken.objects.get(user=owner)
    assert token.name == "同步脚本" and plain not in token.key_hash
    # The next visit no longer shows it.
    assert plain not in client.get(reverse("api_tokens:list")).text


def test_a_blank_token_name_is_refused_on_the_page(world, owner, client):
    client.force_login(owner)
    response = client.post(reverse("api_tokens:list"), {"name": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page_stops_the_token(world, owner, client):
    token, _plain = issue_token(actor=None, user=owner, name="脚本")
    client.force_login(owner)
    response = client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_revoking_with_htmx_returns_the_updated_row(world, owner, client):
    token, _plain = issue_token(actor=None, user=owner, name="脚本")
    client.force_login(owner)
    response = client.post(
        reverse("api_tokens:revoke", args=[token.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f'id="token-{token.pk}"' in response.text and "已吊销" in response.text
    assert "<html" not in response.text


def test_someone_elses_token_cannot_be_revoked_and_looks_absent(world, owner, outsider, client):
    token, _plain = issue_token(actor=None, user=owner, name="脚本")
    client.force_login(outsider)
    response = client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_the_token_page_query_count_stays_flat(world, owner, client, django_assert_max_num_queries):
    client.force_login(owner)
    for i in range(3):
        issue_token(actor=None, user=owner, name=f"脚本{i}")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("api_tokens:list"))
    for i in range(20):
        issue_token(actor=None, user=owner, name=f"更多脚本{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("api_tokens:list"))
