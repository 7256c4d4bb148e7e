"""The 三清单's part of the work page (tanhua.core.work): for the talker's side, the plans and
requests awaiting their decision; for owners and subjects, their open measures."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.core.work import Panel, register
from tanhua.rectification.models import Measure, PlanStatus

LIMIT = 8


@register
def panels(user) -> list[Panel]:
    out = []
    roles = scoping.user_roles(user)
    if roles & (R.PLAN_TALKS | {R.Role.TALKER}):
        from tanhua.rectification.views_measures import awaiting

        waiting = awaiting(user)
        if any(waiting.values()):
            out.append(Panel("rectification/work_waiting.html", waiting, order=15))
    cadre_id = getattr(user, "cadre_id", None)
    if cadre_id and roles:
        rows = list(
            Measure.objects.visible_to(user)
            .filter(Q(owner_cadre_id=cadre_id) | Q(subject_id=cadre_id))
            .filter(problem__plan__status=PlanStatus.APPROVED)
            .open()
            .select_related("owner_cadre", "owner_org")
            .order_by("deadline", "pk")[: LIMIT + 1]
        )
        if rows:
            today = timezone.localdate()
            out.append(
                Panel(
                    "rectification/work_mine.html",
                    {
                        "my_measures": [
                            {"m": m, "overdue": m.is_overdue(today)} for m in rows[:LIMIT]
                        ],
                        "more": len(rows) > LIMIT,
                    },
                    order=16,
                )
            )
    return out
