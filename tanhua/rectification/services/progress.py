"""Progress reports (整改进展): the owner reports what was done, the figure reached against
the target (it becomes the measure's `achieved_value`) and files (attachments of kind
`progress_report`). A first report moves the measure from open to in progress."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.rectification.models import Measure, MeasureStatus, ProgressReport
from tanhua.rectification.services import rules
from tanhua.rectification.services.measures import (
    clean_text,
    fresh,
    locked_measure,
    refuse_if_closed,
    refuse_unless_in_force,
)
from tanhua.rectification.services.plan import PlanRefused, amount

ATTACHMENT_KIND = "progress_report"
MAX_FILES = 10


def _value(value) -> Decimal | None:
    """A figure reached: the same rule as a target (a number ≥ 0, two decimals)."""
    try:
        return amount(value, _("完成数"))
    except PlanRefused as refused:
        raise ValidationError(refused.messages[0], code="value") from None


@transaction.atomic
def report_progress(
    *,
    actor,
    measure: Measure | int,
    text: str,
    value=None,
    files: list[tuple[str, bytes]] | None = None,
    expected_version: int | None = None,
) -> ProgressReport:
    """One report by the measure's owner; `files` as (name, bytes), each checked by content
    (a refused file refuses the whole report, nothing is kept)."""
    measure = locked_measure(actor, measure)
    scoping.require(rules.may_report(actor, measure))
    fresh(measure, expected_version)
    refuse_unless_in_force(measure)
    refuse_if_closed(measure)
    text = clean_text(text, _("进展情况"))
    number = _value(value)
    if len(files or []) > MAX_FILES:
        raise ValidationError(_("每次最多上传%(n)d个附件") % {"n": MAX_FILES}, code="files")
    report = ProgressReport.objects.create(measure=measure, text=text, value=number, by=actor)
    before = {"status": measure.status, "achieved_value": _plain(measure.achieved_value)}
    fields = ["updated_at"]
    if measure.status == MeasureStatus.OPEN:
        measure.status = MeasureStatus.IN_PROGRESS
        fields.append("status")
    if number is not None:
        measure.achieved_value = number
        fields.append("achieved_value")
    measure.save(update_fields=[*fields, *measure.bump_version()])
    audit.record(
        "measure.progress",
        object_type="measure",
        object_id=str(measure.pk),
        before=before,
        after={"status": measure.status, "achieved_value": _plain(measure.achieved_value)},
        detail={
            "report": report.pk,
            "version": measure.version,
            "files": len(files or []),
            "chars": len(text),
        },
        actor=actor,
    )
    if files:
        from tanhua.files.services import attach_all

        # All or none, a refusal naming the file (the page and the API say which one).
        attach_all(actor=actor, owner_kind=ATTACHMENT_KIND, owner=report, files=files)
    return report


def _plain(value):
    return None if value is None else str(value)


def register_attachment_owner() -> None:
    """Files of a progress report are visible where its measure is; only its reporter adds
    them, and only through report_progress."""
    from django.utils.translation import gettext_lazy

    from tanhua.files import registry

    registry.register_owner(
        ATTACHMENT_KIND,
        gettext_lazy("整改进展"),
        visible=lambda user: ProgressReport.objects.visible_to(user),
        can_attach=lambda user, owner: owner.by_id == getattr(user, "pk", None),
    )
