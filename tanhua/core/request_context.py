"""The current request, for services that record who did what (audit) without threading it."""

from __future__ import annotations

import contextvars
from typing import Any

_current: contextvars.ContextVar[Any] = contextvars.ContextVar("tanhua_request", default=None)


def bind(request) -> contextvars.Token:
    return _current.set(request)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


def current_request():
    return _current.get()
