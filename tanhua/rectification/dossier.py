"""The 廉政档案 of a cadre: their talks over the years, the problems pointed out, the measures
and how they ended, and the look-backs' results — each read through its own `visible_to`, so
the section shows no more than the viewer's scope, clearance and 回避 allow."""

from __future__ import annotations

from dataclasses import dataclass, field

from tanhua.rectification.models import CheckResult, LookBackItem, Measure


@dataclass
class TalkEntry:
    talk: object
    problems: list = field(default_factory=list)  # RecordProblem
    measures: list = field(default_factory=list)  # Measure (with .checks)


def build(user, cadre) -> list[TalkEntry]:
    """Newest year first: five queries whatever the number of years."""
    from tanhua.rectification.board import measure_url
    from tanhua.talks.models import RecordProblem, Talk

    talks = list(
        Talk.objects.visible_to(user)
        .filter(subject=cadre)
        .select_related("campaign", "talker")
        .order_by("-campaign__year", "-pk")
    )
    entries = {t.pk: TalkEntry(t) for t in talks}
    if not entries:
        return []
    for p in (
        RecordProblem.objects.visible_to(user)
        .filter(record__talk_id__in=list(entries))
        .select_related("record")
        .order_by("order", "pk")
    ):
        entries[p.record.talk_id].problems.append(p)
    measures = list(
        Measure.objects.visible_to(user)
        .filter(subject=cadre, talk_id__in=list(entries))
        .select_related("owner_cadre", "owner_org")
        .order_by("problem__order", "order", "pk")
    )
    checks: dict[int, list] = {}
    for item in (
        LookBackItem.objects.visible_to(user)
        .filter(measure_id__in=[m.pk for m in measures])
        .exclude(result=CheckResult.PENDING)
        .select_related("look_back")
        .order_by("verified_at", "pk")
    ):
        checks.setdefault(item.measure_id, []).append(item)
    for m in measures:
        m.checks = checks.get(m.pk, [])
        m.url = measure_url(m.pk)
        entries[m.talk_id].measures.append(m)
    return list(entries.values())
