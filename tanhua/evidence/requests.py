"""The write paths of material requests (调取材料): staff ask source units for a campaign's
materials; a unit's submitter answers with files; staff close a request when done. Units
that have sent nothing are reminded three days before the deadline (once, `remind_due_soon`)
and every day once it has passed (`remind_late_units`, also a button on the request's page);
`tick(today)` runs both for `tanhua tick`.

Also the attachment owner kinds of evidence (and, until the talks app registers its own,
of talks) with tanhua.files.registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.evidence.models_requests import (
    MaterialRequest,
    MaterialRequestUnit,
    MaterialSubmission,
    RequestStatus,
)

SUBMISSION_KIND = "material_submission"
FINDING_KIND = "finding"
TALK_KIND = "talk"
MAX_FILES = 10


class RequestError(ValueError):
    """A request the service refuses, with a message for the user."""


def _submitters_of(unit_ids) -> list:
    from tanhua.accounts.models import User

    return list(
        User.objects.filter(
            organization_id__in=list(unit_ids),
            is_active=True,
            role_grants__role=R.Role.SUBMITTER,
        ).distinct()
    )


@transaction.atomic
def create_request(
    *, actor, campaign, title: str, description: str, deadline: dt.date, units: list,
    today: dt.date | None = None,
) -> MaterialRequest:  # fmt: skip
    """Staff ask source units for materials. The campaign and every unit must lie in the
    actor's scope (404 otherwise, like absent); the units' submitters are told."""
    from tanhua.campaigns.models import Campaign
    from tanhua.org.models import Organization

    scoping.require(actor is not None and scoping.has_any(actor, R.PLAN_TALKS))
    scoping.require(Campaign.objects.visible_to(actor).filter(pk=campaign.pk).exists())
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise RequestError(_("请填写标题。"))
    if not description:
        raise RequestError(_("请说明需要报送的材料。"))
    today = today or dt.date.today()
    if deadline < today:
        raise RequestError(_("截止日期不能早于今天。"))
    unit_ids = sorted({u.pk for u in units})
    if not unit_ids:
        raise RequestError(_("请至少选择一个报送单位。"))
    reachable = Organization.objects.visible_to(actor).filter(pk__in=unit_ids)
    scoping.require(reachable.count() == len(unit_ids))
    req = MaterialRequest.objects.create(
        campaign=campaign, title=title[:200], description=description, deadline=deadline,
        created_by=actor,
    )  # fmt: skip
    MaterialRequestUnit.objects.bulk_create(
        [MaterialRequestUnit(request=req, organization_id=pk) for pk in unit_ids]
    )
    audit.record(
        "material_request.create",
        object_type="material_request",
        object_id=str(req.pk),
        object_repr=req.title,
        actor=actor,
        after={"campaign": campaign.pk, "deadline": deadline, "units": unit_ids},
    )
    from tanhua.notices.services import notify

    notify(
        recipients=_submitters_of(unit_ids),
        event_key=f"material_request:{req.pk}:asked",
        kind="material_request",
        title=_("调取材料：%(title)s") % {"title": req.title},
        body=_("请于 %(date)s 前报送。") % {"date": deadline.isoformat()},
        url=reverse("evidence:inbox_request", kwargs={"pk": req.pk}),
    )
    return req


@transaction.atomic
def submit_materials(
    *, actor, request: MaterialRequest, note: str, files: list
) -> MaterialSubmission:
    """A submitter of an addressed unit answers a request with files (list of (name, bytes))
    and a note. Every file is checked by content; one refused file refuses the answer
    (FileRefused, naming the file), and nothing is kept."""
    from tanhua.files.services import attach_all

    scoping.require(actor is not None and scoping.has_any(actor, {R.Role.SUBMITTER}))
    current = MaterialRequest.objects.visible_to(actor).filter(pk=request.pk).first()
    scoping.require(current is not None)
    unit_id = actor.organization_id
    scoping.require(current.unit_rows.filter(organization_id=unit_id).exists())
    if current.status != RequestStatus.OPEN:
        raise RequestError(_("该调取材料已结束，不再接收报送。"))
    if not files:
        raise RequestError(_("请选择要上传的文件。"))
    if len(files) > MAX_FILES:
        raise RequestError(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
    submission = MaterialSubmission.objects.create(
        request=current, unit_id=unit_id, submitted_by=actor, note=(note or "").strip()
    )
    attached = attach_all(actor=actor, owner_kind=SUBMISSION_KIND, owner=submission, files=files)
    names = [a.filename for a in attached]
    audit.record(
        "material_submission.create",
        object_type="material_request",
        object_id=str(current.pk),
        object_repr=current.title,
        actor=actor,
        detail={"submission": submission.pk, "unit": unit_id, "files": names},
    )
    return submission


@dataclass
class UnitStatus:
    """Where one addressed unit stands on a request: what it sent, or that it is late."""

    unit: object
    submissions: list = field(default_factory=list)
    late: bool = False

    @property
    def sent(self) -> bool:
        return bool(self.submissions)

    @property
    def last_sent_at(self):
        return max((s.submitted_at for s in self.submissions), default=None)


def unit_statuses(request: MaterialRequest, submissions, *, today: dt.date) -> list[UnitStatus]:
    """Per addressed unit (in tree order), the submissions given (already scoped by the
    caller) and whether it is late: past the deadline with nothing sent."""
    rows = [
        UnitStatus(unit=r.organization) for r in request.unit_rows.select_related("organization")
    ]
    by_unit = {s.unit.pk: s for s in rows}
    for sub in submissions:
        if sub.unit_id in by_unit:
            by_unit[sub.unit_id].submissions.append(sub)
    for status in rows:
        status.late = not status.sent and request.is_past_deadline(today)
    return rows


@transaction.atomic
def remind_late_units(*, today: dt.date, request: MaterialRequest | None = None, actor=None) -> int:
    """Tell the submitters of every unit that is late on an open request (past its deadline,
    nothing sent) — once per request, unit and day, however often this runs. With `request`
    (the button on its page) only that request, which the caller read through its scope.
    Returns the notices sent now."""
    if request is not None:
        requests = [request]
    else:
        requests = list(
            MaterialRequest.objects.unscoped("tick: reminders for every late unit").filter(
                status=RequestStatus.OPEN, deadline__lt=today
            )
        )
    requests = [r for r in requests if r.status == RequestStatus.OPEN and r.is_past_deadline(today)]
    sent, reminded = _remind(
        requests,
        key=lambda req, unit: f"material_request:{req.pk}:unit:{unit}:late:{today.isoformat()}",
        kind="material_request_late",
        title=_("催报：%(title)s"),
        body=_("报送截止日期 %(date)s 已过，贵单位尚未报送，请尽快报送。"),
    )
    if sent:
        audit.record(
            "material_request.remind",
            object_type="material_request",
            object_id=str(request.pk) if request is not None else "",
            object_repr=request.title if request is not None else "",
            actor=actor,
            detail={"today": today, "notices": sent, "units": reminded},
        )
    return sent


@transaction.atomic
def close_request(*, actor, request: MaterialRequest) -> MaterialRequest:
    """Staff end a request: no more submissions, no more reminders. The request is re-read
    through the actor's scope (404 otherwise)."""
    from django.utils import timezone

    scoping.require(actor is not None and scoping.has_any(actor, R.PLAN_TALKS))
    current = (
        MaterialRequest.objects.visible_to(actor)
        .filter(pk=request.pk, campaign__committee__path__startswith=scoping.scope_path(actor))
        .select_for_update()
        .first()
    )
    scoping.require(current is not None)
    if current.status != RequestStatus.OPEN:
        raise RequestError(_("该调取材料已结束。"))
    current.status = RequestStatus.CLOSED
    current.closed_at = timezone.now()
    current.closed_by = actor
    current.save(update_fields=["status", "closed_at", "closed_by"])
    answered = len(set(_answered_units(current)))
    audit.record(
        "material_request.close",
        object_type="material_request",
        object_id=str(current.pk),
        object_repr=current.title,
        actor=actor,
        before={"status": RequestStatus.OPEN},
        after={"status": current.status},
        detail={"answered_units": answered, "units": current.unit_rows.count()},
    )
    return current


