"""The kinds of record an attachment may belong to, registered by the apps that own them.

`files` is a shared service below the year's apps (DESIGN §9): it cannot import findings,
material requests or talks. So an attachment names its owner as (kind, id), and each owning
app registers its kind here with two functions of its own scoping layer:

- `visible(user)`: a queryset of the owners the user may see — an attachment is visible
  exactly where its owner is (out of scope answers 404 like absent);
- `can_attach(user, owner)`: whether the user may add a file to that owner.

The owning app registers from its AppConfig.ready(), as import kinds register with exchange.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class OwnerKind:
    code: str
    label: str | Promise
    visible: Callable[[object], object]
    can_attach: Callable[[object, object], bool]


_KINDS: dict[str, OwnerKind] = {}


def register_owner(
    code: str,
    label: str | Promise,
    *,
    visible: Callable[[object], object],
    can_attach: Callable[[object, object], bool],
) -> None:
    _KINDS[code] = OwnerKind(code, label, visible, can_attach)


def owner_kind(code: str) -> OwnerKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"no attachment owner kind {code!r} is registered") from None


def owner_kinds() -> list[OwnerKind]:
    return [_KINDS[k] for k in sorted(_KINDS)]
