"""The landing page as each role's work page: what waits for me, my next talks, my
campaigns' progress. `core` knows no later stage of the year; each app registers the panels
it contributes (as import kinds register with `exchange`), and the home page shows those
that have something for the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Panel:
    """One block of the work page: a template and its context, in `order`."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


PanelSource = Callable[[object], list[Panel]]
_sources: list[PanelSource] = []


def register(source: PanelSource) -> PanelSource:
    """Register a function user → panels (empty when nothing applies to that user)."""
    if source not in _sources:
        _sources.append(source)
    return source


def panels_for(user) -> list[Panel]:
    out: list[Panel] = []
    for source in _sources:
        out.extend(source(user))
    return sorted(out, key=lambda p: p.order)
