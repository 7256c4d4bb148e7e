"""The query parser under any input: no crash, no SQL error, only plain words reach the
database (FTS5 MATCH syntax and tsquery operators included), on both databases."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanhua.core.testing import add_scope_probes
from tanhua.search import query, segment
from tanhua.search.testing import add_text_probes

SYNTAX = [
    *'"*()-+^:{}[],.;\'\\|&!<>~%_?/@#$=`',
    "OR", "AND", "NOT", "NEAR", "NEAR(", " ", "\t", "\n", "\x00", "违规", "形式", "ＡＮＤ",
    "tokens:", "search_fts", "'", "''", "\u200b", "\ud7ff", "🀄",
]  # fmt: skip
queries = st.lists(st.one_of(st.sampled_from(SYNTAX), st.text(max_size=8)), max_size=12).map(
    "".join
)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@given(queries)
@SETTINGS
def test_query_terms_are_only_ever_plain_words(q):
    terms = segment.query_terms(q)
    assert len(terms) <= segment.MAX_TERMS
    assert all(t and all(ch.isalnum() for ch in t) for t in terms)


@pytest.fixture
def probed(world):
    add_text_probes(add_scope_probes(world))
    return world


@given(queries, st.integers(min_value=-5, max_value=20_000))
@SETTINGS
def test_any_query_answers_without_error_and_only_with_visible_rows(probed, q, page):
    user = probed.users["commission_c1"]
    results = query.search(user, q, page=page)
    assert results.total in (0, 1)
    assert all(h.title.startswith("FTXC1") for h in results.hits)
    assert 1 <= results.page
