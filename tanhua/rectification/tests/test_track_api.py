"""The tracking API: the board, a cell's measures, 三查三问 and look-backs, under the same
scoping as the pages; a bad or hidden code is a clear Chinese answer, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest

from tanhua.core.testing import build_world
from tanhua.rectification.models import Measure, MeasureStatus
from tanhua.rectification.testing_track import measures_world
from tanhua.talks.testing import add_talks
from tanhua.talks.tests.test_api import Api

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 1)


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    w = add_talks(build_world())
    w.measures = measures_world(w, TODAY)
    return w


def test_the_board_answers_the_viewers_counts(world):
    data = Api(world.users["commission_c1"]).get("/tracking/board").json()
    assert data["totals"] == {"green": 1, "yellow": 3, "red": 1, "blue": 1}
    province = Api(world.users["commission_p"]).get("/tracking/board").json()
    assert province["total"] == 7


def test_a_cells_measures_and_a_hidden_unit(world):
    api = Api(world.users["commission_c1"])
    red = api.get("/tracking/measures", colour="red").json()
    assert [m["text"] for m in red["items"]] == ["整治文山会海"]
    hidden, unknown = (
        api.get("/tracking/measures", unit="C2"),
        api.get("/tracking/measures", unit="ZZ"),
    )
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["detail"].replace("C2", "?") == unknown.json()["detail"].replace("ZZ", "?")


def test_sancha_over_the_api(world):
    rows = Api(world.users["commission_c1"]).get("/tracking/sancha", units="K11,T111").json()
    assert rows == [
        {"code": "K11", "name": "东城甲县委", "open": 5, "overdue": 2, "closed": 1},
        {"code": "T111", "name": "甲县一乡党委", "open": 0, "overdue": 0, "closed": 0},
    ]


def test_start_a_look_back_and_fail_an_item_over_the_api(world):
    starter = Api(world.users["commission_c1"])
    made = starter.send(
        "POST",
        f"/tracking/campaigns/{world.campaigns['C1'].pk}/look-backs",
        {"title": "接口回头看", "sample_size": 1, "seed": 5},
    )
    assert made.status_code == 201, made.content
    item = made.json()["items"][0]
    checker = Api(world.users["organization_c1"])
    answer = checker.send(
        "POST",
        f"/tracking/look-back-items/{item['id']}/verify",
        {"result": "failed", "note": "未见成效"},
    )
    assert answer.status_code == 200 and answer.json()["result"] == "failed"
    measure = Measure.objects.unscoped("test").get(pk=item["measure_id"])
    assert measure.status == MeasureStatus.IN_PROGRESS and measure.reopened == 1
    again = checker.send(
        "POST", f"/tracking/look-back-items/{item['id']}/verify", {"result": "passed"}
    )
    assert again.status_code in (400, 422) and "已复查" in again.content.decode()
    listed = starter.get(f"/tracking/look-backs/{made.json()['id']}").json()
    assert listed["items"][0]["note"] == "未见成效"


def test_a_failure_without_a_reason_is_refused_in_chinese(world):
    starter = Api(world.users["commission_c1"])
    made = starter.send(
        "POST",
        f"/tracking/campaigns/{world.campaigns['C1'].pk}/look-backs",
        {"title": "接口回头看", "sample_size": 1, "seed": 5},
    ).json()
    answer = Api(world.users["organization_c1"]).send(
        "POST", f"/tracking/look-back-items/{made['items'][0]['id']}/verify", {"result": "failed"}
    )
    assert answer.status_code in (400, 422) and "写明理由" in answer.content.decode()


def test_an_out_of_scope_campaign_answers_404(world):
    answer = Api(world.users["commission_c1"]).send(
        "POST",
        f"/tracking/campaigns/{world.campaigns['C2'].pk}/look-backs",
        {"title": "越权", "sample_size": 1},
    )
    assert answer.status_code == 404
