"""The user's own notices: the bell's count (an htmx partial), the list, marking read and
following a notice's link."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tanhua.notices import services
from tanhua.notices.models import Notice

PER_PAGE = 30


@never_cache
@login_required
@require_GET
def bell(request):
    """The bell with its unread count (one query). Pages render it empty and htmx fetches
    this at once and every minute: no page pays a query for it."""
    unread = Notice.objects.visible_to(request.user).unread().count()
    return render(request, "notices/bell.html", {"unread_notices": unread})


@never_cache
@login_required
@require_GET
def notice_list(request):
    qs = Notice.objects.visible_to(request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.unread()
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "notices/list.html", {"page": page, "notices": page, "only_unread": only_unread}
    )


@login_required
@require_POST
def mark_read(request, pk: int):
    notice = get_object_or_404(Notice.objects.visible_to(request.user), pk=pk)
    services.mark_read(user=request.user, notice_ids=[notice.pk])
    if request.htmx:
        notice.refresh_from_db()
        response = render(request, "notices/list.html#notice_row", {"notice": notice})
        response["HX-Trigger"] = "notices-changed"
        return response
    return redirect("notices:list")


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(user=request.user)
    return redirect("notices:list")


@login_required
@require_GET
def open_notice(request, pk: int):
    """Follow a notice's link, marking it read: only to a path of this site."""
    notice = get_object_or_404(Notice.objects.visible_to(request.user), pk=pk)
    services.mark_read(user=request.user, notice_ids=[notice.pk])
    target = notice.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notices:list")
    return redirect(target)
