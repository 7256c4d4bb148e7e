"""Confirmation and seal of a talk's record, and the addenda after it (see record.py).

The talker and the subject each confirm the record they read by re-entering their password,
and their second factor where they have or need one (tanhua.accounts.security: the same
devices and rules as the login); the second confirmation seals it: the content hash of its
canonical JSON is stored and it never changes again. Corrections are dated addenda, each
hashed together with the seal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.versioning import StaleEdit, check_fresh
from tanhua.talks.models import RecordAddendum, RecordProblem, Talk, TalkRecord, TalkStatus
from tanhua.talks.services.outline import is_talker
from tanhua.talks.services.record import (
    MAX_ADDENDUM,
    SECTION_LABELS,
    StaleRecord,
    _locked_record,
    _problems,
    _talk_users,
    _visible_talk,
    addendum_hash,
    content_hash,
    is_subject,
    may_write,
    payload,
)


def confirm_refusal(user, talk: Talk, record: TalkRecord | None) -> str | None:
    """Why `user` cannot confirm now (None: they can); the caller has checked they are the
    talker or the subject of this talk."""
    if record is None or not talk.is_held:
        return _("谈话结束、记录人标记“已谈话”后，方可确认记录")
    if record.is_sealed:
        return _("记录已封存")
    role = "talker" if is_talker(user, talk) else "subject"
    if getattr(record, f"{role}_confirmed_at") is not None:
        return _("您已确认此记录，等待对方确认")
    return None


def _second_factor_error(user, token: str) -> str | None:
    """The second factor where the user has an authenticator or their roles require one:
    the same devices and rules as the login (tanhua.accounts.security)."""
    from tanhua.accounts import security

    has_device = security.confirmed_totp_device(user) is not None
    if not has_device and not security.needs_second_factor(user):
        return None
    if not has_device:
        return _("您的账号需要动态口令，请先在个人中心绑定验证器")
    if security.verify_second_factor(user=user, token=token) is None:
        return _("动态口令不正确或已使用，请输入验证器上最新的 6 位数字或一个备用码")
    return None


def confirm(
    *,
    actor,
    talk: Talk,
    password: str,
    token: str = "",
    expected_version: int | None,
    ip: str = "",
) -> TalkRecord:
    """The talker or the subject confirms the record they read (`expected_version`) by
    re-entering their password (and second factor); the second confirmation seals it.

    The credentials are checked before the transaction of the confirmation: a wrong password
    must count towards the lockout and stay in the trail even though nothing is confirmed."""
    from tanhua.accounts import security

    talk = Talk.objects.visible_to(actor).filter(pk=talk.pk).first()
    scoping.require(talk is not None)
    scoping.require(is_talker(actor, talk) or is_subject(actor, talk))
    record = TalkRecord.objects.unscoped("the record of a visible talk").filter(talk=talk).first()
    reason = confirm_refusal(actor, talk, record)
    if reason:
        raise ValidationError(reason, code="not_ready")
    wrong = security.check_own_password(
        user=actor, password=password, ip=ip, purpose="talk_record_confirm"
    )
    if wrong:
        raise ValidationError(wrong, code="password")
    wrong = _second_factor_error(actor, token)
    if wrong:
        raise ValidationError(wrong, code="token")
    return _confirm(actor=actor, talk=talk, expected_version=expected_version)


@transaction.atomic
def _confirm(*, actor, talk: Talk, expected_version: int | None) -> TalkRecord:
    talk = (
        Talk.objects.unscoped("locking a talk the actor sees").select_for_update().get(pk=talk.pk)
    )
    record = _locked_record(talk)
    reason = confirm_refusal(actor, talk, record)
    if reason:
        raise ValidationError(reason, code="not_ready")
    try:
        check_fresh(
            record, expected_version, object_type="talk_record", object_id=str(talk.pk),
            labels=SECTION_LABELS,
        )  # fmt: skip
    except StaleEdit as stale:
        raise StaleRecord(stale, payload(record)) from None
    role = "talker" if is_talker(actor, talk) else "subject"
    now = timezone.now()
    setattr(record, f"{role}_confirmed_at", now)
    setattr(record, f"{role}_confirmed_by", actor)
    fields = [f"{role}_confirmed_at", f"{role}_confirmed_by", "updated_at", *record.bump_version()]
    record.save(update_fields=fields)
    audit.record(
        "record.confirm",
        object_type="talk_record",
        object_id=str(talk.pk),
        after={f"{role}_confirmed_at": now},
        detail={"as": role, "version": record.version},
        actor=actor,
    )
    if record.talker_confirmed_at and record.subject_confirmed_at:
        _seal(actor=actor, talk=talk, record=record)
    return record


def _seal(*, actor, talk: Talk, record: TalkRecord) -> None:
    problems = _problems(record)
    # The problems' own copy of the seal (the year's counts read it), before the record is
    # sealed: from then on the trigger refuses any change of them.
    RecordProblem.objects.unscoped("the problems of the record being sealed").filter(
        record=record
    ).update(sealed=True)
    record.sealed_at = timezone.now()
    record.content_hash = content_hash(record, problems)
    record.save(update_fields=["sealed_at", "content_hash", "updated_at"])
    talk.status = TalkStatus.SEALED
    talk.bump_version()
    talk.save(update_fields=["status", "version", "updated_at"])
    audit.record(
        "record.seal",
        object_type="talk_record",
        object_id=str(talk.pk),
        after={"content_hash": record.content_hash, "sealed_at": record.sealed_at},
        detail={"problems": len(problems)},
        actor=actor,
    )
    from tanhua.notices.services import notify

    recorder = [talk.recorder] if talk.recorder_id else []
    notify(
        recipients=[*recorder, *_talk_users(talk)],
        event_key=f"talk:{talk.pk}:record_sealed",
        kind="record_sealed",
        title=_("谈话记录已封存"),
        url=reverse("talks:detail", kwargs={"pk": talk.pk}),
    )


def may_add_addendum(user, talk: Talk) -> bool:
    return (
        may_write(user, talk)
        or is_talker(user, talk)
        or bool(scoping.user_roles(user) & R.PLAN_TALKS)
    )


@transaction.atomic
def add_addendum(*, actor, talk: Talk, text: str) -> RecordAddendum:
    """A dated correction to a sealed record; the sealed text itself stays as it was."""
    talk = _visible_talk(actor, talk)
    scoping.require(may_add_addendum(actor, talk))
    record = _locked_record(talk)
    if record is None or not record.is_sealed:
        raise ValidationError(_("记录封存后才能添加补正；封存前请直接修改记录"), code="not_sealed")
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("补正内容不能为空"), code="required")
    if len(text) > MAX_ADDENDUM:
        raise ValidationError(_("补正内容不能超过%(n)d字") % {"n": MAX_ADDENDUM}, code="too_long")
    # The row's own time (auto_now_add) is part of what the hash covers: written first,
    # hashed once from what is stored (the database refuses any later change of a hashed one).
    addendum = RecordAddendum.objects.create(record=record, text=text, by=actor, content_hash="")
    addendum.content_hash = addendum_hash(record, text=text, at=addendum.at, by=actor.username)
    RecordAddendum.objects.unscoped("hashing the addendum just written").filter(
        pk=addendum.pk
    ).update(content_hash=addendum.content_hash)
    audit.record(
        "record.addendum",
        object_type="talk_record",
        object_id=str(talk.pk),
        after={"text": text, "content_hash": addendum.content_hash},
        actor=actor,
    )
    return addendum
