"""The 三清单 of a sealed talk: filed by the subject (or staff on their behalf), submitted to
the talker's side, who approve it or return it with comments. Every submission, return and
approval keeps a PlanVersion with what the lists said then.

Every change of the lists goes through `save_plan`, which takes the whole list of problems
with their measures as the editor saw them (ids where they exist) and the version it was made
from — the page's single edits and the API's PUT are that one versioned write, as for the
outline. An approved plan never changes here again: progress, closing and extensions are
their own workflows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.versioning import check_fresh
from tanhua.rectification.models import (
    Measure,
    MeasureKind,
    PlanStatus,
    PlanVersion,
    Problem,
    RectificationPlan,
)
from tanhua.rectification.services import owners, rules
from tanhua.talks.models import FocusArea, RecordProblem, Talk, TalkStatus

MAX_PROBLEMS = 30
MAX_MEASURES = 20
MAX_TEXT = 2000
MAX_COMMENT = 1000
MAX_UNIT = 20
# A deadline is a date after the talk, and not beyond this many years of it.
MAX_YEARS = 10
PLAN_LABELS = {"problems": _lazy("问题和举措"), "status": _lazy("状态")}
EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)
FILED_STATUSES = (TalkStatus.SEALED, TalkStatus.RECTIFYING, TalkStatus.CLOSED)


@dataclass(frozen=True)
class MeasureDraft:
    """One measure as the editor sent it; `id` of an existing measure of this plan or None."""

    text: str
    owner_code: str
    deadline: dt.date | str | None
    kind: str = MeasureKind.IMMEDIATE
    target_value: Decimal | str | None = None
    target_unit: str = ""
    id: int | None = None


@dataclass(frozen=True)
class ProblemDraft:
    focus_area: str
    text: str
    measures: tuple[MeasureDraft, ...] = field(default_factory=tuple)
    id: int | None = None
    record_problem_id: int | None = None


class PlanRefused(ValidationError):
    """A refused edit of the lists, with where it is (problem i, measure j) in its message."""


# --- reading ---------------------------------------------------------------------------------


def problems_of(plan: RectificationPlan) -> list[Problem]:
    return list(Problem.objects.unscoped("the problems of a plan the actor sees").filter(plan=plan))


def measures_of(plan: RectificationPlan) -> list[Measure]:
    return list(
        Measure.objects.unscoped("the measures of a plan the actor sees")
        .filter(problem__plan=plan)
        .select_related("owner_cadre", "owner_org")
    )


def content(plan: RectificationPlan) -> dict:
    """What the lists say now: the problems with their measures (PlanVersion.content)."""
    by_problem: dict[int, list[Measure]] = {}
    for m in measures_of(plan):
        by_problem.setdefault(m.problem_id, []).append(m)
    return {
        "problems": [
            {
                "id": p.pk,
                "focus_area": p.focus_area,
                "text": p.text,
                "measures": [_measure_content(m) for m in by_problem.get(p.pk, [])],
            }
            for p in problems_of(plan)
        ]
    }


def _measure_content(m: Measure) -> dict:
    owner = m.owner_cadre or m.owner_org
    return {
        "id": m.pk,
        "text": m.text,
        "kind": m.kind,
        "owner_code": owner.code,
        "owner_name": owner.name,
        "owner_kind": "cadre" if m.owner_cadre_id else "organization",
        "deadline": m.deadline.isoformat(),
        "target_value": None if m.target_value is None else str(m.target_value),
        "target_unit": m.target_unit,
    }


def drafts_of(plan: RectificationPlan) -> list[ProblemDraft]:
    """The plan's lists as drafts, for the page's single edits."""
    return [
        ProblemDraft(
            focus_area=p["focus_area"],
            text=p["text"],
            id=p["id"],
            measures=tuple(
                MeasureDraft(
                    text=m["text"],
                    owner_code=m["owner_code"],
                    deadline=m["deadline"],
                    kind=m["kind"],
                    target_value=m["target_value"],
                    target_unit=m["target_unit"],
                    id=m["id"],
                )
                for m in p["measures"]
            ),
        )
        for p in content(plan)["problems"]
    ]


# --- who and what ---------------------------------------------------------------------------


def _talk_for(actor, talk: Talk) -> Talk:
    """The talk as the actor sees it, locked for the change; 404 out of scope."""
    if actor is not None:
        scoping.require(Talk.objects.visible_to(actor).filter(pk=talk.pk).exists())
    return (
        Talk.objects.unscoped("locking a talk the actor sees")
        .select_for_update(of=("self",))
        .select_related("campaign__committee", "subject_org")
        .get(pk=talk.pk)
    )


def _locked_plan(talk: Talk) -> RectificationPlan:
    plan = (
        RectificationPlan.objects.unscoped("the plan of a talk the actor sees, locked")
        .select_for_update()
        .filter(talk_id=talk.pk)
        .first()
    )
    if plan is None:
        raise ValidationError(_("尚未填报整改清单"), code="no_plan")
    return plan


def _fresh(plan: RectificationPlan, expected_version: int | None) -> None:
    check_fresh(
        plan, expected_version, object_type="rectification_plan", object_id=str(plan.talk_id),
        labels=PLAN_LABELS,
    )  # fmt: skip


def _plan_url(talk: Talk) -> str:
    return reverse("rectification:plan", kwargs={"pk": talk.pk})


def _refuse_unless_filed(talk: Talk) -> None:
    if talk.status not in FILED_STATUSES:
        raise ValidationError(
            _("谈话记录封存后，方可填报整改清单（问题清单、举措清单、时限清单）"), code="not_sealed"
        )


# --- the write path --------------------------------------------------------------------------


@transaction.atomic
def ensure_plan(*, actor, talk: Talk) -> RectificationPlan:
    """The talk's plan, created where it has none: one problem for each problem pointed out
    in the sealed record, in its order and focus area, each waiting for its measures."""
    talk = _talk_for(actor, talk)
    scoping.require(actor is None or rules.may_file(actor, talk))
    existing = RectificationPlan.objects.unscoped("does the talk have a plan").filter(talk=talk)
    plan = existing.first()
    if plan is not None:
        return plan
    _refuse_unless_filed(talk)
    plan = RectificationPlan.objects.create(
        talk=talk, filed_by=actor, classification=talk.classification
    )
    pointed = RecordProblem.objects.unscoped("the sealed record of a visible talk").filter(
        record__talk=talk
    )
    Problem.objects.bulk_create(
        [
            Problem(plan=plan, order=i, record_problem=rp, focus_area=rp.focus_area, text=rp.text)
            for i, rp in enumerate(pointed, start=1)
        ]
    )
    carried = _carry_over(actor=actor, talk=talk, plan=plan, start=len(pointed) + 1)
    audit.record(
        "rectification_plan.create",
        object_type="rectification_plan",
        object_id=str(talk.pk),
        after={"status": plan.status, "problems": len(pointed), "carried_over": carried},
        actor=actor,
    )
    return plan


def _carry_over(*, actor, talk: Talk, plan: RectificationPlan, start: int) -> int:
    """Last years' unfinished measures of the subject come into the new plan (DESIGN §4:
    unfinished measures carry over into the next year's campaign): under their problem,
    marked as carried from it, with their owner, kind and target; a deadline already past the
    talk moves to the end of the talk's year, which the subject may still change before
    submitting. Returns the measures carried."""
    from tanhua.rectification.services.carryover import carry_over

    if actor is None:
        return 0
    offers = carry_over(actor=actor, talk=talk)
    if not offers:
        return 0
    held = talk.held_on or timezone.localdate()
    year_end = dt.date(held.year, 12, 31)
    if year_end <= held:
        year_end = held + dt.timedelta(days=30)
    problems: dict[int, Problem] = {}
    for offer in offers:
        if offer.problem_id not in problems:
            problems[offer.problem_id] = Problem.objects.create(
                plan=plan,
                order=start + len(problems),
                carried_from_id=offer.problem_id,
                focus_area=offer.focus_area,
                text=offer.problem_text,
            )
        old = offer.measure
        deadline = old.deadline if old.deadline > held else year_end
        Measure.objects.create(
            problem=problems[offer.problem_id],
            order=old.order,
            text=old.text,
            kind=old.kind,
            owner_cadre_id=old.owner_cadre_id,
            owner_org_id=old.owner_org_id,
            deadline=deadline,
            original_deadline=deadline,
            target_value=old.target_value,
            target_unit=old.target_unit,
            achieved_value=old.achieved_value,
            carried_from=old,
            campaign_id=talk.campaign_id,
            year=talk.year,
            committee_id=talk.committee_id,
            talk=talk,
            subject_id=talk.subject_id,
            subject_org_id=talk.subject_org_id,
            focus_area=offer.focus_area,
            classification=talk.classification,
        )
    return len(offers)


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise PlanRefused(
            _("%(w)s：请填写整改时限（日期，如 2026-12-31）") % {"w": where}, code="deadline"
        ) from None


def amount(value, where: str) -> Decimal | None:
    """A target or a figure reached: empty, or a number ≥ 0 below 10¹² with two decimals."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= Decimal(10**12):
        raise PlanRefused(
            _("%(w)s：须为不小于零的数字") % {"w": where}, code="target_value"
        ) from None
    return number.quantize(Decimal("0.01"))


