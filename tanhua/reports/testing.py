"""A year with sealed records, pointed problems and measures on top of
`tanhua.talks.testing.add_talks`, for the reports' tests and benchmark (written straight to
the tables; the talk and rectification services have their own tests); and the keys of
annexes: another deployment's signing key, and a sender's key registered at the receiving
side, as `tanhua annex trust` would."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from tanhua.rectification.models import Measure, MeasureStatus
from tanhua.rectification.testing import MeasureSpec, ProblemSpec, make_plan
from tanhua.talks.models import RecordProblem, Talk, TalkRecord, TalkStatus


def seal(talk: Talk, problems: list[tuple[str, str]]) -> TalkRecord:
    """Hold and seal `talk` with these (focus area, text) problems pointed out."""
    Talk.objects.unscoped("test factory").filter(pk=talk.pk).update(
        status=TalkStatus.SEALED, held_on=dt.date(2026, 6, 10)
    )
    talk.refresh_from_db()
    record = TalkRecord.objects.create(talk=talk, classification=talk.classification)
    RecordProblem.objects.bulk_create(
        [
            RecordProblem(
                record=record,
                order=i,
                focus_area=area,
                text=text,
                campaign_id=talk.campaign_id,
                year=talk.year,
                committee_id=talk.committee_id,
                talk_type=talk.type,
                sealed=True,
            )
            for i, (area, text) in enumerate(problems, 1)
        ]
    )
    # Sealed last: a database trigger refuses problems added to a sealed record.
    TalkRecord.objects.unscoped("test factory").filter(pk=record.pk).update(
        sealed_at=timezone.now()
    )
    return record


def add_year(world) -> object:
    """C1's talk with GK11 sealed with two problems and a plan of three measures (one done
    with a counted target, one overdue, one long-term); the province's talk with GC1 (a
    provincial cadre) sealed with one problem; C2's talk sealed (out of C1's scope)."""
    t = world.talks
    seal(t["k11"], [("A3", "调研不深入，存在文山会海现象"), ("A4", "政商交往边界不清")])
    seal(t["p_gc1"], [("A2", "一岗双责落实不到位")])
    seal(t["c2"], [("A1", "西城重大项目推进迟缓")])
    make_plan(
        t["k11"],
        [
            ProblemSpec(
                measures=[
                    MeasureSpec(
                        text="建立常态化调研机制", status=MeasureStatus.CLOSED,
                        target_value=Decimal(200), target_unit="项",
                    ),
                    MeasureSpec(text="精简会议文件", deadline=dt.date(2026, 8, 1)),
                ]
            ),
            ProblemSpec(
                text="政商交往边界不清", focus_area="A4",
                measures=[MeasureSpec(text="制定政商交往清单", kind="long_term")],
            ),
        ],
    )  # fmt: skip
    Measure.objects.unscoped("test factory").filter(text="建立常态化调研机制").update(
        achieved_value=Decimal(190)
    )
    return world


@contextlib.contextmanager
def deployment_key(path: Path | str):
    """Sign as another deployment would: with the key file at `path` (created on first use)."""
    from django.test import override_settings

    with override_settings(ANNEX_SIGNING_KEY_FILE=str(path)):
        yield


def trust(committee_code: str, committee_name: str, *, actor=None, key_file=None):
    """Register this deployment's key (or the one at `key_file`) as the sender's key of the
    committee, at the actor's organization (the root for actor None)."""
    from tanhua.reports import senders, signing

    with deployment_key(key_file) if key_file else contextlib.nullcontext():
        public, _key_id = signing.own_public_key()
    return senders.register_sender(
        actor=actor, committee_code=committee_code, committee_name=committee_name,
        public_key=public,
    )  # fmt: skip


def trust_map(committee_code: str, committee_name: str) -> dict:
    """This deployment's key as `annex.verify` takes it, trusted for one committee."""
    import base64

    from tanhua.reports import annex, signing

    public, key_id = signing.own_public_key()
    return {
        key_id: annex.Trust(
            key_id=key_id, committee_code=committee_code, committee_name=committee_name,
            public_key=base64.b64decode(public),
        )
    }  # fmt: skip
