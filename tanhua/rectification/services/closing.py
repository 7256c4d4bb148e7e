"""Closing a measure (销号): the owner asks with the evidence of what was achieved; a second
person on the talker's side — never the owner's user, never the requester — accepts (the
measure is closed) or returns it with the reason (back to in progress). The talk closes once
every measure that is not long-term is closed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.rectification.models import CloseRequest, Decision, Measure, MeasureStatus
from tanhua.rectification.services import rules
from tanhua.rectification.services.measures import (
    clean_text,
    fresh,
    locked_measure,
    refuse_if_closed,
    refuse_unless_in_force,
    settle_talk,
    tell_requester,
    tell_supervisors,
)


def pending_close(measure: Measure) -> CloseRequest | None:
    return (
        CloseRequest.objects.unscoped("the requests of a measure the actor sees")
        .filter(measure=measure, decision=Decision.PENDING)
        .first()
    )


@transaction.atomic
def request_close(
    *, actor, measure: Measure | int, evidence: str, expected_version: int | None = None
) -> CloseRequest:
    measure = locked_measure(actor, measure)
    scoping.require(rules.may_report(actor, measure))
    fresh(measure, expected_version)
    refuse_unless_in_force(measure)
    refuse_if_closed(measure)
    if pending_close(measure) is not None:
        raise ValidationError(_("已有待审批的销号申请，请等待审批结果"), code="pending")
    evidence = clean_text(evidence, _("整改成效及佐证"))
    request = CloseRequest.objects.create(measure=measure, evidence=evidence, requested_by=actor)
    before = measure.status
    measure.status = MeasureStatus.SUBMITTED
    measure.save(update_fields=["status", "updated_at", *measure.bump_version()])
    audit.record(
        "measure.close_request",
        object_type="measure",
        object_id=str(measure.pk),
        before={"status": before},
        after={"status": measure.status},
        detail={"request": request.pk, "version": measure.version},
        actor=actor,
    )
    tell_supervisors(
        measure,
        actor,
        event_key=f"close_request:{request.pk}:requested",
        kind="close_requested",
        title=_("整改举措销号申请待您审批"),
    )
    return request


@transaction.atomic
def decide_close(
    *,
    actor,
    measure: Measure | int,
    accept: bool,
    reason: str = "",
    expected_version: int | None = None,
) -> CloseRequest:
    measure = locked_measure(actor, measure)
    request = pending_close(measure)
    scoping.require(rules.is_talker_side(actor, measure.talk))
    if request is None:
        raise ValidationError(_("没有待审批的销号申请"), code="none_pending")
    if rules.is_owner(actor, measure):
        raise ValidationError(_("您是此举措的责任人，不能为自己的举措销号"), code="owner")
    if request.requested_by_id == actor.pk:
        raise ValidationError(_("您是此销号申请的申请人，须由另一人审批"), code="requester")
    fresh(measure, expected_version)
    reason = (reason or "").strip()
    if not accept:
        reason = clean_text(reason, _("退回理由"))
    now = timezone.now()
    request.decision = Decision.ACCEPTED if accept else Decision.RETURNED
    request.decided_by, request.decided_at, request.reason = actor, now, reason
    request.save(update_fields=["decision", "decided_by", "decided_at", "reason"])
    before = measure.status
    measure.status = MeasureStatus.CLOSED if accept else MeasureStatus.IN_PROGRESS
    measure.closed_at = now if accept else None
    measure.save(update_fields=["status", "closed_at", "updated_at", *measure.bump_version()])
    audit.record(
        "measure.close_accept" if accept else "measure.close_return",
        object_type="measure",
        object_id=str(measure.pk),
        before={"status": before},
        after={"status": measure.status},
        detail={"request": request.pk, "version": measure.version, "reason": reason},
        actor=actor,
    )
    settle_talk(measure.talk_id)
    tell_requester(
        measure,
        request.requested_by,
        event_key=f"close_request:{request.pk}:decided",
        kind="close_decided",
        title=_("整改举措已销号") if accept else _("销号申请被退回"),
        body=reason,
    )
    return request
