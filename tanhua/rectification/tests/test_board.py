"""The four-colour board, the measures behind each cell and the 三查三问 view: counts only of
the viewer's measures, one grouped query however many rows, cells that click through."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tanhua.audit.models import AuditEntry
from tanhua.core.testing import add_scope_probes, build_world
from tanhua.rectification import board as agg
from tanhua.rectification.models import Measure
from tanhua.rectification.testing import MeasureSpec, ProblemSpec, make_plan
from tanhua.rectification.testing_track import measures_world
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 1)


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    w = add_talks(add_scope_probes(build_world()))
    w.measures = measures_world(w, TODAY)
    # Hidden from commission_c1: the 机密 subject's and the declared subject's measures.
    make_plan(w.talks["secret"], [ProblemSpec(measures=[MeasureSpec(text="机密举措")])])
    make_plan(w.talks["declared"], [ProblemSpec(measures=[MeasureSpec(text="回避举措")])])
    return w


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_board_counts_each_colour_of_the_measures_the_viewer_sees(world):
    qs = Measure.objects.visible_to(world.users["commission_c1"])
    data = agg.board(qs, group="committee", today=TODAY)
    assert [r.label for r in data.rows] == ["东城市委"]
    # k11: soon, warn (yellow), late (red), done (green), long (blue), waiting (yellow).
    assert data.rows[0].counts == {"green": 1, "yellow": 3, "red": 1, "blue": 1}


def test_the_province_sees_both_cities_and_its_own_confidential_subject(world):
    qs = Measure.objects.visible_to(world.users["commission_p"])
    data = agg.board(qs, group="committee", today=TODAY)
    assert {r.label for r in data.rows} == {"东城市委", "西城市委"}
    assert data.total == 9  # six of k11, the 机密 and the declared talks' two, C2's one


def test_the_board_never_counts_past_scope_clearance_or_a_declared_conflict(world):
    response = _client(world.users["commission_c1"]).get(
        reverse("rectification:board"), {"group": "subject"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "甲县书记戊" in body
    for hidden in ("机密干部庚", "回避干部壬", "西城副市长癸"):
        assert hidden not in body


def test_each_cell_clicks_through_to_its_measures(world):
    client = _client(world.users["commission_c1"])
    page = client.get(reverse("rectification:board"), {"group": "subject"})
    red = page.context["page"][0].cells[2]
    assert red[0] == "red" and red[1] == 1
    listed = client.get(red[2])
    assert [m.text for m in listed.context["page"]] == ["整治文山会海"]


def test_the_board_filters_by_focus_area_and_unit(world):
    client = _client(world.users["commission_p"])
    by_area = client.get(reverse("rectification:board"), {"focus_area": "A2"})
    assert by_area.context["board"].total == 1  # C2's
    by_unit = client.get(reverse("rectification:board"), {"unit": "K11"})
    assert by_unit.context["board"].total == 8
    unknown = client.get(reverse("rectification:board"), {"unit": "NOSUCH"})
    assert "未找到编码为 NOSUCH 的单位" in unknown.content.decode()
    assert unknown.context["board"].total == 0


def test_the_board_costs_the_same_queries_with_ten_times_the_rows(world):
    client = _client(world.users["commission_p"])
    url = reverse("rectification:board")
    client.get(url, {"group": "subject"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"group": "subject"})
    for talk in ("p_gc1", "c2"):
        make_plan_more(world.talks[talk], 30)
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"group": "subject"})
    assert len(many) == len(few)


def make_plan_more(talk, n):
    from tanhua.rectification.models import Problem, RectificationPlan

    plan = RectificationPlan.objects.unscoped("test").filter(talk=talk).first() or make_plan(
        talk, []
    )
    problem = Problem.objects.create(plan=plan, focus_area="A1", text="更多")
    Measure.objects.bulk_create(
        [
            Measure(
                problem=problem, text=f"更多{i}", deadline=TODAY, original_deadline=TODAY,
                owner_cadre_id=talk.subject_id, campaign_id=talk.campaign_id, talk=talk,
                subject_id=talk.subject_id, subject_org_id=talk.subject_org_id, focus_area="A1",
            )
            for i in range(n)
        ]
    )  # fmt: skip


def test_the_measure_list_costs_the_same_queries_with_more_rows(world):
    client = _client(world.users["commission_p"])
    url = reverse("rectification:track_measures")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    make_plan_more(world.talks["c2"], 30)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_sancha_shows_each_units_open_overdue_and_closed(world):
    client = _client(world.users["commission_c1"])
    page = client.get(reverse("rectification:sancha"), {"units": "K11, C2 T111"})
    rows = {r.unit.code: (r.open, r.overdue, r.closed) for r in page.context["rows"]}
    # K11: soon, warn, late, long, waiting open; late and waiting overdue; done closed.
    assert rows == {"K11": (5, 2, 1), "T111": (0, 0, 0)}
    assert "未找到编码为 C2 的单位" in page.content.decode()


def test_sancha_exports_an_audited_watermarked_escaped_workbook(world):
    m = world.measures["soon"]
    Measure.objects.unscoped("test").filter(pk=m.pk).update(text="=HYPERLINK(1)")
    client = _client(world.users["commission_c1"])
    response = client.get(reverse("rectification:sancha"), {"units": "K11", "export": "xlsx"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "导出人：commission_c1" in cells[1] or any("commission_c1" in str(c) for c in cells)
    assert "'=HYPERLINK(1)" in cells
    assert "机密举措" not in cells and "回避举措" not in cells
    assert AuditEntry.objects.filter(action="export").exists()
