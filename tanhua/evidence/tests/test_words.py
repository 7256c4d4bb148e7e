"""The cleaners of evidence cells: numbers, focus areas (hypothesis where the input space is
large)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tanhua.evidence.imports.words import parse_decimal, parse_focus_area

decimals = st.decimals(
    min_value=Decimal("-999999999999.9999"), max_value=Decimal("999999999999.9999"), places=4,
    allow_nan=False, allow_infinity=False,
)  # fmt: skip


@given(decimals)
def test_a_number_written_as_text_reads_back_exactly(number):
    assert parse_decimal(str(number)) == (number, "")
    assert parse_decimal(f"{number:,}") == (number, "")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 2)))
def test_a_workbook_float_reads_as_its_shortest_decimal(value):
    number, why = parse_decimal(value)
    assert why == "" and float(number) == value


@given(st.text())
def test_any_text_is_a_number_or_a_chinese_reason_never_an_exception(text):
    number, why = parse_decimal(text)
    assert (number is None) == bool(why)
    if why:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in why)


def test_numbers_out_of_range_or_too_precise_are_refused():
    assert parse_decimal("1e20")[1] == "超出范围（整数部分最多 16 位）"
    assert parse_decimal("0.00001")[1] == "小数位过多（最多 4 位）"
    assert parse_decimal("NaN")[1] == "不是有限的数字"
    assert parse_decimal(True)[1] == "不是数字"


@given(st.sampled_from(["A1", "a2", " A3 ", "a4"]))
def test_a_focus_area_code_reads_in_either_case(text):
    assert parse_focus_area(text) == text.strip().upper()


def test_a_focus_area_reads_by_its_full_chinese_name_and_nothing_else():
    assert parse_focus_area("构建亲清新型政商关系") == "A4"
    assert parse_focus_area("A5") is None
    assert parse_focus_area("亲清") is None
