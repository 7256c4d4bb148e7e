"""The import contract of DESIGN §6 for the kinds this app imports: sheet and file names,
columns (English and Chinese headers), and the accepted spellings of each enumeration."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tanhua.org.models import Gender, Level, Tier

ORGANIZATIONS, CADRES, POSITIONS = "organizations", "cadres", "positions"
KINDS = (ORGANIZATIONS, CADRES, POSITIONS)
KIND_LABELS = {ORGANIZATIONS: "组织", CADRES: "干部", POSITIONS: "职务"}

# Later issues import these; until then they are refused by name, never silently skipped.
LATER_KINDS = {
    "indicators": "indicators",
    "指标": "indicators",
    "indicator_values": "indicator_values",
    "指标值": "indicator_values",
    "findings": "findings",
    "问题": "findings",
    "measures": "measures",
    "整改台账": "measures",
    "talks": "talks",
    "谈话": "talks",
    "谈话台账": "talks",
}


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    required: bool = True
    max_length: int | None = None


COLUMNS: dict[str, tuple[Column, ...]] = {
    ORGANIZATIONS: (
        Column("code", "编码", max_length=32),
        Column("name", "名称", max_length=100),
        Column("level", "层级"),
        Column("parent_code", "上级编码", max_length=32),
        Column("kind", "类型", required=False, max_length=32),
    ),
    CADRES: (
        Column("code", "干部编号", max_length=32),
        Column("name", "姓名", max_length=50),
        Column("tier", "管理层级"),
        Column("gender", "性别", required=False),
    ),
    POSITIONS: (
        Column("cadre_code", "干部编号", max_length=32),
        Column("org_code", "组织编码", max_length=32),
        Column("title", "职务", max_length=100),
        Column("principal", "是否一把手"),
        Column("start", "任职日期"),
        Column("end", "免职日期", required=False),
    ),
}

LEVEL_WORDS = {
    **{v: v for v in Level.values},
    "省": Level.PROVINCE,
    "市": Level.CITY,
    "县": Level.COUNTY,
    "乡": Level.TOWNSHIP,
}
TIER_WORDS = {
    **{v: v for v in Tier.values},
    "中管": Tier.CENTRAL,
    "省管": Tier.PROVINCIAL,
    "市管": Tier.CITY,
    "县管": Tier.COUNTY,
}
GENDER_WORDS = {
    "male": Gender.MALE,
    "female": Gender.FEMALE,
    "男": Gender.MALE,
    "女": Gender.FEMALE,
}
BOOL_WORDS = {
    "yes": True,
    "no": False,
    "是": True,
    "否": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
}
# The dropdowns of the template offer the Chinese spelling of each enumeration.
DROPDOWNS = {
    "level": ["省", "市", "县", "乡"],
    "tier": ["中管", "省管", "市管", "县管"],
    "principal": ["是", "否"],
    "gender": ["男", "女"],
}


def kind_of(name: str) -> str | None:
    """The kind a sheet or file stem names ("organizations", "组织"), if any."""
    key = name.strip().lower()
    for kind in KINDS:
        if key in (kind, KIND_LABELS[kind]):
            return kind
    return None


def later_kind_of(name: str) -> str | None:
    return LATER_KINDS.get(name.strip().lower())


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", text).strip("*＊").lower()


def column_for(kind: str, header: str) -> Column | None:
    """The column a header names: its English name or its Chinese label, also written as
    "编码(code)" or "code（编码）" as some templates do."""
    key = _header_key(header)
    candidates = [key, *[p for p in re.split(r"[()（）]", key) if p]]
    for column in COLUMNS[kind]:
        if column.name in candidates or _header_key(column.label) in candidates:
            return column
    return None


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


def parse_date(value: object) -> dt.date | None:
    """2020-05-14, 2020/5/14, 2020年5月14日 or a date cell; None when not a real date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_RE.match(str(value).strip())
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
