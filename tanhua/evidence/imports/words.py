"""The accepted spellings of evidence enumerations and numbers in import files, and the
cleaners shared by the kinds (pure functions: tested with hypothesis)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from tanhua.evidence.models import Direction, Source
from tanhua.exchange.plan import Planner, Rec
from tanhua.exchange.schema import Column
from tanhua.exchange.tables import cell_text
from tanhua.talks.models import FocusArea

DIRECTION_WORDS = {
    **{v: v for v in Direction.values},
    "越高越好": Direction.HIGHER_BETTER,
    "越低越好": Direction.LOWER_BETTER,
    "正向": Direction.HIGHER_BETTER,
    "逆向": Direction.LOWER_BETTER,
    "负向": Direction.LOWER_BETTER,
}
SOURCE_WORDS = {
    **{v: v for v in Source.values},
    **{str(label): value for value, label in Source.choices},
}
SEVERITY_WORDS = {
    "1": 1,
    "2": 2,
    "3": 3,
    "low": 1,
    "medium": 2,
    "high": 3,
    "低": 1,
    "轻": 1,
    "一般": 1,
    "中": 2,
    "较重": 2,
    "高": 3,
    "重": 3,
    "严重": 3,
}
# The largest magnitude a value column holds (DecimalField(20, 4)): 16 digits before the point.
MAX_INTEGER_DIGITS = 16
DECIMAL_PLACES = 4
_PERIOD_RE = re.compile(r"^\d{4}")


def parse_focus_area(text: str) -> str | None:
    """ "A1"/"a1", or a focus area's full Chinese name; None when it is neither."""
    key = (text or "").strip()
    if key.upper() in FocusArea.values:
        return key.upper()
    for value, label in FocusArea.choices:
        if key == str(label):
            return value
    return None


def parse_decimal(value: object) -> tuple[Decimal | None, str]:
    """A number from a cell: an int or float from the workbook, or text such as "1,234.5" or
    "-0.25". Returns (number, "") or (None, why) with the reason in Chinese."""
    if isinstance(value, bool):
        return None, "不是数字"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = cell_text(value).replace(",", "").replace("，", "").replace(" ", "")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, "不是数字"
    if not number.is_finite():
        return None, "不是有限的数字"
    if abs(number) >= Decimal(10) ** MAX_INTEGER_DIGITS:
        return None, f"超出范围（整数部分最多 {MAX_INTEGER_DIGITS} 位）"
    rounded = number.quantize(Decimal(1).scaleb(-DECIMAL_PLACES))
    if rounded != number:
        return None, f"小数位过多（最多 {DECIMAL_PLACES} 位）"
    return rounded, ""


def clean_focus_area(p: Planner, rec: Rec, raw: dict, col: Column) -> str | None:
    text = p.text(rec, raw, col, required=False)
    if not text:
        return "" if text == "" else None
    found = parse_focus_area(text)
    if found is None:
        p.add(rec, col.name, f"重点方面“{text}”无效，可选：A1、A2、A3、A4")
    return found


def clean_decimal(p: Planner, rec: Rec, raw: dict, col: Column, *, required: bool):
    value = raw.get(col.name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number, why = parse_decimal(value)
    else:
        text = p.text(rec, raw, col, required=required)
        if not text:
            return None
        number, why = parse_decimal(text)
    if number is None:
        label = rec.labels.get(col.name, col.label)
        p.add(rec, col.name, f"“{label}”的值“{cell_text(value)}”{why}")
    return number


def clean_period(p: Planner, rec: Rec, raw: dict, col: Column) -> str | None:
    text = p.text(rec, raw, col, required=True)
    if text and not _PERIOD_RE.match(text):
        p.add(rec, col.name, f"期间“{text}”无效：应以四位年份开头，例如 2020 或 2020H1")
        return None
    return text
