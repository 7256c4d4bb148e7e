"""The registry's import kinds (DESIGN §6): organizations, cadres and positions. Each kind is
one module here; `register_kinds()` (called from OrgConfig.ready) hands them to the generic
pipeline in tanhua.exchange."""

from __future__ import annotations


def register_kinds() -> None:
    from tanhua.exchange import schema

    from .cadres import CadresKind
    from .organizations import OrganizationsKind
    from .positions import PositionsKind

    schema.register(OrganizationsKind(), CadresKind(), PositionsKind())
