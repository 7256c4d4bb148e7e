"""The panel's arithmetic, similarity, the ecology index and the candidates: no database."""

import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from tanhua.portrait import candidates, ecology, panel
from tanhua.portrait.similarity import Corpus


def test_rank_and_z_score_read_the_direction():
    orgs = np.array([1, 2, 3, 4])
    values = np.array([10.0, 20.0, 30.0, 40.0])
    up = panel.standings("higher_better", orgs, values)
    down = panel.standings("lower_better", orgs, values)
    assert [up[o].rank for o in (1, 2, 3, 4)] == [4, 3, 2, 1]
    assert [down[o].rank for o in (1, 2, 3, 4)] == [1, 2, 3, 4]
    assert up[4].z == pytest.approx(1.342, abs=1e-3)
    assert up[4].standing > 0 and down[4].standing < 0
    assert down[4].z == up[4].z


def test_ties_share_the_best_rank_and_equal_values_have_zero_z():
    s = panel.standings("higher_better", np.array([1, 2, 3]), np.array([5.0, 5.0, 1.0]))
    assert (s[1].rank, s[2].rank, s[3].rank) == (1, 1, 3)
    flat = panel.standings("higher_better", np.array([1, 2]), np.array([5.0, 5.0]))
    assert flat[1].z == 0


def test_a_rebound_is_an_improvement_then_a_worsening():
    assert panel.rebound("lower_better", [50, 40, 45])  # PM2.5 down, then up again
    assert not panel.rebound("lower_better", [50, 45, 40])
    assert panel.rebound("higher_better", [80, 90, 85])
    assert not panel.rebound("higher_better", [90, 80, 85])
    assert not panel.rebound("higher_better", [80, 90])


def test_shortfall_is_zero_when_the_target_is_met():
    assert panel.shortfall("higher_better", 80, 90) == 10
    assert panel.shortfall("higher_better", 95, 90) == 0
    assert panel.shortfall("lower_better", 45, 35) == 10
    assert panel.shortfall("lower_better", 45, None) == 0


def test_similar_texts_are_repeated_and_different_ones_are_not():
    corpus = Corpus(
        [
            "县城生活污水处理设施建设滞后，黑臭水体整治不到位",
            "黑臭水体整治不到位，生活污水处理设施建设进度滞后",
            "干部选拔任用程序不规范，动议环节把关不严",
        ]
    )
    pairs = corpus.similar([1, 2], [0])
    assert [(a, b) for a, b, _s in pairs] == [(1, 0)]
    assert pairs[0][2] >= 0.5


def test_a_scheme_must_add_up_to_100_with_ordered_thresholds():
    W = ecology.WeightDraft
    rows, green, yellow = ecology.clean_scheme(
        [W(1, "60", "positive"), W(2, "40", "negative")], "80", "60"
    )
    assert sum(v for _i, v, _s in rows) == 100 and green > yellow
    with pytest.raises(ValidationError, match="之和须为100"):
        ecology.clean_scheme([W(1, "60", "positive"), W(2, "30", "negative")], "80", "60")
    with pytest.raises(ValidationError, match="黄色下限 < 绿色下限"):
        ecology.clean_scheme([W(1, "100", "positive")], "60", "80")
    with pytest.raises(ValidationError, match="不是数字"):
        ecology.clean_scheme([W(1, "abc", "positive")], "80", "60")
    with pytest.raises(ValidationError, match="只能出现一次"):
        ecology.clean_scheme([W(1, "50", "positive"), W(1, "50", "positive")], "80", "60")


def test_the_index_earns_positive_points_and_deducts_negative_ones():
    items = [
        {"weight": 60, "sign": "positive", "goodness": 1.0},
        {"weight": 40, "sign": "negative", "goodness": 0.5},
    ]
    out = ecology.index(items, 80, 60)
    assert (out["positive"], out["deduction"], out["index"]) == (60, 20, 80)
    assert out["colour"] == "green"
    assert ecology.colour(79.9, 80, 60) == "yellow"
    assert ecology.colour(59, 80, 60) == "red"


def _data(items, indicators=(), repeated=()):
    return {
        "locality": {"name": "甲县"},
        "indicators": list(indicators),
        "findings": {
            "items": items,
            "open": [i["id"] for i in items],
            "repeated": [{"id": r, "earlier": 99, "similarity": 0.8} for r in repeated],
        },
    }


def _finding(pk, area, source="inspection", severity=3, date="2026-04-01"):
    return {"id": pk, "code": f"F{pk}", "date": date, "source": source, "severity": severity,
            "focus_area": area, "text": "问题描述"}  # fmt: skip


AS_OF = dt.date(2026, 5, 1)


def test_candidates_cover_distinct_focus_areas_and_explain_their_score():
    items = [
        _finding(1, "A2"), _finding(2, "A2", "audit"), _finding(3, "A2", "petition"),
        _finding(4, "A3", severity=2), _finding(5, "A4", "audit"),
        _finding(6, "A1", severity=1, date="2025-06-01"),
    ]  # fmt: skip
    cands = candidates.rank(_data(items, repeated=[1]), AS_OF)
    chosen = [c for c in cands if c["chosen"]]
    assert 3 <= len(chosen) <= 4
    assert len({c["focus_area"] for c in chosen}) == len(chosen)
    assert chosen[0]["focus_area"] == "A2"  # most severe, three sources, a repetition
    parts = {p["name"]: p for p in chosen[0]["parts"]}
    assert set(parts) == {"severity", "recency", "corroboration", "gap", "repetition"}
    assert parts["repetition"]["points"] > 0 and "屡查屡犯" in parts["repetition"]["why"]
    assert chosen[0]["score"] == pytest.approx(sum(p["points"] for p in parts.values()), abs=0.2)
    assert "屡查屡犯" in chosen[0]["statement"]
    weak = [c for c in cands if not c["chosen"]]
    assert all(c["left_out"] for c in weak)


def test_a_weak_candidate_is_left_out_as_not_pointed_enough():
    cands = candidates.rank(_data([_finding(1, "A1", severity=1, date="2024-01-01")]), AS_OF)
    assert not cands[0]["chosen"]
    assert "不痛不痒" in cands[0]["left_out"]


def test_a_rebounding_indicator_is_a_candidate_of_its_own():
    row = {
        "indicator": 7, "code": "PM25", "name": "PM2.5年均浓度", "unit": "μg/m³",
        "direction": "lower_better", "focus_area": "A1", "period": "2025", "latest": 45.0,
        "target": 35.0, "shortfall": 10.0, "gap_ratio": 0.2857, "rebound": True, "rank": 9,
        "peers": 10, "standing": -1.8, "value_id": 70, "series": [["2023", 50, 35, 68],
        ["2024", 40, 35, 69], ["2025", 45, 35, 70]],
    }  # fmt: skip
    cands = candidates.rank(_data([], indicators=[row]), AS_OF)
    assert cands[0]["kind"] == "indicator" and cands[0]["chosen"]
    assert "反弹" in cands[0]["statement"] and cands[0]["values"] == [68, 69, 70]
