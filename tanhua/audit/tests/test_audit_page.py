"""The audit administrator's page: search, pagination, the xlsx export, and who may see it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tanhua.audit import services
from tanhua.audit.models import AuditEntry, Result
from tanhua.audit.views import ENTRIES_PER_PAGE

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


@pytest.fixture
def auditor_client(client, world):
    client.force_login(world.users["auditor"])
    return client


@pytest.fixture
def trail(world):
    """A small trail: two users, several actions and objects, one failure, one old entry."""
    owner, colleague = world.users["commission_c1"], world.users["organization_c1"]
    services.record("org.update", object_type="organization", object_id="K11", actor=owner)
    services.record("cadre.read", object_type="cadre", object_id="GK11", actor=owner)
    services.record("cadre.read", object_type="cadre", object_id="GC1", actor=colleague)
    services.record(
        "auth.login", object_type="user", object_id="x", result=Result.FAILED, actor=None
    )
    services.record(
        "org.create",
        object_type="organization",
        object_id="K12",
        object_repr="@SUM(A1:A9)",
        actor=colleague,
    )
    services.record(
        "org.create",
        object_type="organization",
        object_id="OLD",
        actor=colleague,
        at=timezone.now() - dt.timedelta(days=40),
    )


def _seqs(response) -> list[int]:
    return [e.seq for e in response.context["page"].object_list]


def test_the_auditor_sees_the_trail_newest_first(auditor_client, trail):
    response = auditor_client.get(LOG)
    assert response.status_code == 200
    seqs = _seqs(response)
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == AuditEntry.objects.count()
    assert "审计日志" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected_ids"),
    [
        ({"user": "organization"}, {"GC1", "K12", "OLD"}),
        ({"action": "cadre."}, {"GK11", "GC1"}),
        ({"action": "org.create"}, {"K12", "OLD"}),
        ({"object_type": "cadre", "object_id": "GC1"}, {"GC1"}),
        ({"result": "failed"}, {"x"}),
        ({"user": "commission_c1", "action": "org."}, {"K11"}),
    ],
)
def test_the_auditor_filters_by_user_object_action_and_result(
    auditor_client, trail, query, expected_ids
):
    response = auditor_client.get(LOG, query)
    ids = {e.object_id for e in response.context["page"].object_list}
    assert ids == expected_ids


def test_the_auditor_filters_by_time_range(auditor_client, trail):
    today = timezone.localdate()
    old_day = today - dt.timedelta(days=40)
    recent = auditor_client.get(LOG, {"since": today.isoformat(), "action": "org.create"})
    assert {e.object_id for e in recent.context["page"].object_list} == {"K12"}
    old = auditor_client.get(LOG, {"since": old_day.isoformat(), "until": old_day.isoformat()})
    assert {e.object_id for e in old.context["page"].object_list} == {"OLD"}


def test_a_bad_range_is_explained_and_shows_nothing(auditor_client, trail):
    response = auditor_client.get(LOG, {"since": "2026-03-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert "起始日期不能晚于截止日期" in response.content.decode()
    assert _seqs(response) == []
    bad = auditor_client.get(LOG, {"since": "yesterday"})
    assert "请输入有效日期" in bad.content.decode()


def test_htmx_gets_only_the_results_partial(auditor_client, trail):
    response = auditor_client.get(LOG, {"action": "cadre."}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="audit-entries"' in body
    assert "GK11" in body and "K12" not in body
    # The export link carries the current filter.
    assert f"{EXPORT}?action=cadre." in body


def test_the_page_is_paginated(auditor_client, world):
    services.record_many(
        [services.Event(action="org.update", object_id=str(i)) for i in range(ENTRIES_PER_PAGE + 5)]
    )
    first = auditor_client.get(LOG)
    second = auditor_client.get(LOG, {"page": 2})
    assert len(_seqs(first)) == ENTRIES_PER_PAGE
    assert len(_seqs(second)) == 5
    assert min(_seqs(first)) > max(_seqs(second))


def test_everybody_but_the_auditor_gets_404(client, world):
    for name, user in world.users.items():
        if name == "auditor":
            continue
        client.force_login(user)
        assert client.get(LOG).status_code == 404, name
        assert client.get(EXPORT).status_code == 404, name
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_page_costs_the_same_queries_for_few_and_many_entries(
    auditor_client, world, django_assert_max_num_queries
):
    services.record("org.update")
    with django_assert_max_num_queries(10) as few:
        auditor_client.get(LOG, {"user": "", "action": "org"})
    services.record_many([services.Event(action="org.update", detail={"i": i}) for i in range(120)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        auditor_client.get(LOG, {"user": "", "action": "org"})


def _workbook_rows(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(data), read_only=True)["audit_log"]
    return list(ws.iter_rows(values_only=True))


def test_the_export_is_an_xlsx_of_the_filtered_entries_and_is_itself_audited(auditor_client, trail):
    response = auditor_client.get(EXPORT, {"user": "organization"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    rows = _workbook_rows(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "序号" and header[2] == "用户"
    expected = AuditEntry.objects.filter(username__icontains="organization").order_by("seq")
    assert [r[0] for r in body] == [e.seq for e in expected]
    assert [r[8] for r in body] == [e.object_id for e in expected]
    assert {r[2] for r in body} == {"organization_c1"}
    # An organization's name is business data: not the auditor's (the command line's export
    # keeps it, and neutralises formulas: test_anchor_and_command).
    assert [r[9] for r in body] == [None, None, None]
    export = AuditEntry.objects.get(action="export")
    assert export.username == "auditor" and export.object_type == "audit_log"
    assert export.detail == {"rows": 3, "format": "xlsx", "filters": {"user": "organization"}}
    assert export.seq > max(e.seq for e in expected)


def test_the_export_refuses_a_bad_filter_and_delivers_nothing(auditor_client, trail):
    response = auditor_client.get(EXPORT, {"since": "2026-03-01", "until": "2026-01-01"})
    assert response.status_code == 400
    assert "起始日期不能晚于截止日期" in response.content.decode()
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_export_costs_the_same_queries_for_few_and_many_entries(
    auditor_client, world, django_assert_max_num_queries
):
    services.record("org.update")
    with django_assert_max_num_queries(14) as few:
        b"".join(auditor_client.get(EXPORT).streaming_content)
    services.record_many([services.Event(action="org.update") for _ in range(300)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = _workbook_rows(auditor_client.get(EXPORT))
    assert len(rows) == 1 + AuditEntry.objects.count() - 1  # all but the second export


@pytest.mark.parametrize(
    "query", [{"since": "0001-01-01"}, {"until": "9999-12-31"}, {"since": "9999-12-31"}]
)
def test_dates_at_the_edge_of_the_calendar_are_not_a_server_error(auditor_client, trail, query):
    assert auditor_client.get(LOG, query).status_code == 200
    assert auditor_client.get(EXPORT, query).status_code == 200
