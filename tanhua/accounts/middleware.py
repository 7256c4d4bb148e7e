"""Account policy on every request: a first-login password change comes before anything else."""

from django.shortcuts import redirect
from django.urls import reverse

_ALWAYS_ALLOWED_PREFIXES = ("/static/", "/healthz", "/api/")


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(_ALWAYS_ALLOWED_PREFIXES)
        ):
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
            if request.path not in allowed:
                return redirect("accounts:password_change")
        return self.get_response(request)
