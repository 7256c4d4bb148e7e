"""The record of a talk (专人全程记录): started by the recorder once the outline is approved,
written live with versioned saves, marked held, confirmed by the talker and the subject
(each re-entering their password, and their second factor where they have or need one),
then sealed: its content hash is stored and it never changes again. Corrections are dated
addenda, each with its own hash chained to the seal.

Two editors never silently overwrite each other: every save names the version it was made
from; a save from an older one is refused with `StaleRecord`, which carries the saved text
so the page can show both side by side."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.versioning import StaleEdit, check_fresh
from tanhua.talks.models import (
    FocusArea,
    Outline,
    OutlineProblem,
    OutlineStatus,
    RecordProblem,
    Talk,
    TalkRecord,
    TalkStatus,
)

SECTIONS = ("overall_evaluation", "explanation", "suggestions", "requirements")
SECTION_LABELS = {
    "overall_evaluation": _lazy("总体评价"),
    "problems": _lazy("指出的问题"),
    "explanation": _lazy("被谈话人说明"),
    "suggestions": _lazy("被谈话人意见建议"),
    "requirements": _lazy("谈话人提出的要求"),
    "started_at": _lazy("开始时间"),
    "ended_at": _lazy("结束时间"),
    "talker_confirmed_at": _lazy("谈话人确认"),
    "subject_confirmed_at": _lazy("被谈话人确认"),
}
MAX_SECTION = 50_000
MAX_PROBLEMS = 30
MAX_ADDENDUM = 5_000
SEALED_MESSAGE = _lazy("记录已封存，不能再修改；如需更正，请添加补正说明")


@dataclass(frozen=True)
class ProblemDraft:
    """A problem pointed out, as the editor sent it: `id` of an existing one of this record
    (None: new), `outline_problem` the outline problem it came from (None: raised in the
    talk)."""

    focus_area: str
    text: str
    id: int | None = None
    outline_problem: int | None = None


class StaleRecord(StaleEdit):
    """A save from an older version: nothing was saved; `current` is the saved record (the
    payload of `payload()`), to be shown beside the editor's own text."""

    def __init__(self, stale: StaleEdit, current: dict):
        super().__init__(
            current_version=stale.current_version, changes=stale.changes, labels=stale.labels
        )
        self.current = current


# --- who may ------------------------------------------------------------------------------


def may_write(user, talk: Talk) -> bool:
    """The recorder, and the accompanying official (陪谈) who may take over the pen; never
    on their own talk (Talk.objects.handled_by)."""
    if user is None or is_subject(user, talk):
        return False
    return user.pk in {talk.recorder_id, talk.companion_id} - {None}


def is_subject(user, talk: Talk) -> bool:
    """The user's cadre record is the talk's subject: they take part in it as its subject,
    whatever roles they hold (Talk.objects.visible_to gives them no other part in it)."""
    cadre_id = getattr(user, "cadre_id", None)
    return cadre_id is not None and cadre_id == talk.subject_id


def _visible_talk(actor, talk: Talk) -> Talk:
    # Acting on the record: never the subject's own talk (Talk.objects.handled_by).
    scoping.require(Talk.objects.handled_by(actor).filter(pk=talk.pk).exists())
    return (
        Talk.objects.unscoped("locking a talk the actor sees").select_for_update().get(pk=talk.pk)
    )


def _locked_record(talk: Talk) -> TalkRecord | None:
    return (
        TalkRecord.objects.unscoped("the record of a talk the actor sees, locked for the change")
        .select_for_update()
        .filter(talk_id=talk.pk)
        .first()
    )


def _problems(record: TalkRecord) -> list[RecordProblem]:
    return list(
        RecordProblem.objects.unscoped("the problems of a record the actor sees").filter(
            record=record
        )
    )


