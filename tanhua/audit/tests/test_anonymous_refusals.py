"""Anonymous refusals are counted, not chained (issue 6, item 6): the trail cannot be grown
without logging in. A plain counter table keyed by (client address, minute, kind), an upsert;
at most ANONYMOUS_CLIENTS_PER_MINUTE addresses a minute and kind get rows of their own, the
rest share one, so even many (spoofed or real) addresses grow it by a bounded amount."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tanhua.audit import services
from tanhua.audit.models import AnonymousRefusal, AuditEntry, RefusalKind

AT = dt.datetime(2026, 11, 30, 8, 15, 42, tzinfo=dt.UTC)
MINUTE = AT.replace(second=0)


def _counts() -> dict[tuple[str, str], int]:
    return {(r.client, r.kind): r.count for r in AnonymousRefusal.objects.all()}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organizations/C1",  # matched: 401 without a token
        "/api/v1/cadres/GK11",
        "/api/v1/no/such/thing",  # the catch-all: 404
        "/api/v1/" + "x" * 5000,
        "/api/v1/organizations/" + "%00" * 50,
    ],
)
def test_anonymous_api_requests_add_no_chained_entry(client, world, path):
    response = client.get(path, REMOTE_ADDR="203.0.113.5")
    assert response.status_code in {401, 404}
    assert not AuditEntry.objects.exists()
    row = AnonymousRefusal.objects.get()
    assert (row.client, row.count) == ("203.0.113.5", 1)
    assert len(row.last_path) <= 200


def test_anonymous_refusals_are_counted_per_client_and_kind(client, world):
    for _ in range(3):
        client.get("/api/v1/nothing", REMOTE_ADDR="203.0.113.5")
    client.get("/api/v1/nothing", REMOTE_ADDR="198.51.100.9")
    client.get("/api/v1/organizations/C1", REMOTE_ADDR="203.0.113.5")
    assert _counts() == {
        ("203.0.113.5", RefusalKind.NOT_FOUND): 3,
        ("198.51.100.9", RefusalKind.NOT_FOUND): 1,
        ("203.0.113.5", RefusalKind.UNAUTHENTICATED): 1,
    }
    assert not AuditEntry.objects.exists()


def test_an_anonymous_page_refusal_is_counted_not_chained(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x"}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 403
    assert _counts() == {("192.0.2.1", RefusalKind.FORBIDDEN): 1}
    assert not AuditEntry.objects.exists()


def test_an_anonymous_request_for_an_unknown_page_is_counted_not_chained(client, world):
    assert client.get("/wp-login.php", REMOTE_ADDR="192.0.2.2").status_code == 404
    assert _counts() == {("192.0.2.2", RefusalKind.NOT_FOUND): 1}
    assert not AuditEntry.objects.exists()


def test_a_logged_in_refusal_is_still_chained_and_not_counted(client, owner):
    client.force_login(owner)
    client.get("/api/v1/nothing")
    assert AuditEntry.objects.get().action == "access.denied"
    assert not AnonymousRefusal.objects.exists()


def test_counting_the_same_client_minute_and_kind_adds_to_one_row(db):
    for second in (0, 20, 59):
        services.count_anonymous_refusal(
            client="203.0.113.5",
            kind=RefusalKind.NOT_FOUND,
            path=f"/p{second}",
            at=MINUTE.replace(second=second),
        )
    row = AnonymousRefusal.objects.get()
    assert (row.minute, row.count, row.last_path) == (MINUTE, 3, "/p59")


def test_a_new_minute_starts_a_new_count(db):
    services.count_anonymous_refusal(client="203.0.113.5", kind=RefusalKind.NOT_FOUND, at=AT)
    services.count_anonymous_refusal(
        client="203.0.113.5", kind=RefusalKind.NOT_FOUND, at=AT + dt.timedelta(minutes=1)
    )
    assert list(AnonymousRefusal.objects.order_by("minute").values_list("count", flat=True)) == [
        1,
        1,
    ]


def test_clients_beyond_the_cap_in_one_minute_share_one_row(db, monkeypatch):
    monkeypatch.setattr(services, "ANONYMOUS_CLIENTS_PER_MINUTE", 3)
    for i in range(10):
        for _ in range(2):
            services.count_anonymous_refusal(
                client=f"2001:db8::{i}", kind=RefusalKind.NOT_FOUND, at=AT
            )
    counts = _counts()
    assert len(counts) == 4
    assert counts[(services.OTHER_CLIENTS, RefusalKind.NOT_FOUND)] == 14
    assert sum(counts.values()) == 20
    # The first three keep counting on their own rows.
    services.count_anonymous_refusal(client="2001:db8::0", kind=RefusalKind.NOT_FOUND, at=AT)
    assert _counts()[("2001:db8::0", RefusalKind.NOT_FOUND)] == 3


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError, match="unknown refusal kind"):
        services.count_anonymous_refusal(client="192.0.2.1", kind="teapot")


def test_only_the_auditor_reads_the_counts(world):
    services.count_anonymous_refusal(client="192.0.2.1", kind=RefusalKind.NOT_FOUND)
    for name, user in world.users.items():
        visible = AnonymousRefusal.objects.visible_to(user).count()
        assert visible == (1 if name == "auditor" else 0), name


def test_the_auditors_page_shows_the_counts_for_the_chosen_days(client, world):
    now = timezone.now()
    for _ in range(4):
        services.count_anonymous_refusal(
            client="203.0.113.5", kind=RefusalKind.NOT_FOUND, path="/api/v1/<probe>", at=now
        )
    services.count_anonymous_refusal(
        client="198.51.100.9", kind=RefusalKind.UNAUTHENTICATED, at=now - dt.timedelta(days=30)
    )
    client.force_login(world.users["auditor"])
    page = client.get(reverse("audit:log"))
    body = page.content.decode()
    assert "匿名访问被拒统计" in body
    summary = page.context["refusals"]
    assert [(r["client"], r["kind"], r["total"]) for r in summary.rows] == [
        ("203.0.113.5", RefusalKind.NOT_FOUND, 4)
    ]
    assert "203.0.113.5" in body and "198.51.100.9" not in body
    assert "/api/v1/&lt;probe&gt;" in body
    day = (timezone.localtime(now) - dt.timedelta(days=30)).date().isoformat()
    old = client.get(reverse("audit:log"), {"since": day, "until": day})
    assert [r["client"] for r in old.context["refusals"].rows] == ["198.51.100.9"]
    assert "198.51.100.9" in old.content.decode()


def test_purging_counts_past_retention_keeps_the_rest_and_is_audited(db, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    services.count_anonymous_refusal(client="a", kind=RefusalKind.NOT_FOUND, at=now)
    services.count_anonymous_refusal(
        client="b", kind=RefusalKind.NOT_FOUND, at=now - dt.timedelta(days=181)
    )
    assert services.purge_anonymous_refusals(now=now) == 1
    assert list(AnonymousRefusal.objects.values_list("client", flat=True)) == ["a"]
    entry = AuditEntry.objects.get()
    assert entry.action == "audit.anonymous_refusals_purged"
    assert entry.detail["rows"] == 1


def test_the_summary_totals_every_client_even_past_the_top_rows(world):
    from tanhua.audit.forms import AuditFilterForm
    from tanhua.audit.refusals import TOP_CLIENTS, summarize

    now = timezone.now()
    for i in range(TOP_CLIENTS + 5):
        for _ in range(1 + (i == 0)):
            services.count_anonymous_refusal(client=f"192.0.2.{i}", kind="not_found", at=now)
    summary = summarize(
        AnonymousRefusal.objects.visible_to(world.users["auditor"]), AuditFilterForm()
    )
    assert len(summary.rows) == TOP_CLIENTS
    assert summary.rows[0]["client"] == "192.0.2.0" and summary.rows[0]["total"] == 2
    assert (summary.total, summary.clients) == (TOP_CLIENTS + 6, TOP_CLIENTS + 5)


def test_the_command_line_purges_counts_past_retention(db, settings, capsys):
    from django.core.management import call_command

    settings.AUDIT_RETENTION_DAYS = 180
    old = timezone.now() - dt.timedelta(days=200)
    services.count_anonymous_refusal(client="b", kind=RefusalKind.NOT_FOUND, at=old)
    call_command("audit", "purge-refusals")
    assert "已删除 1 条超过保留期的匿名访问被拒计数" in capsys.readouterr().out
    assert not AnonymousRefusal.objects.exists()
