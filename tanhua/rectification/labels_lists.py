"""The Chinese labels of this app's audit actions and object types (see tanhua.audit.labels)."""

from __future__ import annotations


def register() -> None:
    pass
