"""Every denied access is audited (issue 3): a 403, or a 404 raised by a view — out of scope
answers 404 exactly like absent, so both are recorded as `access.denied`, with the reason
when the scoping layer said so (OutOfScope). A URL that matches no view is not recorded."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from tanhua.audit.services import record_denied
from tanhua.core.scoping import OutOfScope

_DENIED = frozenset({403, 404})


class DeniedAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in _DENIED and getattr(request, "resolver_match", None):
            user = getattr(request, "user", None)
            record_denied(
                path=request.get_full_path()[:500],
                status=response.status_code,
                reason=getattr(request, "_audit_denied_reason", ""),
                actor=user if user is not None and user.is_authenticated else None,
            )
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, OutOfScope):
            request._audit_denied_reason = "out_of_scope"
        elif isinstance(exception, Http404):
            request._audit_denied_reason = "not_found_or_out_of_scope"
        elif isinstance(exception, PermissionDenied):
            request._audit_denied_reason = "forbidden"
        return None
