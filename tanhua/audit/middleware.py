"""Every denied access is audited (issue 3): a 403, or a 404 raised by a view — out of scope
answers 404 exactly like absent, so both are recorded as `access.denied`, with the reason
when the scoping layer said so (OutOfScope). A URL that matches no view is not recorded.

Only for a logged-in user, though (issue 6): a refusal without one (401, 403, 404, whether
the URL matched or not) is counted per client address and minute instead
(services.count_anonymous_refusal), never chained, so that nobody grows the append-only
trail without logging in."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from tanhua.audit.models import RefusalKind
from tanhua.audit.services import count_anonymous_refusal, record_denied
from tanhua.core.middleware import client_ip
from tanhua.core.scoping import OutOfScope

_DENIED = frozenset({403, 404})
_ANONYMOUS_KINDS = {
    401: RefusalKind.UNAUTHENTICATED,
    403: RefusalKind.FORBIDDEN,
    404: RefusalKind.NOT_FOUND,
}


class DeniedAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status not in _ANONYMOUS_KINDS:
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            count_anonymous_refusal(
                client=client_ip(request), kind=_ANONYMOUS_KINDS[status], path=request.path
            )
        elif status in _DENIED and getattr(request, "resolver_match", None):
            record_denied(
                path=request.get_full_path()[:500],
                status=status,
                reason=getattr(request, "_audit_denied_reason", ""),
                actor=user,
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
