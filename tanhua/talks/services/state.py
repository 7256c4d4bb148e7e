"""The status a talk's facts give it before the talk is held (DESIGN §4)."""

from __future__ import annotations

from tanhua.talks.models import HELD_OR_LATER, Outline, OutlineStatus, Talk, TalkStatus


def settled_status(talk: Talk) -> str:
    """planned → preparing (an outline is being drafted) → outline approved → scheduled (an
    approved outline and a time). A talk may be given its time before the outline is
    approved; it counts as scheduled once both hold. From `held` on, status only moves
    forward through the record's services."""
    if talk.status in HELD_OR_LATER:
        return talk.status
    outline = (
        Outline.objects.unscoped("the talk's own outline, for its status")
        .filter(talk_id=talk.pk)
        .first()
    )
    approved = outline is not None and outline.status == OutlineStatus.APPROVED
    if approved and talk.scheduled_start is not None:
        return TalkStatus.SCHEDULED
    if approved:
        return TalkStatus.OUTLINE_APPROVED
    if outline is not None:
        return TalkStatus.PREPARING
    return TalkStatus.PLANNED


def rectification_started(*, talk: Talk) -> None:
    """sealed → rectifying: the talk's 三清单 was approved (tanhua.rectification calls this;
    talks knows no later stage). `talk` is locked by the caller."""
    if talk.status == TalkStatus.SEALED:
        talk.status = TalkStatus.RECTIFYING
        talk.save(update_fields=["status", "updated_at", *talk.bump_version()])


def rectification_settled(*, talk: Talk, open_immediate: int, immediate: int) -> None:
    """rectifying ⇄ closed as the talk's measures close: closed once every measure that is
    not long-term (at least one) is closed; back to rectifying when one reopens (a
    look-back). Long-term measures (长期坚持) are reviewed yearly and keep no talk open."""
    done = immediate > 0 and open_immediate == 0
    want = TalkStatus.CLOSED if done else TalkStatus.RECTIFYING
    if talk.status in (TalkStatus.RECTIFYING, TalkStatus.CLOSED) and talk.status != want:
        talk.status = want
        talk.save(update_fields=["status", "updated_at", *talk.bump_version()])
