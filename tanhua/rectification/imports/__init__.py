"""The rectification import kind (DESIGN §6): `measures`, an existing 整改台账. Registered with
the generic pipeline in tanhua.exchange from RectificationConfig.ready()."""

from __future__ import annotations


def register_kinds() -> None:
    from tanhua.exchange import schema

    from .measures import MeasuresKind

    schema.register(MeasuresKind())