DUE_SOON_DAYS = 3


def _answered_units(req: MaterialRequest):
    return (
        MaterialSubmission.objects.unscoped("which units answered a request")
        .filter(request=req)
        .values_list("unit_id", flat=True)
    )


def _unanswered(req: MaterialRequest) -> list[int]:
    answered = set(_answered_units(req))
    return [
        uid
        for uid in req.unit_rows.values_list("organization_id", flat=True)
        if uid not in answered
    ]


@transaction.atomic
def remind_due_soon(*, today: dt.date) -> int:
    """Tell the submitters of every unit that has sent nothing on an open request due within
    DUE_SOON_DAYS days — once per request and unit, however often this runs (a request made
    with less time left is reminded on the first run). Returns the notices sent now."""

    requests = MaterialRequest.objects.unscoped("tick: reminders before the deadline").filter(
        status=RequestStatus.OPEN,
        deadline__gte=today,
        deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
    )
    sent, reminded = _remind(
        requests,
        key=lambda req, unit: f"material_request:{req.pk}:unit:{unit}:due_soon",
        kind="material_request_due",
        title=_("即将截止：%(title)s"),
        body=_("报送截止日期为 %(date)s，贵单位尚未报送，请按时报送。"),
    )
    if sent:
        audit.record(
            "material_request.remind_due",
            object_type="material_request",
            object_id="",
            actor=None,
            detail={"today": today, "notices": sent, "units": reminded},
        )
    return sent


