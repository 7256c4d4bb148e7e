"""Who may do what on a 三清单 and its measures (the callers have already read the talk or
the measure through `visible_to`; these decide the part a visible user plays).

- the subject files and edits the lists (staff in scope may do it on their behalf) and
  records the 民主生活会 analyses;
- the talker's side — the talker, or staff (PLAN_TALKS) whose scope holds the campaign's
  committee — approves or returns the plan and decides close and extension requests;
- an owner (the cadre's user; for a unit-owned measure the subject or staff) reports
  progress and asks to close or to extend;
- a close request is decided by a second person: never the owner's user, never the
  requester; an extension never by its requester."""

from __future__ import annotations

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.talks.models import Talk
from tanhua.talks.services.outline import is_talker
from tanhua.talks.services.record import is_subject

__all__ = ["is_subject", "is_talker"]


def _staff_over(user, talk: Talk) -> bool:
    """Staff who prepare talks and whose scope holds the talk's campaign (not its subject)."""
    if is_subject(user, talk) or not scoping.has_any(user, R.PLAN_TALKS):
        return False
    path = scoping.scope_path(user)
    return path is not None and talk.campaign.committee.path.startswith(path)


def is_talker_side(user, talk: Talk) -> bool:
    """The talker, or staff over the talk's campaign: who supervises the rectification."""
    if user is None or is_subject(user, talk):
        return False
    return is_talker(user, talk) or _staff_over(user, talk)


def may_file(user, talk: Talk) -> bool:
    """The subject, or staff over the campaign on the subject's behalf."""
    return is_subject(user, talk) or _staff_over(user, talk)


def may_read_plan(user, talk: Talk) -> bool:
    """The subject and the talker's side; the recorder's part ends with the record."""
    return is_subject(user, talk) or is_talker_side(user, talk)


def is_owner(user, measure) -> bool:
    cadre_id = getattr(user, "cadre_id", None)
    return cadre_id is not None and cadre_id == measure.owner_cadre_id


def may_report(user, measure) -> bool:
    """The owning cadre's user; a unit-owned measure's subject or staff over it."""
    if is_owner(user, measure):
        return True
    if measure.owner_cadre_id is None:
        return may_file(user, measure.talk)
    return False


def may_read_measure(user, measure) -> bool:
    return may_report(user, measure) or may_read_plan(user, measure.talk)


def may_decide_close(user, measure, requested_by_id: int | None) -> bool:
    """A second person on the talker's side: never the owner's user, never the requester."""
    if not is_talker_side(user, measure.talk) or is_owner(user, measure):
        return False
    return user.pk != requested_by_id


def may_decide_extension(user, measure, requested_by_id: int | None) -> bool:
    return is_talker_side(user, measure.talk) and user.pk != requested_by_id


def talker_users(talk: Talk) -> list:
    from tanhua.talks.services.outline import _talker_users

    return _talker_users(talk)


def subject_users(talk: Talk) -> list:
    from tanhua.accounts.models import User

    return list(
        User.objects.filter(
            cadre_id=talk.subject_id, is_active=True, role_grants__role=R.Role.SUBJECT
        ).distinct()
    )


def owner_users(measure) -> list:
    """Who reports on a measure: the owning cadre's users; a unit's, the subject's."""
    from tanhua.accounts.models import User

    if measure.owner_cadre_id is None:
        return subject_users(measure.talk)
    return [
        u
        for u in User.objects.filter(cadre_id=measure.owner_cadre_id, is_active=True)
        if scoping.user_roles(u)
    ]
