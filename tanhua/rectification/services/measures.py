"""What the measure workflows share: the measure as the actor sees it, locked; the versioned
check; the talk's status as its measures close."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tanhua.core import scoping
from tanhua.core.versioning import check_fresh
from tanhua.rectification.models import (
    OPEN_STATUSES,
    Measure,
    MeasureKind,
    MeasureStatus,
    PlanStatus,
)
from tanhua.talks.models import Talk

MEASURE_LABELS = {
    "status": _lazy("状态"),
    "deadline": _lazy("整改时限"),
    "achieved_value": _lazy("已完成"),
}
MAX_TEXT = 4000


def locked_measure(actor, measure: Measure | int) -> Measure:
    """The measure as the actor sees it (404 otherwise), locked for the change, with its
    talk (and the talk's campaign) loaded."""
    pk = measure.pk if isinstance(measure, Measure) else int(measure)
    if actor is not None:
        scoping.require(Measure.objects.visible_to(actor).filter(pk=pk).exists())
    found = (
        Measure.objects.unscoped("locking a measure the actor sees")
        .select_for_update(of=("self",))
        .select_related("talk__campaign__committee", "problem__plan", "owner_cadre", "owner_org")
        .filter(pk=pk)
        .first()
    )
    scoping.require(found is not None)
    return found


def fresh(measure: Measure, expected_version: int | None) -> None:
    check_fresh(
        measure, expected_version, object_type="measure", object_id=str(measure.pk),
        labels=MEASURE_LABELS,
    )  # fmt: skip


def refuse_unless_in_force(measure: Measure) -> None:
    if measure.problem.plan.status != PlanStatus.APPROVED:
        raise ValidationError(
            _("整改清单审核通过后，方可报告进展、申请销号或延期"), code="not_approved"
        )


def refuse_if_closed(measure: Measure) -> None:
    if measure.status == MeasureStatus.CLOSED:
        raise ValidationError(_("此举措已销号"), code="closed")


def clean_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("请填写%(w)s") % {"w": what}, code="required")
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _("%(w)s不能超过%(n)d字") % {"w": what, "n": MAX_TEXT}, code="too_long"
        )
    return text


def measure_url(measure: Measure) -> str:
    return reverse("rectification:measure", kwargs={"pk": measure.pk})


def settle_talk(talk_id: int) -> None:
    """The talk closes once every measure that is not long-term is closed."""
    from tanhua.talks.services.state import rectification_settled

    talk = (
        Talk.objects.unscoped("the talk of a changed measure").select_for_update().get(pk=talk_id)
    )
    measures = Measure.objects.unscoped("the talk's measures, counted").filter(
        talk_id=talk_id, kind=MeasureKind.IMMEDIATE
    )
    rectification_settled(
        talk=talk,
        immediate=measures.count(),
        open_immediate=measures.filter(status__in=OPEN_STATUSES).count(),
    )


def readers(measure: Measure, users) -> list:
    """Those of `users` who may read the measure: a notice quoting it goes to no one else
    (the talker of a 机密 talk above their clearance, a declarer of 回避, a unit's
    principal of another subject's talk). A query each: a request has a few recipients."""
    return [
        u for u in users
        if u is not None and Measure.objects.visible_to(u).filter(pk=measure.pk).exists()
    ]  # fmt: skip


def tell_supervisors(measure: Measure, actor, *, event_key: str, kind: str, title: str) -> None:
    """A request waits: the talker is told (the campaign's staff find it on their work
    page); the text names only the measure, which the talker sees."""
    from tanhua.notices.services import notify
    from tanhua.rectification.services import rules

    notify(
        recipients=readers(
            measure, [u for u in rules.talker_users(measure.talk) if u.pk != actor.pk]
        ),
        event_key=event_key, kind=kind, title=title, body=measure.text[:60],
        url=measure_url(measure),
    )  # fmt: skip


def tell_requester(measure: Measure, requested_by, *, event_key: str, kind: str, title: str,
                   body: str) -> None:  # fmt: skip
    """A request was decided: its requester and the measure's owners are told."""
    from tanhua.notices.services import notify
    from tanhua.rectification.services import rules

    notify(
        recipients=readers(measure, [requested_by, *rules.owner_users(measure)]),
        event_key=event_key,
        kind=kind, title=title, body=body, url=measure_url(measure),
    )  # fmt: skip
