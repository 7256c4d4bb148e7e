"""The auditor's view of anonymous refusals (services.count_anonymous_refusal): totals per
client address and kind over the days the search form names, by default the last 24 hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from tanhua.audit.forms import AuditFilterForm, local_midnight
from tanhua.audit.models import RefusalKind

TOP_CLIENTS = 20
_LABELS = dict(RefusalKind.choices)


@dataclass
class RefusalSummary:
    start: dt.datetime | None
    end: dt.datetime | None
    rows: list[dict] = field(default_factory=list)
    total: int = 0
    clients: int = 0

    @property
    def default_window(self) -> bool:
        return self.end is None


def _window(form: AuditFilterForm) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """The search's days as aware bounds; None when the search is invalid."""
    if not form.is_bound:
        return timezone.now() - dt.timedelta(hours=24), None
    if not form.is_valid():
        return None
    since, until = form.cleaned_data.get("since"), form.cleaned_data.get("until")
    if not since and not until:
        return timezone.now() - dt.timedelta(hours=24), None
    start = local_midnight(since) if since else None
    end = local_midnight(until, days=1) if until else None
    return start, end


def summarize(queryset, form: AuditFilterForm) -> RefusalSummary:
    """Totals from `queryset` (already AnonymousRefusal.objects.visible_to(user)), the
    clients refused most first; a constant number of queries."""
    window = _window(form)
    if window is None:
        return RefusalSummary(None, None)
    start, end = window
    qs = queryset
    if start is not None:
        qs = qs.filter(minute__gte=start)
    if end is not None:
        qs = qs.filter(minute__lt=end)
    rows = list(
        qs.values("client", "kind")
        .annotate(
            total=Sum("count"),
            minutes=Count("id"),
            first=Min("minute"),
            last=Max("minute"),
            # One of the paths refused (each minute keeps its latest), as a hint.
            sample_path=Max("last_path"),
        )
        .order_by("-total", "client", "kind")[:TOP_CLIENTS]
    )
    for row in rows:
        row["kind_label"] = _LABELS.get(row["kind"], row["kind"])
    if len(rows) < TOP_CLIENTS:
        # Every (client, kind) is among the rows: the totals need no second query.
        total, clients = sum(r["total"] for r in rows), len({r["client"] for r in rows})
    else:
        overall = qs.aggregate(total=Sum("count"), clients=Count("client", distinct=True))
        total, clients = overall["total"] or 0, overall["clients"] or 0
    return RefusalSummary(start, end, rows, total, clients)