def _remind(requests, *, key, kind: str, title: str, body: str) -> tuple[int, dict]:
    """Tell each unit of `requests` that has sent nothing (its submitters), once per
    `key(request, unit)`. Returns the notices sent now and the units told, by request."""
    from tanhua.notices.services import notify

    sent, reminded = 0, {}
    for req in requests:
        for unit_id in _unanswered(req):
            made = notify(
                recipients=_submitters_of([unit_id]),
                event_key=key(req, unit_id),
                kind=kind,
                title=title % {"title": req.title},
                body=body % {"date": req.deadline.isoformat()},
                url=reverse("evidence:inbox_request", kwargs={"pk": req.pk}),
            )
            if made:
                sent += len(made)
                reminded.setdefault(str(req.pk), []).append(unit_id)
    return sent, reminded


def tick(today: dt.date) -> dict[str, int]:
    """The daily run of material requests (`tanhua tick`): the reminders before the deadline
    and those after it. Returns the notices sent, by kind; running it twice a day sends
    nothing more."""
    return {
        "material_due_soon": remind_due_soon(today=today),
        "material_late": remind_late_units(today=today),
    }


# --- attachment owners (tanhua.files.registry) ------------------------------------------------


def _findings_of(user):
    from tanhua.evidence.models import Finding

    return Finding.objects.visible_to(user)


def _talks_of(user):
    """Talk attachments are preparation papers: the staff, the talker and the recorder of a
    talk see them; the subject does not (like the outline, DESIGN §2)."""
    from tanhua.talks.models import Talk

    roles = scoping.user_roles(user)
    qs = Talk.objects.visible_to(user)
    if not roles & (R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER}):
        return qs.none()
    cadre_id = getattr(user, "cadre_id", None)
    return qs.exclude(subject_id=cadre_id) if cadre_id else qs


def register_attachment_owners() -> None:
    from tanhua.files import registry

    registry.register_owner(
        FINDING_KIND,
        gettext_lazy("问题"),
        visible=_findings_of,
        can_attach=lambda user, owner: scoping.has_any(user, R.PLAN_TALKS),
    )
    registry.register_owner(
        SUBMISSION_KIND,
        gettext_lazy("报送材料"),
        visible=lambda user: MaterialSubmission.objects.visible_to(user),
        # Only the submitter adds files, and only through submit_materials.
        can_attach=lambda user, owner: owner.submitted_by_id == getattr(user, "pk", None),
    )
    registry.register_owner(
        TALK_KIND,
        gettext_lazy("谈话"),
        visible=_talks_of,
        can_attach=lambda user, owner: scoping.has_any(user, R.PLAN_TALKS),
    )
