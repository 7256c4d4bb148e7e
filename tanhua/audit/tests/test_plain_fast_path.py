"""_plain skips the NUL-stripping walk when the JSON holds no NUL: its output, and so the
MAC of an entry, must stay exactly what the full walk gives (issue 7)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder

from tanhua.audit import services
from tanhua.audit.models import AuditEntry

VALUES = [
    {"objects": [{"code": "C1", "name": "东城区委", "parent": 3, "start": dt.date(2020, 5, 14)}]},
    {"name": "带\x00空字符", "nested": [{"k\x00ey": ["a\x00", 1, None, True]}]},
    {"text": "a backslash and u0000: \\u0000, not a NUL"},
    ["plain", 1.5, {"x": ""}],
]


def _reference(value):
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, allow_nan=False)
    return services._strip_nul(json.loads(text))


def test_plain_gives_what_the_full_nul_walk_gives_with_and_without_nul():
    for value in VALUES:
        assert services._plain(value) == _reference(value)
        assert json.dumps(services._plain(value)) == json.dumps(_reference(value))


def test_the_mac_of_the_same_event_is_unchanged_by_the_fast_path():
    for value in VALUES:
        fields = dict(
            seq=7,
            at=dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC),
            action="cadre.create",
            object_type="cadre",
            before=None,
            detail={"import": "cadres.csv"},
            prev_mac=services.GENESIS,
        )
        fast = AuditEntry(**fields, after=services._plain(value))
        slow = AuditEntry(**fields, after=_reference(value))
        key = b"k" * 32
        assert services.compute_mac(fast, key) == services.compute_mac(slow, key)