def check_deadline(talk: Talk, deadline: dt.date, where: str) -> None:
    """After the talk (its held date), and within MAX_YEARS of it."""
    held = talk.held_on or timezone.localdate()
    if deadline <= held:
        raise PlanRefused(
            _("%(w)s：整改时限须晚于谈话日期（%(d)s）") % {"w": where, "d": held.isoformat()},
            code="deadline",
        )
    if deadline > held.replace(year=held.year + MAX_YEARS):
        raise PlanRefused(
            _("%(w)s：整改时限不能晚于谈话后%(n)d年") % {"w": where, "n": MAX_YEARS},
            code="deadline",
        )


@dataclass
class _Clean:
    problem: ProblemDraft
    measures: list[tuple[MeasureDraft, owners.Owner, dt.date, Decimal | None]]


def _clean(actor, talk: Talk, drafts, problem_ids: set, measure_ids: set) -> list[_Clean]:
    if len(drafts) > MAX_PROBLEMS:
        raise PlanRefused(_("问题清单最多%(n)d个问题") % {"n": MAX_PROBLEMS}, code="too_many")
    cache: dict = {}
    out, seen_p, seen_m = [], set(), set()
    for i, p in enumerate(drafts, start=1):
        where = _("第%(i)d个问题") % {"i": i}
        if p.focus_area not in FocusArea.values:
            raise PlanRefused(_("%(w)s：请选择重点方面（A1—A4）") % {"w": where}, code="focus_area")
        text = (p.text or "").strip()
        if not text or len(text) > MAX_TEXT:
            raise PlanRefused(
                _("%(w)s：问题不能为空，且不超过%(n)d字") % {"w": where, "n": MAX_TEXT},
                code="text",
            )
        if p.id is not None and (p.id not in problem_ids or p.id in seen_p):
            raise PlanRefused(_("%(w)s已不在此清单中，请刷新后重试") % {"w": where}, code="unknown")
        seen_p.add(p.id)
        if len(p.measures) > MAX_MEASURES:
            raise PlanRefused(
                _("%(w)s：举措最多%(n)d条") % {"w": where, "n": MAX_MEASURES}, code="too_many"
            )
        measures = []
        for j, m in enumerate(p.measures, start=1):
            mw = _("第%(i)d个问题的第%(j)d条举措") % {"i": i, "j": j}
            mtext = (m.text or "").strip()
            if not mtext or len(mtext) > MAX_TEXT:
                raise PlanRefused(
                    _("%(w)s：举措不能为空，且不超过%(n)d字") % {"w": mw, "n": MAX_TEXT},
                    code="text",
                )
            if m.kind not in MeasureKind.values:
                raise PlanRefused(
                    _("%(w)s：请选择类别（立行立改或长期坚持）") % {"w": mw}, code="kind"
                )
            if m.id is not None and (m.id not in measure_ids or m.id in seen_m):
                raise PlanRefused(
                    _("%(w)s已不在此清单中，请刷新后重试") % {"w": mw}, code="unknown"
                )
            seen_m.add(m.id)
            owner = owners.resolve(actor, talk, m.owner_code, cache=cache)
            if owner is None:
                raise PlanRefused(
                    "{}：{}".format(mw, owners.unknown_owner((m.owner_code or "").strip()[:40])),
                    code="owner",
                )
            deadline = _date(m.deadline, mw)
            check_deadline(talk, deadline, mw)
            target = amount(m.target_value, _("%(w)s的目标值") % {"w": mw})
            unit = (m.target_unit or "").strip()
            if len(unit) > MAX_UNIT:
                raise PlanRefused(
                    _("%(w)s：计量单位不超过%(n)d字") % {"w": mw, "n": MAX_UNIT}, code="unit"
                )
            kept = MeasureDraft(**{**m.__dict__, "text": mtext, "target_unit": unit})
            measures.append((kept, owner, deadline, target))
        out.append(_Clean(ProblemDraft(**{**p.__dict__, "text": text}), measures))
    return out


