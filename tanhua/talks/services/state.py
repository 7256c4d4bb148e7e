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
