"""The talk pages. `talk_detail` is the plain page the campaign lists link to, until the
role-aware talk page (outline, record, what the subject may see) takes its place."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tanhua.talks.models import Talk


@login_required
@require_GET
def talk_detail(request, pk: int):
    talk = get_object_or_404(
        Talk.objects.visible_to(request.user).select_related("campaign", "subject_org", "subject"),
        pk=pk,
    )
    return render(request, "talks/detail.html", {"talk": talk})