def _as_text(snapshot: dict) -> str:
    """The lists as one line per problem, so a refused stale edit can say what changed."""
    return "；".join(
        f"{p['focus_area']} {p['text'][:30]}（{len(p['measures'])}条举措）"
        for p in snapshot["problems"]
    )


@transaction.atomic
def save_plan(
    *, actor, talk: Talk, problems: list[ProblemDraft], expected_version: int | None
) -> RectificationPlan:
    """Replace the lists by `problems` (in this order) as one new version. Refused once
    submitted (until returned) and once approved."""
    talk = _talk_for(actor, talk)
    scoping.require(actor is None or rules.may_file(actor, talk))
    if not RectificationPlan.objects.unscoped("has a plan").filter(talk=talk).exists():
        ensure_plan(actor=actor, talk=talk)
    plan = _locked_plan(talk)
    _fresh(plan, expected_version)
    if plan.status == PlanStatus.APPROVED:
        raise ValidationError(
            _("整改清单已审核通过，不能再修改；进展、销号和延期请在各项举措中办理"),
            code="approved",
        )
    if plan.status == PlanStatus.SUBMITTED:
        raise ValidationError(_("整改清单已提交审核，审核退回后方可修改"), code="submitted")
    current_p = {p.pk: p for p in problems_of(plan)}
    current_m = {m.pk: m for m in measures_of(plan)}
    cleaned = _clean(actor, talk, problems, set(current_p), set(current_m))
    before = content(plan)
    keep_p = {c.problem.id for c in cleaned if c.problem.id is not None}
    keep_m = {m.id for c in cleaned for m, *_rest in c.measures if m.id is not None}
    Measure.objects.unscoped("removing measures of the locked plan").filter(
        pk__in=[pk for pk in current_m if pk not in keep_m]
    ).delete()
    Problem.objects.unscoped("removing problems of the locked plan").filter(
        pk__in=[pk for pk in current_p if pk not in keep_p]
    ).delete()
    for order, c in enumerate(cleaned, start=1):
        d = c.problem
        problem = current_p.get(d.id) if d.id is not None else None
        if problem is None:
            problem = Problem(plan=plan, record_problem_id=d.record_problem_id)
        problem.order, problem.focus_area, problem.text = order, d.focus_area, d.text
        problem.save()
        for morder, (m, owner, deadline, target) in enumerate(c.measures, start=1):
            measure = current_m.get(m.id) if m.id is not None else None
            if measure is None:
                measure = Measure(
                    campaign_id=talk.campaign_id, year=talk.year,
                    committee_id=talk.committee_id, talk=talk, subject_id=talk.subject_id,
                    subject_org_id=talk.subject_org_id, classification=talk.classification,
                )  # fmt: skip
            measure.problem, measure.order, measure.text, measure.kind = (
                problem, morder, m.text, m.kind,
            )  # fmt: skip
            measure.owner_cadre, measure.owner_org = owner.cadre, owner.org
            # Before approval the deadline is still being drafted: the original follows it.
            measure.deadline = measure.original_deadline = deadline
            measure.target_value, measure.target_unit = target, m.target_unit
            measure.focus_area = d.focus_area
            measure.save()
    after = content(plan)
    if _comparable(after) == _comparable(before):
        return plan
    fields = ["updated_at", *plan.bump_version()]
    plan.save(update_fields=fields)
    audit.record(
        "rectification_plan.update",
        object_type="rectification_plan",
        object_id=str(talk.pk),
        before={"problems": _as_text(before)},
        after={"problems": _as_text(after)},
        detail={"version": plan.version, "problems": len(after["problems"])},
        actor=actor,
    )
    return plan


