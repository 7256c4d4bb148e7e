"""Test helpers of evidence: findings and indicator values made directly (the import path is
tested on its own)."""

from __future__ import annotations

import datetime as dt
import itertools

from tanhua.core.classification import Classification
from tanhua.evidence.models import Finding, Indicator, IndicatorValue, Source

_numbers = itertools.count(1)


def make_finding(org, *, cadre=None, text="巡察发现该县落实一岗双责不到位", **fields) -> Finding:
    values = {
        "code": f"F{next(_numbers):05d}",
        "organization": org,
        "cadre": cadre,
        "source": Source.INSPECTION,
        "date": dt.date(2020, 5, 14),
        "severity": 2,
        "text": text,
        "classification": Classification.SECRET,
        **fields,
    }
    return Finding.objects.create(**values)


def make_value(org, *, code="KH", period="2020", value="88.5", target=None) -> IndicatorValue:
    indicator, _ = Indicator.objects.get_or_create(
        code=code, defaults={"name": "综合考核得分", "direction": "higher_better"}
    )
    return IndicatorValue.objects.create(
        organization=org, indicator=indicator, period=period, value=value, target=target
    )
