"""The organization picker behind OrganizationCodeInput: options in the user's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tanhua.core import scoping
from tanhua.org.models import Organization

MAX_OPTIONS = 20
MAX_TERM = 50


@login_required
@require_GET
def pick(request):
    """`?q=` or the picker field's own parameter (htmx sends the input under its name)."""
    scoping.require(scoping.can_browse_orgs(request.user))
    term = next((v for v in request.GET.values() if v.strip()), "")
    term = term.replace("\x00", "").strip()[:MAX_TERM]
    options = []
    if term:
        options = (
            Organization.objects.visible_to(request.user)
            .filter(Q(name__icontains=term) | Q(code__icontains=term))
            .order_by("depth", "code")[:MAX_OPTIONS]
        )
    return render(request, "org/_pick_options.html", {"options": options})
