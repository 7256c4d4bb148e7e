"""Auditing reads of records about a person (DESIGN §2: every read is logged, not only writes).

Pages: decorate the view with `@audited_read("cadre", lambda kw: kw["code"])`; a successful
response (2xx) records `<type>.read` with the object's id and, when the view set it,
`request.audit_object_repr` (e.g. the person's name). Denied reads answer 404 and are
recorded by the denied-access middleware instead. The API calls
`tanhua.audit.services.record_read()` directly after loading the object.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from tanhua.audit import services


def audited_read(object_type: str, object_id: Callable[[dict], object]):
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                services.record_read(
                    object_type,
                    str(object_id(kwargs)),
                    getattr(request, "audit_object_repr", ""),
                    actor=request.user,
                    detail={"path": request.path, "partial": bool(getattr(request, "htmx", False))},
                )
            return response

        return wrapper

    return decorate
