"""The audit administrator's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tanhua.accounts import roles as R
from tanhua.audit.models import AuditEntry
from tanhua.core import scoping


@login_required
def log(request):
    scoping.require(scoping.has_any(request.user, R.READ_AUDIT))
    entries = AuditEntry.objects.visible_to(request.user).order_by("-seq")[:200]
    return render(request, "audit/log.html", {"entries": entries})
