"""The bell, the list and the API of a user's own notices."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanhua.api.services import issue_token
from tanhua.core.testing import build_world
from tanhua.notices.models import Notice
from tanhua.notices.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def tell(user, n=1, prefix="e"):
    for i in range(n):
        notify(recipients=[user], event_key=f"{prefix}:{i}", kind="test", title=f"通知{i}", url="/")


def test_the_bell_counts_unread_notices_in_one_query(client, world, django_assert_max_num_queries):
    user = world.users["talker_c1"]
    tell(user, 3)
    client.force_login(user)
    client.get(reverse("notices:bell"))
    with django_assert_max_num_queries(7) as q:  # session, user, policy checks, the one count
        body = client.get(reverse("notices:bell")).content.decode()
    counts = [x for x in q.captured_queries if "notices_notice" in x["sql"]]
    assert len(counts) == 1 and 'class="bell-count">3<' in body


def test_the_top_bar_loads_the_bell_on_every_page_at_no_query_cost(client, world):
    user = world.users["talker_c1"]
    tell(user, 2)
    client.force_login(user)
    body = client.get(reverse("core:home")).content.decode()
    assert 'id="bell"' in body and 'hx-trigger="load, every 60s' in body
    assert "bell-count" not in body


def test_marking_read_and_following_a_link(client, world):
    user = world.users["talker_c1"]
    tell(user, 2)
    client.force_login(user)
    first, second = Notice.objects.filter(recipient=user).order_by("pk")
    assert client.post(reverse("notices:mark_read", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.get(reverse("notices:open", args=[second.pk]))
    assert response.status_code == 302 and response.url == "/"
    assert not Notice.objects.filter(recipient=user).unread().exists()


def test_mark_all_read_and_someone_elses_notice_is_not_found(client, world):
    user, other = world.users["talker_c1"], world.users["recorder_c1"]
    tell(user, 2)
    tell(other, 1)
    client.force_login(user)
    client.post(reverse("notices:mark_all_read"))
    assert not Notice.objects.filter(recipient=user).unread().exists()
    theirs = Notice.objects.get(recipient=other)
    assert client.post(reverse("notices:mark_read", args=[theirs.pk])).status_code == 404
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_an_external_link_in_a_notice_is_not_followed(client, world):
    user = world.users["talker_c1"]
    notify(recipients=[user], event_key="x", kind="t", title="t", url="https://evil.example/")
    client.force_login(user)
    n = Notice.objects.get(recipient=user)
    assert client.get(reverse("notices:open", args=[n.pk])).url == reverse("notices:list")


def test_the_api_lists_only_the_callers_own_notices(client, world):
    user, other = world.users["talker_c1"], world.users["recorder_c1"]
    tell(user, 2)
    tell(other, 1, prefix="o")
    _t, plain = issue_token(actor=None, user=user, name="t")
    data = client.get("/api/v1/notices", headers={"Authorization": f"Bearer {plain}"}).json()
    assert data["count"] == 2 and data["unread"] == 2
    assert {i["title"] for i in data["items"]} == {"通知0", "通知1"}
