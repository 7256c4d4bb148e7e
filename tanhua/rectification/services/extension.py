"""Extending a deadline (延期): a request with the reason, approved by the supervisor (the
talker's side, never its requester) — the deadline moves and the original one stays shown —
or refused. Never an edit of the deadline."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.rectification.models import Decision, ExtensionRequest, Measure
from tanhua.rectification.services import rules
from tanhua.rectification.services.measures import (
    clean_text,
    fresh,
    locked_measure,
    refuse_if_closed,
    refuse_unless_in_force,
    tell_requester,
    tell_supervisors,
)
from tanhua.rectification.services.plan import MAX_COMMENT, PlanRefused, check_deadline


def pending_extension(measure: Measure) -> ExtensionRequest | None:
    return (
        ExtensionRequest.objects.unscoped("the requests of a measure the actor sees")
        .filter(measure=measure, decision=Decision.PENDING)
        .first()
    )


@transaction.atomic
def request_extension(
    *,
    actor,
    measure: Measure | int,
    proposed_deadline: dt.date | None,
    reason: str,
    expected_version: int | None = None,
) -> ExtensionRequest:
    measure = locked_measure(actor, measure)
    scoping.require(rules.may_report(actor, measure))
    fresh(measure, expected_version)
    refuse_unless_in_force(measure)
    refuse_if_closed(measure)
    if pending_extension(measure) is not None:
        raise ValidationError(_("已有待审批的延期申请，请等待审批结果"), code="pending")
    if proposed_deadline is None:
        raise ValidationError(_("请填写申请延期至的日期"), code="proposed_deadline")
    if proposed_deadline <= measure.deadline:
        raise ValidationError(
            _("申请延期至的日期须晚于现时限（%(d)s）") % {"d": measure.deadline.isoformat()},
            code="proposed_deadline",
        )
    try:
        check_deadline(measure.talk, proposed_deadline, _("申请延期至"))
    except PlanRefused as refused:
        raise ValidationError(refused.messages[0], code="proposed_deadline") from None
    reason = clean_text(reason, _("延期理由"))
    request = ExtensionRequest.objects.create(
        measure=measure, current_deadline=measure.deadline,
        proposed_deadline=proposed_deadline, reason=reason, requested_by=actor,
    )  # fmt: skip
    audit.record(
        "measure.extension_request",
        object_type="measure",
        object_id=str(measure.pk),
        after={"proposed_deadline": proposed_deadline.isoformat()},
        detail={"request": request.pk, "deadline": measure.deadline.isoformat()},
        actor=actor,
    )
    tell_supervisors(
        measure,
        actor,
        event_key=f"extension:{request.pk}:requested",
        kind="extension_requested",
        title=_("整改举措延期申请待您审批"),
    )
    return request


@transaction.atomic
def decide_extension(
    *,
    actor,
    measure: Measure | int,
    approve: bool,
    comment: str = "",
    expected_version: int | None = None,
) -> ExtensionRequest:
    measure = locked_measure(actor, measure)
    request = pending_extension(measure)
    scoping.require(rules.is_talker_side(actor, measure.talk))
    if request is None:
        raise ValidationError(_("没有待审批的延期申请"), code="none_pending")
    if request.requested_by_id == actor.pk:
        raise ValidationError(_("您是此延期申请的申请人，须由另一人审批"), code="requester")
    fresh(measure, expected_version)
    comment = (comment or "").strip()
    if not approve:
        comment = clean_text(comment, _("不同意的理由"))
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("审批意见不能超过%(n)d字") % {"n": MAX_COMMENT}, code="comment")
    request.decision = Decision.ACCEPTED if approve else Decision.RETURNED
    request.decided_by, request.decided_at, request.comment = actor, timezone.now(), comment
    request.save(update_fields=["decision", "decided_by", "decided_at", "comment"])
    before = measure.deadline
    if approve:
        # The deadline moves; `original_deadline` keeps the one first approved.
        measure.deadline = request.proposed_deadline
        measure.save(update_fields=["deadline", "updated_at", *measure.bump_version()])
    audit.record(
        "measure.extension_approve" if approve else "measure.extension_refuse",
        object_type="measure",
        object_id=str(measure.pk),
        before={"deadline": before.isoformat()},
        after={"deadline": measure.deadline.isoformat()},
        detail={"request": request.pk, "comment": comment},
        actor=actor,
    )
    tell_requester(
        measure,
        request.requested_by,
        event_key=f"extension:{request.pk}:decided",
        kind="extension_decided",
        title=_("延期申请已同意") if approve else _("延期申请未获同意"),
        body=comment,
    )
    return request
