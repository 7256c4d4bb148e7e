"""Spreadsheet import pages (placeholder until the import pipeline lands)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tanhua.core import scoping


@login_required
def upload(request):
    scoping.require(scoping.can_edit_registry(request.user))
    return render(request, "exchange/upload.html", {})
