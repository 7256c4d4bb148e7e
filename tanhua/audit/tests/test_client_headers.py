"""Headers a client sends are not believed (issue 6, item 8): X-Forwarded-For only from the
proxies listed in TANHUA_TRUSTED_PROXIES, walked from the right; the request id is the
server's own, a client's id kept beside it in the entry, marked as the client's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from tanhua.audit import services
from tanhua.audit.models import AuditEntry
from tanhua.audit.testing import tamper
from tanhua.audit.verify import verify
from tanhua.core.middleware import client_ip
from tanhua.settings import env_networks

SERVER_ID = re.compile(r"^[0-9a-f]{32}$")


def _ip(settings, proxies: list[str], remote: str, forwarded: str | None = None) -> str:
    settings.TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_a_forwarded_address_from_a_peer_that_is_no_trusted_proxy_is_ignored(settings):
    assert _ip(settings, [], "203.0.113.9", "10.0.0.1") == "203.0.113.9"
    assert _ip(settings, ["10.0.0.0/8"], "203.0.113.9", "10.0.0.1") == "203.0.113.9"


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(settings):
    assert _ip(settings, ["127.0.0.1"], "127.0.0.1", "198.51.100.7") == "198.51.100.7"


def test_a_spoofed_hop_left_of_the_proxys_own_is_not_believed(settings):
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
    assert _ip(settings, ["127.0.0.1"], "127.0.0.1", "1.2.3.4, 198.51.100.7") == "198.51.100.7"


def test_the_forwarded_chain_is_walked_from_the_right_past_every_trusted_hop(settings):
    proxies = ["127.0.0.1", "10.20.0.0/16"]
    chain = "1.2.3.4, 198.51.100.7, 10.20.3.4, 10.20.9.9"
    assert _ip(settings, proxies, "127.0.0.1", chain) == "198.51.100.7"


def test_when_every_hop_is_trusted_the_leftmost_is_the_client(settings):
    assert _ip(settings, ["10.0.0.0/8"], "10.0.0.1", "10.1.1.1, 10.2.2.2") == "10.1.1.1"


def test_a_malformed_hop_stops_the_walk_at_the_last_address_known_good(settings):
    proxies = ["127.0.0.1", "10.0.0.0/8"]
    assert _ip(settings, proxies, "127.0.0.1", "evil<script>, 10.0.0.5") == "10.0.0.5"
    assert _ip(settings, proxies, "127.0.0.1", "") == "127.0.0.1"
    assert _ip(settings, proxies, "127.0.0.1", "x" * 5000) == "127.0.0.1"


def test_ipv6_proxies_and_clients_are_understood(settings):
    assert _ip(settings, ["::1"], "::1", "2001:db8::7") == "2001:db8::7"
    assert _ip(settings, ["fd00::/8"], "fd00::1", "[2001:db8::8]:4711, fd00::2") == "2001:db8::8"
    assert _ip(settings, ["127.0.0.1"], "127.0.0.1", "198.51.100.7:50123") == "198.51.100.7"


def test_the_trusted_proxies_setting_reads_addresses_and_ranges(monkeypatch):
    monkeypatch.setenv("TANHUA_TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8 ,::1")
    assert env_networks("TANHUA_TRUSTED_PROXIES") == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    monkeypatch.setenv("TANHUA_TRUSTED_PROXIES", "")
    assert env_networks("TANHUA_TRUSTED_PROXIES") == []


def test_a_bad_trusted_proxy_entry_is_refused_naming_it(monkeypatch):
    monkeypatch.setenv("TANHUA_TRUSTED_PROXIES", "127.0.0.1,nginx.local")
    with pytest.raises(ImproperlyConfigured, match=r"TANHUA_TRUSTED_PROXIES.*nginx\.local"):
        env_networks("TANHUA_TRUSTED_PROXIES")


def test_a_spoofed_forwarded_address_does_not_reach_the_trail(client, owner, settings):
    settings.TRUSTED_PROXIES = []
    client.force_login(owner)
    url = reverse("org:organization_detail", kwargs={"code": "C2"})
    client.get(url, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert AuditEntry.objects.get(action="access.denied").ip == "10.1.2.3"


def test_the_request_id_is_the_servers_own_and_the_clients_is_kept_beside_it(client, owner):
    client.force_login(owner)
    url = reverse("org:organization_detail", kwargs={"code": "C2"})
    response = client.get(url, HTTP_X_REQUEST_ID="req-abc-1")
    entry = AuditEntry.objects.get(action="access.denied")
    assert SERVER_ID.match(entry.request_id)
    assert response["X-Request-ID"] == entry.request_id
    assert entry.client_request_id == "req-abc-1"


def test_a_clients_unsafe_request_id_is_not_kept(client, owner):
    client.force_login(owner)
    url = reverse("org:organization_detail", kwargs={"code": "C2"})
    client.get(url, HTTP_X_REQUEST_ID="<script>" + "x" * 100)
    entry = AuditEntry.objects.get(action="access.denied")
    assert SERVER_ID.match(entry.request_id)
    assert entry.client_request_id == ""


def test_the_auditor_sees_the_clients_request_id_marked_as_the_clients(client, world, owner):
    client.force_login(owner)
    client.get(reverse("org:cadre_detail", kwargs={"code": "GK11"}), HTTP_X_REQUEST_ID="cli-42")
    client.force_login(world.users["auditor"])
    page = client.get(reverse("audit:log")).content.decode()
    assert "客户端提供的请求编号 cli-42" in page


def test_the_export_carries_the_clients_request_id_in_its_own_column_after_the_old_ones(
    client, world, owner, tmp_path
):
    import io

    from openpyxl import load_workbook

    client.force_login(owner)
    client.get(reverse("org:cadre_detail", kwargs={"code": "GK11"}), HTTP_X_REQUEST_ID="cli-43")
    client.force_login(world.users["auditor"])
    data = b"".join(client.get(reverse("audit:export")).streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True)["audit_log"]
    rows = list(sheet.iter_rows(values_only=True))
    # After every column older readers know (seq … mac), before the later label columns.
    assert rows[0][15] == "客户端提供的请求编号"
    assert rows[1][15] == "cli-43"


def test_the_clients_request_id_is_covered_by_the_chain(db, settings, tmp_path, rf):
    settings.AUDIT_HMAC_KEY_FILE = str(tmp_path / "audit.key")
    from tanhua.core import request_context

    request = rf.get("/", HTTP_X_REQUEST_ID="cli-7")
    request.request_id, request.client_request_id = "f" * 32, "cli-7"
    token = request_context.bind(request)
    try:
        services.record("org.update", object_id="K11")
        services.record("org.update", object_id="K12")
    finally:
        request_context.unbind(token)
    assert AuditEntry.objects.get(seq=1).client_request_id == "cli-7"
    assert verify(use_anchor=False).ok
    tamper("UPDATE audit_auditentry SET client_request_id = 'other' WHERE seq = 1")
    assert "第 1 条审计记录被篡改" in verify(use_anchor=False).problem


def test_entries_without_a_client_request_id_keep_the_mac_they_were_written_with():
    # Computed before the field existed: the chains of existing databases still verify.
    entry = AuditEntry(
        seq=7,
        at=dt.datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC),
        user_id_ref=3,
        username="commission_c1",
        roles="commission",
        ip="10.1.2.3",
        request_id="abc",
        action="org.update",
        object_type="organization",
        object_id="K11",
        object_repr="甲县",
        result="ok",
        before={"name": "旧"},
        after={"name": "新"},
        detail=None,
        prev_mac=services.GENESIS,
    )
    assert services.compute_mac(entry, b"golden-key-0123456789") == (
        "ed790f7ceb4eddb38406a94f6f1e0a668afbe431299bdb601a07f606fcf62931"
    )
