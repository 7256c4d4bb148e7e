"""The top bar's quick find (a results page, and the same rows as an htmx partial) and the
full-text search of findings, records and attachments (tanhua/search/query.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tanhua.core import scoping
from tanhua.search import query, registry, services
from tanhua.search.forms import QuickFindForm, TextSearchForm


@login_required
@require_GET
def quick_find(request):
    scoping.require(services.can_search(request.user))
    form = QuickFindForm(request.GET or None)
    term = form.cleaned_data["q"] if form.is_valid() else ""
    groups = services.quick_find(request.user, term)
    template = "search/_results.html" if request.htmx else "search/results.html"
    context = {
        "form": form,
        "term": term,
        "groups": groups,
        "can_text_search": query.can_search(request.user),
    }
    return render(request, template, context)


@login_required
@require_GET
def text_search(request):
    """Full-text search; results only from rows the user may open, paged."""
    user = request.user
    scoping.require(query.can_search(user))
    form = TextSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    results = query.search(
        user, data.get("q", ""), page=data.get("page") or 1, source=data.get("source", "")
    )
    context = {
        "form": form,
        "results": results,
        "source": data.get("source", ""),
        "sources": [(s.key, s.label) for s in registry.allowed_sources(user)],
    }
    template = "search/_text_results.html" if request.htmx else "search/text.html"
    return render(request, template, context)
