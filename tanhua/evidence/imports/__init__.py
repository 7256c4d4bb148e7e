"""The evidence import kinds (DESIGN §6): indicators, indicator_values and findings. Each kind
is one module here; `register_kinds()` (called from EvidenceConfig.ready) hands them to the
generic pipeline in tanhua.exchange, exactly as the registry's kinds (tanhua/org/imports/)."""

from __future__ import annotations


def register_kinds() -> None:
    from tanhua.exchange import schema

    from .findings import FindingsKind
    from .indicators import IndicatorsKind, IndicatorValuesKind

    schema.register(IndicatorsKind(), IndicatorValuesKind(), FindingsKind())