def _comparable(snapshot: dict) -> list:
    """The lists without the ids a save gives new rows (a save that changes nothing is no
    new version)."""
    return [
        (
            p["focus_area"],
            p["text"],
            [{k: v for k, v in m.items() if k != "id"} for m in p["measures"]],
        )
        for p in snapshot["problems"]
    ]


def _version(plan: RectificationPlan, action: str, actor, comment: str = "") -> PlanVersion:
    last = (
        PlanVersion.objects.unscoped("the versions of the locked plan")
        .filter(plan=plan)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return PlanVersion.objects.create(
        plan=plan, number=(last or 0) + 1, action=action, content=content(plan),
        comment=comment, by=actor,
    )  # fmt: skip


@transaction.atomic
def submit(*, actor, talk: Talk, expected_version: int | None) -> RectificationPlan:
    """The subject (or staff) hands the lists to the talker's side: every problem needs at
    least one measure."""
    talk = _talk_for(actor, talk)
    scoping.require(rules.may_file(actor, talk))
    plan = _locked_plan(talk)
    _fresh(plan, expected_version)
    if plan.status not in EDITABLE:
        raise ValidationError(_("整改清单已提交或已审核通过，无需再次提交"), code="status")
    snapshot = content(plan)
    if not snapshot["problems"]:
        raise ValidationError(_("问题清单还是空的，请先填写问题和举措"), code="empty")
    for i, p in enumerate(snapshot["problems"], start=1):
        if not p["measures"]:
            raise ValidationError(
                _("第%(i)d个问题还没有整改举措，请为每个问题至少填写一条举措") % {"i": i},
                code="no_measures",
            )
    before = plan.status
    plan.status = PlanStatus.SUBMITTED
    plan.filed_by = actor
    plan.submitted_at = timezone.now()
    plan.save(
        update_fields=["status", "filed_by", "submitted_at", "updated_at", *plan.bump_version()]
    )
    version = _version(plan, PlanVersion.Action.SUBMITTED, actor)
    audit.record(
        "rectification_plan.submit",
        object_type="rectification_plan",
        object_id=str(talk.pk),
        before={"status": before},
        after={"status": plan.status},
        detail={"version": plan.version, "plan_version": version.number},
        actor=actor,
    )
    from tanhua.notices.services import notify

    # The talker is told; the campaign's staff find it on their work page (many people).
    notify(
        recipients=[u for u in rules.talker_users(talk) if u.pk != actor.pk],
        event_key=f"plan:{plan.pk}:submitted:{version.number}",
        kind="plan_submitted",
        title=_("整改清单待您审核"),
        body=_("被谈话人已提交谈话后的整改清单（问题、举措、时限）"),
        url=_plan_url(talk),
    )
    return plan


def _refuse_unless_submitted(plan: RectificationPlan, actor) -> None:
    if plan.status != PlanStatus.SUBMITTED:
        message = (
            _("整改清单已审核通过")
            if plan.status == PlanStatus.APPROVED
            else _("整改清单尚未提交审核")
        )
        raise ValidationError(message, code="status")
    if plan.filed_by_id is not None and plan.filed_by_id == getattr(actor, "pk", None):
        raise ValidationError(
            _("您是此清单的提交人，不能审核自己提交的清单，请由谈话人或其他工作人员审核"),
            code="own",
        )


@transaction.atomic
def approve(*, actor, talk: Talk, expected_version: int | None) -> RectificationPlan:
    """The talker's side approves: the lists are in force (deadlines are the original ones
    from now on) and the talk is rectifying."""
    talk = _talk_for(actor, talk)
    scoping.require(rules.is_talker_side(actor, talk))
    plan = _locked_plan(talk)
    _fresh(plan, expected_version)
    _refuse_unless_submitted(plan, actor)
    plan.status = PlanStatus.APPROVED
    plan.approved_by = actor
    plan.approved_at = timezone.now()
    plan.return_comment = ""
    plan.save(
        update_fields=[
            "status", "approved_by", "approved_at", "return_comment", "updated_at",
            *plan.bump_version(),
        ]
    )  # fmt: skip
    version = _version(plan, PlanVersion.Action.APPROVED, actor)
    audit.record(
        "rectification_plan.approve",
        object_type="rectification_plan",
        object_id=str(talk.pk),
        before={"status": PlanStatus.SUBMITTED},
        after={"status": plan.status},
        detail={"version": plan.version, "plan_version": version.number},
        actor=actor,
    )
    from tanhua.talks.services.state import rectification_started

    rectification_started(talk=talk)
    _tell_filer(talk, plan, "approved", _("整改清单已审核通过"), "", version.number)
    return plan


@transaction.atomic
def return_plan(
    *, actor, talk: Talk, comment: str, expected_version: int | None
) -> RectificationPlan:
    """The talker's side sends the lists back with what to change."""
    talk = _talk_for(actor, talk)
    scoping.require(rules.is_talker_side(actor, talk))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("请填写退回意见，说明需要修改什么"), code="comment")
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("退回意见不能超过%(n)d个字") % {"n": MAX_COMMENT}, code="comment")
    plan = _locked_plan(talk)
    _fresh(plan, expected_version)
    _refuse_unless_submitted(plan, actor)
    plan.status = PlanStatus.RETURNED
    plan.return_comment = comment
    plan.save(update_fields=["status", "return_comment", "updated_at", *plan.bump_version()])
    version = _version(plan, PlanVersion.Action.RETURNED, actor, comment)
    audit.record(
        "rectification_plan.return",
        object_type="rectification_plan",
        object_id=str(talk.pk),
        before={"status": PlanStatus.SUBMITTED},
        after={"status": plan.status},
        detail={"version": plan.version, "plan_version": version.number, "comment": comment},
        actor=actor,
    )
    _tell_filer(talk, plan, "returned", _("整改清单被退回修改"), comment, version.number)
    return plan


def _tell_filer(talk: Talk, plan, what: str, title: str, body: str, number: int) -> None:
    from tanhua.notices.services import notify

    filer = [plan.filed_by] if plan.filed_by_id else []
    notify(
        recipients=[*filer, *rules.subject_users(talk)],
        event_key=f"plan:{plan.pk}:{what}:{number}",
        kind=f"plan_{what}",
        title=title,
        body=body,
        url=_plan_url(talk),
    )