# --- what a record says ----------------------------------------------------------------------


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def payload(record: TalkRecord, problems: list[RecordProblem] | None = None) -> dict:
    """The record as the page and the API exchange it."""
    problems = _problems(record) if problems is None else problems
    return {
        "version": record.version,
        **{name: getattr(record, name) for name in SECTIONS},
        "started_at": _local(record.started_at),
        "ended_at": _local(record.ended_at),
        "problems": [
            {
                "id": p.pk,
                "outline_problem": p.outline_problem_id,
                "focus_area": p.focus_area,
                "text": p.text,
            }
            for p in problems
        ],
        "saved_at": timezone.localtime(record.updated_at).strftime("%H:%M:%S"),
        "sealed": record.is_sealed,
        "content_hash": record.content_hash,
    }


def canonical(record: TalkRecord, problems: list[RecordProblem]) -> bytes:
    """The sealed content, as canonical JSON (sorted keys, no spaces, UTC times): the input
    of the content hash. Anyone holding the record can recompute it."""

    def utc(value):
        return value.astimezone(dt.UTC).isoformat() if value else None

    body = {
        "talk": record.talk_id,
        **{name: getattr(record, name) for name in SECTIONS},
        "started_at": utc(record.started_at),
        "ended_at": utc(record.ended_at),
        "problems": [
            {
                "order": i,
                "focus_area": p.focus_area,
                "outline_problem": p.outline_problem_id,
                "text": p.text,
            }
            for i, p in enumerate(problems, start=1)
        ],
        "talker_confirmed_at": utc(record.talker_confirmed_at),
        "subject_confirmed_at": utc(record.subject_confirmed_at),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_hash(record: TalkRecord, problems: list[RecordProblem] | None = None) -> str:
    problems = _problems(record) if problems is None else problems
    return hashlib.sha256(canonical(record, problems)).hexdigest()


def seal_intact(record: TalkRecord) -> bool:
    """Whether the sealed record still hashes to what was stored at sealing."""
    return record.is_sealed and content_hash(record) == record.content_hash


def addendum_hash(record: TalkRecord, *, text: str, at: dt.datetime, by: str) -> str:
    body = {
        "seal": record.content_hash,
        "text": text,
        "at": at.astimezone(dt.UTC).isoformat(),
        "by": by,
    }
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


# --- the write path -------------------------------------------------------------------------


def start_refusal(talk: Talk) -> str | None:
    """Why the record of `talk` cannot be started now (None: it can)."""
    if talk.recorder_id is None:
        return _("尚未指定记录人，不能开始记录")
    outline = Outline.objects.unscoped("the talk's own outline").filter(talk_id=talk.pk).first()
    if outline is None or outline.status != OutlineStatus.APPROVED:
        return _("谈话提纲尚未经谈话人审定，不能开始谈话和记录")
    return None


@transaction.atomic
def start(*, actor, talk: Talk) -> TalkRecord:
    """The recorder opens the record (once): refused, with the reason, without an approved
    outline or an assigned recorder."""
    talk = _visible_talk(actor, talk)
    existing = _locked_record(talk)
    if existing is not None:
        scoping.require(may_write(actor, talk) or existing.is_sealed)
        return existing
    reason = start_refusal(talk)
    if reason:
        raise ValidationError(reason, code="not_ready")
    scoping.require(may_write(actor, talk))
    record = TalkRecord.objects.create(
        talk=talk,
        classification=talk.classification,
        started_at=timezone.now(),
        last_saved_by=actor,
    )
    audit.record(
        "record.start",
        object_type="talk_record",
        object_id=str(talk.pk),
        after={"started_at": record.started_at},
        actor=actor,
    )
    return record


def _clean_text(name: str, value) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise ValidationError(_("内容包含无法保存的字符"), code="invalid")
    if len(text) > MAX_SECTION:
        raise ValidationError(
            _("“%(f)s”过长（最多%(n)d字）") % {"f": SECTION_LABELS[name], "n": MAX_SECTION},
            code="too_long",
        )
    return text


def _clean_time(name: str, value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(
                _("“%(f)s”不是有效的时间") % {"f": SECTION_LABELS[name]}, code="time"
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _clean_problems(record, drafts: list[ProblemDraft], existing: set[int]) -> list[ProblemDraft]:
    if len(drafts) > MAX_PROBLEMS:
        raise ValidationError(_("指出的问题过多（最多%(n)d个）") % {"n": MAX_PROBLEMS}, code="many")
    outline_ids = set(
        OutlineProblem.objects.unscoped("the outline problems of the record's talk")
        .filter(outline__talk_id=record.talk_id)
        .values_list("pk", flat=True)
    )
    out = []
    for i, d in enumerate(drafts, start=1):
        if d.focus_area not in FocusArea.values:
            raise ValidationError(
                _("第%(i)d个问题：请选择重点方面（A1—A4）") % {"i": i}, code="focus_area"
            )
        if d.id is not None and d.id not in existing:
            raise ValidationError(
                _("第%(i)d个问题已不在此记录中，请刷新后重试") % {"i": i}, code="unknown_problem"
            )
        if d.outline_problem is not None and d.outline_problem not in outline_ids:
            raise ValidationError(
                _("第%(i)d个问题所关联的提纲问题不存在") % {"i": i}, code="unknown_outline"
            )
        out.append(
            ProblemDraft(
                focus_area=d.focus_area,
                text=_clean_text("problems", d.text),
                id=d.id,
                outline_problem=d.outline_problem,
            )
        )
    return out


_UNSET = object()


@transaction.atomic
def save(
    *,
    actor,
    talk: Talk,
    expected_version: int | None,
    sections: dict[str, str] | None = None,
    problems: list[ProblemDraft] | None = None,
    started_at=_UNSET,
    ended_at=_UNSET,
) -> TalkRecord:
    """One versioned save of the sections given (absent ones stay as they are). A save from
    an older version raises StaleRecord with the saved text; a sealed record refuses. A save
    that changes a confirmed text undoes the confirmations (they confirmed another text)."""
    talk = _visible_talk(actor, talk)
    scoping.require(may_write(actor, talk))
    record = _locked_record(talk)
    if record is None:
        raise ValidationError(_("记录尚未开始"), code="not_started")
    if record.is_sealed:
        raise ValidationError(SEALED_MESSAGE, code="sealed")
    try:
        check_fresh(
            record,
            expected_version,
            object_type="talk_record",
            object_id=str(talk.pk),
            labels=SECTION_LABELS,
        )
    except StaleEdit as stale:
        raise StaleRecord(stale, payload(record)) from None
    before: dict = {}
    after: dict = {}
    for name, value in (sections or {}).items():
        if name not in SECTIONS:
            continue
        text = _clean_text(name, value)
        if text != getattr(record, name):
            before[name], after[name] = getattr(record, name), text
            setattr(record, name, text)
    for name, value in (("started_at", started_at), ("ended_at", ended_at)):
        if value is _UNSET:
            continue
        moment = _clean_time(name, value)
        if moment != getattr(record, name):
            before[name], after[name] = getattr(record, name), moment
            setattr(record, name, moment)
    if record.started_at and record.ended_at and record.ended_at < record.started_at:
        raise ValidationError(_("结束时间不能早于开始时间"), code="time_order")
    if problems is not None:
        current = _problems(record)
        old = _problem_lines(current)
        drafts = _clean_problems(record, problems, {p.pk for p in current})
        _sync_problems(talk, record, drafts, current)
        new = _problem_lines(_problems(record))
        if new != old:
            before["problems"], after["problems"] = old, new
    if not after:
        return record
    fields = [*(k for k in after if k != "problems"), "last_saved_by", "updated_at"]
    record.last_saved_by = actor
    unconfirmed = []
    for who in ("talker", "subject"):
        if getattr(record, f"{who}_confirmed_at") is not None:
            setattr(record, f"{who}_confirmed_at", None)
            setattr(record, f"{who}_confirmed_by", None)
            fields += [f"{who}_confirmed_at", f"{who}_confirmed_by"]
            unconfirmed.append(who)
    fields += record.bump_version()
    record.save(update_fields=fields)
    # The full-text index follows once the save commits (tanhua/search/index.py).
    from tanhua.search import index

    index.touch("talk_record", [record.pk])
    audit.record(
        "record.update",
        object_type="talk_record",
        object_id=str(talk.pk),
        before=before,
        after=after,
        detail={"version": record.version, **({"unconfirmed": unconfirmed} if unconfirmed else {})},
        actor=actor,
    )
    return record


def _problem_lines(problems) -> str:
    return "；".join(f"{p.focus_area} {p.text[:60]}" for p in problems)


def _sync_problems(
    talk: Talk, record, drafts: list[ProblemDraft], current: list[RecordProblem]
) -> None:
    by_id = {p.pk: p for p in current}
    keep = {d.id for d in drafts if d.id is not None}
    gone = [pk for pk in by_id if pk not in keep]
    if gone:
        RecordProblem.objects.unscoped("removing problems of the locked record").filter(
            pk__in=gone
        ).delete()
    for order, d in enumerate(drafts, start=1):
        p = by_id.get(d.id) if d.id is not None else None
        if p is None:
            p = RecordProblem(
                record=record, campaign_id=talk.campaign_id, year=talk.year,
                committee_id=talk.committee_id, talk_type=talk.type,
            )  # fmt: skip
        changed = (p.order, p.focus_area, p.text, p.outline_problem_id) != (
            order, d.focus_area, d.text, d.outline_problem,
        )  # fmt: skip
        if changed or p.pk is None:
            p.order, p.focus_area, p.text = order, d.focus_area, d.text
            p.outline_problem_id = d.outline_problem
            p.save()


@transaction.atomic
def mark_held(*, actor, talk: Talk, held_on: dt.date | None = None) -> TalkRecord:
    """The talk took place: the talk is `held` (on the day the record started unless told),
    the subject may now read the record, and both are asked to confirm it."""
    talk = _visible_talk(actor, talk)
    scoping.require(may_write(actor, talk))
    record = _locked_record(talk)
    if record is None:
        raise ValidationError(_("记录尚未开始，不能标记为已谈话"), code="not_started")
    if talk.is_held:
        raise ValidationError(_("已标记为已谈话"), code="held")
    reason = start_refusal(talk)
    if reason:
        raise ValidationError(reason, code="not_ready")
    day = held_on or timezone.localdate(record.started_at or timezone.now())
    before = {"status": talk.status, "held_on": None}
    talk.status, talk.held_on = TalkStatus.HELD, day
    talk.bump_version()
    talk.save(update_fields=["status", "held_on", "version", "updated_at"])
    if record.ended_at is None:
        record.ended_at = timezone.now()
        fields = ["ended_at", "last_saved_by", "updated_at", *record.bump_version()]
        record.last_saved_by = actor
        record.save(update_fields=fields)
    audit.record(
        "record.held",
        object_type="talk_record",
        object_id=str(talk.pk),
        before=before,
        after={"status": talk.status, "held_on": day},
        actor=actor,
    )
    _ask_to_confirm(talk)
    return record


def _talk_users(talk: Talk, *, talker: bool = True, subject: bool = True) -> list:
    from django.db.models import Q

    from tanhua.accounts.models import User

    q = Q(pk__in=[])
    if talker:
        q |= Q(cadre_id=talk.talker_id, role_grants__role=R.Role.TALKER)
    if subject:
        q |= Q(cadre_id=talk.subject_id, role_grants__role=R.Role.SUBJECT)
    return list(User.objects.filter(q, is_active=True).distinct())


def _ask_to_confirm(talk: Talk) -> None:
    from tanhua.notices.services import notify

    notify(
        recipients=_talk_users(talk),
        event_key=f"talk:{talk.pk}:record_to_confirm",
        kind="record_to_confirm",
        title=_("谈话记录待您确认"),
        body=_("请核对谈话记录，并输入密码确认。"),
        url=reverse("talks:confirm", kwargs={"pk": talk.pk}),
    )


# Confirmation, seal and addenda live in seal.py; they are part of this module's interface.
from tanhua.talks.services.seal import (  # noqa: E402
    add_addendum as add_addendum,
)
from tanhua.talks.services.seal import (  # noqa: E402
    confirm as confirm,
)
from tanhua.talks.services.seal import (  # noqa: E402
    confirm_refusal as confirm_refusal,
)
from tanhua.talks.services.seal import (  # noqa: E402
    may_add_addendum as may_add_addendum,
)
