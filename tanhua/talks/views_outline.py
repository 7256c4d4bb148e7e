"""The outline's companion pages: its versions and the diff between any two (who saved what,
when), and the talk's preparation papers (attachments). For the staff, the talker and the
recorder of the talk, like the outline itself; never the subject (404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tanhua.core import scoping
from tanhua.talks.services import outline_history as history
from tanhua.talks.views import _int, _revisions, outline_of, part_in, visible_talk


@login_required
@require_GET
def outline_versions(request, pk: int):
    """The outline's versions, newest first, and the diff of two (`?from=&to=`)."""
    talk = visible_talk(request, pk)
    part = part_in(request.user, talk)
    scoping.require(part.full)
    outline = outline_of(request.user, talk)
    if outline is None and not part.staff:
        raise scoping.OutOfScope
    revisions = _revisions(request.user, talk)
    old, new, missing = history.pick(
        revisions, _int(request.GET.get("from")), _int(request.GET.get("to"))
    )
    error = ""
    if missing is not None:
        # The versions exist, that number not: say so and show the newest two, not a 404.
        error = _("没有第 %(v)s 版，已改为比较最新两版。") % {"v": missing}
        old, new, _missing = history.pick(revisions, None, None)
    context = {
        "talk": talk,
        "outline": outline,
        "revisions": revisions,
        "old": old,
        "new": new,
        "diff": history.diff(old, new) if new is not None else None,
        "error": error,
    }
    template = "talks/_outline_diff.html" if request.htmx else "talks/outline_versions.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def talk_files(request, pk: int):
    """The talk's preparation papers (谈话材料): staff in scope upload them; the talker and
    the recorder read and download them (the owner kind "talk", tanhua.evidence.requests)."""
    from tanhua.evidence.requests import TALK_KIND
    from tanhua.files.pages import attachments_page

    talk = visible_talk(request, pk)
    part = part_in(request.user, talk)
    scoping.require(part.full)
    return attachments_page(
        request, owner_kind=TALK_KIND, owner=talk, template="talks/files.html",
        context={"talk": talk, "part": part},
    )  # fmt: skip
