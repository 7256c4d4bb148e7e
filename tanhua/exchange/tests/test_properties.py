"""Property tests: whatever text a cell holds, the import answers with Problems, never a crash;
and what the template and the exports write reads back the same."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tanhua.exchange import parsers, schema
from tanhua.exchange.exports import escape_cell
from tanhua.exchange.services import ImportRejected, import_tables

from .conftest import csv_bytes, xlsx_bytes

cells = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "省", "县管", "是", "2020-02-30", "2020/5/14", "=1+1", "-", "P"]),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.none(),
)
row_of = {
    kind: st.fixed_dictionaries({c.name: cells for c in schema.COLUMNS[kind]})
    for kind in schema.KINDS
}
table_sets = st.fixed_dictionaries(
    {kind: st.lists(row_of[kind], max_size=4) for kind in schema.KINDS}
)
hypothesis_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.django_db
@hypothesis_settings
@given(table_sets)
def test_arbitrary_cells_give_problems_or_a_report_never_an_error(tables):
    try:
        report = import_tables(tables, actor=None)
    except ImportRejected as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.message and (p.row is None or p.row >= 1)
    else:
        assert sum(c.created for c in report.counts.values()) <= sum(map(len, tables.values()))


@hypothesis_settings
@given(
    st.lists(st.lists(st.text(max_size=20), max_size=6), max_size=6),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_arbitrary_csv_files_parse_into_tables_or_problems(rows, encoding):
    try:
        data = csv_bytes(rows, encoding)
    except UnicodeEncodeError:
        return
    if not data:
        return
    tables, problems, _warnings = parsers.parse(parsers.Upload("cadres.csv", data))
    assert tables or problems


@hypothesis_settings
@given(st.binary(max_size=300))
def test_arbitrary_bytes_named_xlsx_are_refused_cleanly(data):
    tables, problems, _warnings = parsers.parse(parsers.Upload("x.xlsx", data))
    assert not tables and problems


@hypothesis_settings
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True),
            st.text(
                alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]),
                min_size=1,
                max_size=30,
            )
            .map(str.strip)
            .filter(bool),
            st.sampled_from(schema.DROPDOWNS["tier"]),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_filled_in_template_reads_back_cell_for_cell(rows):
    header = [c.label for c in schema.COLUMNS["cadres"]]
    body = [[code, escape_cell(name), tier, ""] for code, name, tier in rows]
    (table,), problems, _ = parsers.parse(
        parsers.Upload("t.xlsx", xlsx_bytes({"干部": [header, *body]}))
    )
    assert problems == []
    assert table.row_numbers == list(range(2, len(rows) + 2))
    assert [r["name"] for r in table.rows] == [escape_cell(name) for _c, name, _t in rows]


def test_dates_parse_only_when_real():
    assert schema.parse_date("2020-02-29") == dt.date(2020, 2, 29)
    assert schema.parse_date("2021-02-29") is None
    assert schema.parse_date("2020年13月1日") is None


codes = st.sampled_from(["A", "B", "C", "D", "1001"])
near_valid = st.fixed_dictionaries(
    {
        "organizations": st.lists(
            st.fixed_dictionaries(
                {
                    "code": codes,
                    "name": st.sampled_from(["甲", "乙", "=x", "@y"]),
                    "level": st.sampled_from(["省", "市", "县", "乡", "city"]),
                    "parent_code": st.one_of(st.just(""), codes),
                }
            ),
            max_size=5,
        ),
        "cadres": st.lists(
            st.fixed_dictionaries(
                {
                    "code": st.sampled_from(["G1", "G2"]),
                    "name": st.just("丙"),
                    "tier": st.sampled_from(["省管", "县管"]),
                }
            ),
            max_size=2,
        ),
        "positions": st.lists(
            st.fixed_dictionaries(
                {
                    "cadre_code": st.sampled_from(["G1", "G2"]),
                    "org_code": codes,
                    "title": st.sampled_from(["书记", "委员"]),
                    "principal": st.sampled_from(["是", "否"]),
                    "start": st.sampled_from(["2020-01-01", "2021/2/3"]),
                    "end": st.sampled_from(["", "2022-01-01", "2019-01-01"]),
                }
            ),
            max_size=3,
        ),
    }
)


@pytest.mark.django_db
@hypothesis_settings
@given(st.lists(near_valid, min_size=1, max_size=3))
def test_successive_imports_keep_the_tree_consistent_and_repeat_as_no_ops(imports):
    from tanhua.org.models import LEVEL_RANK, Organization

    for tables in imports:
        try:
            import_tables(tables, actor=None)
        except ImportRejected:
            event("rejected")
            continue
        event("applied")
        assert import_tables(tables, actor=None).changed == 0
        by_pk = {o.pk: o for o in Organization.objects.all()}
        for o in by_pk.values():
            parent = by_pk.get(o.parent_id)
            assert o.path == Organization.build_path(parent.path if parent else None, o.code)
            assert o.depth == o.path.count("/") - 2
            if parent:
                assert LEVEL_RANK[o.level] > LEVEL_RANK[parent.level]
