"""The top bar's quick find: a results page, and the same rows as an htmx partial."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tanhua.core import scoping
from tanhua.search import services
from tanhua.search.forms import QuickFindForm


@login_required
@require_GET
def quick_find(request):
    scoping.require(services.can_search(request.user))
    form = QuickFindForm(request.GET or None)
    term = form.cleaned_data["q"] if form.is_valid() else ""
    groups = services.quick_find(request.user, term)
    template = "search/_results.html" if request.htmx else "search/results.html"
    return render(request, template, {"form": form, "term": term, "groups": groups})
