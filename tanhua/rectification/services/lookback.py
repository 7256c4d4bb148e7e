"""The look-back (回头看, DESIGN §1 step 6): the commission re-verifies a random sample of a
campaign's closed measures (size and seed kept, so the same seed over the same measures draws
the same sample) plus every measure of chosen subjects. Each item is checked by someone who
neither owned the measure nor accepted its closing; a failed check reopens the measure with
the reason, tells the owner, and counts against the subject's next portrait."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.rectification.models import (
    CheckResult,
    CloseRequest,
    Decision,
    LookBack,
    LookBackItem,
    Measure,
    MeasureStatus,
)

MAX_SAMPLE = 10_000


class LookBackError(ValueError):
    """A look-back or a check that cannot be done as asked; the message says why (Chinese)."""


def draw(pool: list[int], size: int, seed: int) -> list[int]:
    """The sample: `size` of the sorted `pool` by `seed` — the same arguments, the same draw."""
    return sorted(random.Random(seed).sample(sorted(pool), min(size, len(pool))))


@transaction.atomic
def start_look_back(
    *,
    actor,
    campaign,
    title: str,
    sample_size: int,
    seed: int | None = None,
    subjects: Iterable = (),
) -> LookBack:
    """Start a look-back over `campaign` (which the caller read through its scope): the
    sample is drawn from the closed measures of the campaign the actor may see."""
    from tanhua.audit import services as audit

    scoping.require(scoping.has_any(actor, R.PLAN_TALKS))
    title = (title or "").strip()
    if not title:
        raise LookBackError(_("请填写回头看名称。"))
    if not 0 <= sample_size <= MAX_SAMPLE:
        raise LookBackError(_("抽查数量须在 0 至 %(n)d 之间。") % {"n": MAX_SAMPLE})
    subjects = list(subjects)
    if sample_size == 0 and not subjects:
        raise LookBackError(_("请填写抽查数量，或选择全面复查对象。"))
    if seed is None:
        seed = secrets.randbelow(2**53)
    mine = Measure.objects.visible_to(actor).filter(campaign=campaign)
    pool = list(mine.filter(status=MeasureStatus.CLOSED).values_list("pk", flat=True))
    sample = draw(pool, sample_size, seed)
    whole = list(
        mine.filter(subject__in=[s.pk for s in subjects])
        .exclude(pk__in=sample)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not sample and not whole:
        raise LookBackError(_("该谈话工作中没有可复查的整改举措。"))
    look_back = LookBack.objects.create(
        campaign=campaign, title=title, sample_size=sample_size, seed=seed, started_by=actor
    )
    # Through the link table: `.set()` would re-read the cadres without a scope.
    through = LookBack.subjects.through
    through.objects.bulk_create([through(lookback=look_back, cadre=s) for s in subjects])
    LookBackItem.objects.bulk_create(
        [LookBackItem(look_back=look_back, measure_id=pk, why=LookBackItem.Why.SAMPLE)
         for pk in sample]
        + [LookBackItem(look_back=look_back, measure_id=pk, why=LookBackItem.Why.SUBJECT)
           for pk in whole]
    )  # fmt: skip
    audit.record(
        "look_back.start",
        object_type="look_back",
        object_id=str(look_back.pk),
        object_repr=title,
        actor=actor,
        detail={
            "campaign": campaign.pk,
            "sample_size": sample_size,
            "seed": seed,
            "pool": len(pool),
            "sampled": len(sample),
            "subjects": [s.code for s in subjects],
            "whole": len(whole),
        },
    )
    return look_back


def may_verify(actor, measure: Measure) -> bool:
    """Neither its owner (nor its subject, who filed it), nor whoever asked to close it (a
    unit's measure is reported and closed by staff acting as its owner), nor whoever
    accepted its closing."""
    from django.db.models import Q

    cadre_id = getattr(actor, "cadre_id", None)
    if cadre_id and cadre_id in (measure.owner_cadre_id, measure.subject_id):
        return False
    took_part = CloseRequest.objects.unscoped("who closed the measure, for the check").filter(
        Q(decided_by=actor) | Q(requested_by=actor),
        measure=measure,
        decision=Decision.ACCEPTED,
    )
    return not took_part.exists()


@transaction.atomic
def verify_item(*, actor, item: LookBackItem, passed: bool, note: str = "") -> LookBackItem:
    """Record the check of one item (read through the caller's scope); a failure reopens its
    measure (整改中, reopened + 1) with the reason and tells the owner."""
    from tanhua.audit import services as audit

    scoping.require(scoping.has_any(actor, R.PLAN_TALKS))
    item = (
        LookBackItem.objects.unscoped("the item the caller read, locked")
        .select_for_update()
        .get(pk=item.pk)
    )
    measure = Measure.objects.unscoped("the item's measure, read by the caller").get(
        pk=item.measure_id
    )
    note = (note or "").strip()
    if item.result != CheckResult.PENDING:
        raise LookBackError(
            _("该举措已复查（%(r)s），不能重复复查。") % {"r": item.get_result_display()}
        )
    if not may_verify(actor, measure):
        raise LookBackError(_("复查须由既非责任人、销号申请人，也非销号审核人的同志进行。"))
    if not passed and not note:
        raise LookBackError(_("复查未通过时，请写明理由。"))
    item.result = CheckResult.PASSED if passed else CheckResult.FAILED
    item.note = note
    item.verified_by = actor
    item.verified_at = timezone.now()
    item.save(update_fields=["result", "note", "verified_by", "verified_at"])
    audit.record(
        "look_back.verify",
        object_type="look_back_item",
        object_id=str(item.pk),
        object_repr=measure.text[:50],
        actor=actor,
        detail={"measure": measure.pk, "result": item.result, "note": note},
    )
    if not passed:
        _reopen(actor=actor, measure=measure, reason=note, item=item)
    return item


def _reopen(*, actor, measure: Measure, reason: str, item: LookBackItem) -> None:
    from tanhua.accounts.models import User
    from tanhua.audit import services as audit
    from tanhua.notices.services import notify
    from tanhua.rectification.board import measure_url

    before = {"status": measure.status, "reopened": measure.reopened}
    was_closed = measure.status == MeasureStatus.CLOSED
    measure.status = MeasureStatus.IN_PROGRESS
    measure.reopened += 1
    measure.closed_at = None
    fields = ["status", "reopened", "closed_at", "updated_at", *measure.bump_version()]
    measure.save(update_fields=fields)
    audit.record(
        "measure.reopen",
        object_type="measure",
        object_id=str(measure.pk),
        object_repr=measure.text[:50],
        actor=actor,
        before=before,
        after={"status": measure.status, "reopened": measure.reopened},
        detail={"look_back_item": item.pk, "reason": reason, "was_closed": was_closed},
    )
    owners = User.objects.filter(is_active=True)
    if measure.owner_cadre_id:
        owners = owners.filter(cadre_id=measure.owner_cadre_id)
    else:
        owners = owners.filter(cadre_id=measure.subject_id)
    from tanhua.rectification.services.measures import readers

    # The notice quotes the checker's reason: only an owner's account that may read the
    # measure gets it (not one cleared below it, nor one that declared 回避).
    notify(
        recipients=readers(measure, list(owners)),
        event_key=f"look_back_item:{item.pk}:failed",
        kind="measure_reopened",
        title=_("回头看复查未通过：您的一项整改举措已重新打开"),
        body=_("复查意见：%(r)s。请您继续整改，并重新申请销号。") % {"r": reason},
        url=measure_url(measure.pk),
    )
