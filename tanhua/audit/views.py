"""The audit administrator's pages: search the trail, export what the search found.

Only the audit administrator (READ_AUDIT) reaches them; everyone else gets 404 (三员分立)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tanhua.accounts import roles as R
from tanhua.audit import labels
from tanhua.audit.export import export_to_tempfile
from tanhua.audit.forms import AuditFilterForm
from tanhua.audit.models import AnonymousRefusal, AuditEntry
from tanhua.audit.refusals import summarize
from tanhua.audit.services import record_export
from tanhua.core import scoping

ENTRIES_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _search(request) -> tuple[AuditFilterForm, object]:
    scoping.require(scoping.has_any(request.user, R.READ_AUDIT))
    params = request.GET.copy()
    params.pop("page", None)
    form = AuditFilterForm(params or None)
    entries = AuditEntry.objects.visible_to(request.user)
    if form.is_bound:
        entries = form.apply(entries) if form.is_valid() else entries.none()
    return form, entries


@login_required
@require_GET
def log(request):
    form, entries = _search(request)
    page = Paginator(entries.order_by("-seq"), ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    template = "audit/_results.html" if request.htmx else "audit/log.html"
    query = request.GET.copy()
    query.pop("page", None)
    page.object_list = labels.labelled(page.object_list, request.user)
    refusals = summarize(AnonymousRefusal.objects.visible_to(request.user), form)
    context = {"form": form, "page": page, "query": query.urlencode(), "refusals": refusals}
    return render(request, template, context)


@login_required
@require_GET
def export(request):
    form, entries = _search(request)
    if form.is_bound and not form.is_valid():
        page = Paginator(entries, ENTRIES_PER_PAGE).get_page(1)
        return render(request, "audit/log.html", {"form": form, "page": page}, status=400)
    fh, rows = export_to_tempfile(entries.order_by("seq"), viewer=request.user)
    # Recorded before the file leaves: an export that cannot be audited is not delivered.
    record_export(
        "audit_log", rows, actor=request.user, filters=form.filters() if form.is_bound else {}
    )
    name = f"audit-log-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    return FileResponse(fh, as_attachment=True, filename=name, content_type=XLSX)
