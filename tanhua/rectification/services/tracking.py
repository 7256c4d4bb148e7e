"""`tanhua tick` (DESIGN §4, §7): deadline notices, warnings and the weekly escalation (督办)
of overdue measures, once per event, in a handful of bulk queries for a province's measures.

Events of a measure with deadline D, as of day T:
- notice (到期提醒) while 10 < D − T ≤ 20, to the owner;
- warning (到期预警) while 0 ≤ D − T ≤ 10, to the owner and the supervising leader (talker);
- overdue (逾期督办) from D + 1, repeated weekly (seq = week of being overdue), to the owner,
  the unit's principal and the supervising commission office.
Only the event due on T is sent: a missed run catches up with what is due now, not with every
notice it missed. Each sent event is a `MeasureAlert` row (unique per measure, kind,
deadline and seq) and every notice carries the same event key (unique per recipient), so a
second run — the same day, or at the same time — sends nothing again. An extended deadline is
a new deadline: its own notices follow.

A measure awaiting acceptance (待销号) is the owner's part done: it is not chased (the board
shows it yellow), though `overdue` counts it as DESIGN §7 asks (open and past its deadline)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from tanhua.rectification.models import (
    AlertKind,
    Measure,
    MeasureAlert,
    MeasureKind,
    MeasureStatus,
)

NOTICE_DAYS = 20
WARNING_DAYS = 10
REPEAT_DAYS = 7
# Any constant: names the advisory lock that serializes two ticks on PostgreSQL (SQLite's
# IMMEDIATE transactions serialize writers already).
_PG_LOCK_KEY = 0x7A4E_5449_434B
CHASED = (MeasureStatus.OPEN, MeasureStatus.IN_PROGRESS)


@dataclass
class TickReport:
    today: dt.date
    due_soon: int = 0
    overdue: int = 0
    notified: int = 0
    alerts: dict[str, int] = field(default_factory=dict)
    # Material requests' reminders by kind (tanhua.evidence.requests.tick).
    reminders: dict[str, int] = field(default_factory=dict)
    cleanup: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "due_soon": self.due_soon,
            "overdue": self.overdue,
            "notified": self.notified,
            "alerts": self.alerts,
            "material_reminders": sum(self.reminders.values()),
            **self.reminders,
            "cleanup": self.cleanup,
        }

    def lines(self) -> list[str]:
        out = [
            _("日期：%(d)s") % {"d": self.today.isoformat()},
            _("即将到期（20 天内）：%(n)d 项") % {"n": self.due_soon},
            _("已逾期：%(n)d 项") % {"n": self.overdue},
            _("本次发送通知：%(n)d 条") % {"n": self.notified},
        ]
        labels = dict(AlertKind.choices)
        for kind, n in self.alerts.items():
            out.append(_("　%(k)s：%(n)d 项") % {"k": labels.get(kind, kind), "n": n})
        out.append(
            _("催报材料：到期前提醒 %(soon)d 条，逾期催报 %(late)d 条")
            % {
                "soon": self.reminders.get("material_due_soon", 0),
                "late": self.reminders.get("material_late", 0),
            }
        )
        out += self.cleanup
        return out


def due_event(deadline: dt.date, today: dt.date) -> tuple[str, int] | None:
    """The (kind, seq) of the one event due on `today` for `deadline`, or None."""
    left = (deadline - today).days
    if left < 0:
        return AlertKind.OVERDUE, (-left - 1) // REPEAT_DAYS
    if left <= WARNING_DAYS:
        return AlertKind.WARNING, 0
    if left <= NOTICE_DAYS:
        return AlertKind.NOTICE, 0
    return None


def event_key(measure_id: int, kind: str, deadline: dt.date, seq: int) -> str:
    return f"measure:{measure_id}:{kind}:{deadline.isoformat()}:{seq}"


def tick(*, today: dt.date, actor=None, housekeeping: bool = True) -> TickReport:
    """The periodic work as of `today`: measure alerts, then (with `housekeeping`) the
    material requests' reminders and `tanhua cleanup`'s purge. Safe to run at any time, any
    number of times."""
    report = send_alerts(today=today, actor=actor)
    if housekeeping:
        from tanhua.evidence.requests import tick as material_tick
        from tanhua.exchange.services import cleanup_imports

        report.reminders = material_tick(today)
        report.cleanup = list(cleanup_imports().lines())
    return report


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


@transaction.atomic
def send_alerts(*, today: dt.date, actor=None) -> TickReport:
    from tanhua.audit import services as audit
    from tanhua.notices.services import notify_each

    _lock()
    report = TickReport(today=today)
    base = Measure.objects.unscoped("tanhua tick reads every open measure").open()
    report.due_soon = base.filter(
        deadline__gte=today, deadline__lte=today + dt.timedelta(days=NOTICE_DAYS)
    ).count()
    report.overdue = base.overdue(today).count()
    rows = list(
        base.filter(
            kind=MeasureKind.IMMEDIATE,
            status__in=CHASED,
            deadline__lte=today + dt.timedelta(days=NOTICE_DAYS),
        )
        .order_by()
        .values_list(
            "pk", "deadline", "owner_cadre_id", "owner_org_id", "subject_org_id",
            "talk__talker_id", "campaign__committee_id", "classification", "text",
            "subject_id",
        )
    )  # fmt: skip
    due = []
    for row in rows:
        kind, seq = due_event(row[1], today)
        due.append((row, kind, seq))
    sent = _already_sent([(r[0], k, r[1], s) for r, k, s in due])
    due = [(r, k, s) for r, k, s in due if (r[0], k, r[1], s) not in sent]
    if not due:
        return report
    people = Recipients.load(due, today)
    texts = Texts()
    notices = []
    alerts = []
    counts: dict[str, int] = defaultdict(int)
    for row, kind, seq in due:
        pk, deadline = row[0], row[1]
        key = event_key(pk, kind, deadline, seq)
        to = people.for_event(row, kind)
        for user_id, owner in to:
            notices.append(_notice(user_id, key, row, kind, today, people, owner, texts))
        alerts.append((pk, str(kind), deadline, seq, today, min(len(to), 32767)))
        counts[str(kind)] += 1
    _insert_alerts(alerts)
    report.notified = notify_each(notices=notices, active_ids=people.active)
    report.alerts = dict(counts)
    audit.record(
        "measure.tick",
        object_type="measure",
        actor=actor,
        detail={
            "today": today,
            "alerts": report.alerts,
            "notices": report.notified,
            "due_soon": report.due_soon,
            "overdue": report.overdue,
        },
    )
    return report


def _insert_alerts(alerts: list[tuple]) -> None:
    """The run's alert rows in bulk; the unique key drops a row a concurrent run wrote first."""
    from django.utils import timezone

    from tanhua.core.bulk import insert_ignoring_conflicts

    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    insert_ignoring_conflicts(
        MeasureAlert,
        ["measure_id", "kind", "deadline", "seq", "for_date", "recipients", "sent_at"],
        [(pk, kind, ops.adapt_datefield_value(d), seq, ops.adapt_datefield_value(f), n, now)
         for pk, kind, d, seq, f, n in alerts],
        conflict=["measure_id", "kind", "deadline", "seq"],
        pg_types=["bigint", "text", "date", "integer", "date", "integer", "timestamptz"],
    )  # fmt: skip


def _already_sent(keys: list[tuple]) -> set[tuple]:
    """The (measure, kind, deadline, seq) of `keys` with an alert row already."""
    out: set[tuple] = set()
    ids = sorted({k[0] for k in keys})
    for i in range(0, len(ids), 2000):
        out.update(
            MeasureAlert.objects.filter(measure_id__in=ids[i : i + 2000]).values_list(
                "measure_id", "kind", "deadline", "seq"
            )
        )
    return out


class Recipients:
    """Who hears of which measure's events, loaded once for the whole batch."""

    def __init__(self):
        self.by_cadre: dict[int, list[int]] = defaultdict(list)  # cadre -> active users
        self.principals: dict[int, list[int]] = defaultdict(list)  # org -> principal cadres
        self.org_paths: dict[int, str] = {}
        self.offices: list[tuple[str, int]] = []  # (locality path, office id)
        self.office_staff: dict[int, list[int]] = defaultdict(list)
        self.committee_staff: dict[int, list[int]] = defaultdict(list)
        self.clearance: dict[int, int] = {}
        self.active: set[int] = set()
        self.with_roles: set[int] = set()
        self.declared: set[tuple[int, int]] = set()  # (user id, cadre id) of 回避

    @classmethod
    def load(cls, due, today: dt.date) -> Recipients:
        from tanhua.accounts.models import ConflictDeclaration, RoleGrant, User
        from tanhua.accounts.roles import Role
        from tanhua.org.models import Office, Organization, Position

        self = cls()
        org_ids = {r[3] for r, _k, _s in due if r[3]} | {r[4] for r, _k, _s in due}
        committees = {r[6] for r, _k, _s in due}
        for org_id, cadre_id in (
            Position.objects.unscoped("tick: the units' principals")
            .current(on=today)
            .principals()
            .filter(organization_id__in=org_ids)
            .order_by()
            .values_list("organization_id", "cadre_id")
        ):
            self.principals[org_id].append(cadre_id)
        self.org_paths = dict(
            Organization.objects.filter(pk__in=org_ids | committees).values_list("pk", "path")
        )
        for office_id, path in Office.objects.filter(localities__isnull=False).values_list(
            "pk", "localities__path"
        ):
            self.offices.append((path, office_id))
        commission = RoleGrant.objects.filter(user_id=OuterRef("pk"), role=Role.COMMISSION)
        any_role = RoleGrant.objects.filter(user_id=OuterRef("pk"))
        for pk, cadre_id, org_id, office_id, clearance, is_commission, has_role in (
            User.objects.filter(is_active=True)
            .filter(Q(cadre__isnull=False) | Q(Exists(commission)))
            .annotate(c=Exists(commission), r=Exists(any_role))
            .order_by()
            .values_list("pk", "cadre_id", "organization_id", "office_id", "clearance", "c", "r")
        ):
            self.active.add(pk)
            self.clearance[pk] = clearance
            if has_role:
                self.with_roles.add(pk)
            if cadre_id:
                self.by_cadre[cadre_id].append(pk)
            if is_commission:
                if office_id:
                    self.office_staff[office_id].append(pk)
                if org_id in committees:
                    self.committee_staff[org_id].append(pk)
        subjects = {r[9] for r, _k, _s in due}
        self.declared = set(
            ConflictDeclaration.objects.unscoped("tick: who declared 回避 on a subject")
            .filter(active=True, cadre_id__in=subjects)
            .order_by()
            .values_list("user_id", "cadre_id")
        )
        return self

    def may_read_own(self, user_id: int, row) -> bool:
        """Whether the owning cadre's account reads the measure itself (MeasureQuerySet's
        owner rule): it has a role, its clearance reaches the measure's, and it declared no
        回避 on the measure's subject."""
        classification, subject_id = row[7], row[9]
        return (
            user_id in self.with_roles
            and self.clearance.get(user_id, 0) >= classification
            and (user_id, subject_id) not in self.declared
        )

    def _users(self, cadre_ids) -> list[int]:
        out: list[int] = []
        for c in cadre_ids:
            out += self.by_cadre.get(c, [])
        return out

    def for_event(self, row, kind: str) -> list[tuple[int, bool]]:
        """(user id, is owner) of one event's recipients, each once."""
        _pk, _d, owner_cadre, owner_org, subject_org, talker, committee = row[:7]
        unit = owner_org or subject_org
        owners = self._users([owner_cadre] if owner_cadre else self.principals.get(unit, []))
        picked: dict[int, bool] = {u: True for u in owners}
        others: list[int] = []
        if kind == AlertKind.WARNING:
            others = self._users([talker])
        elif kind == AlertKind.OVERDUE:
            others = self._users(self.principals.get(unit, [])) + self._office(
                subject_org, committee
            )
        for u in others:
            picked.setdefault(u, False)
        return list(picked.items())

    def _office(self, subject_org: int, committee: int) -> list[int]:
        path = self.org_paths.get(subject_org, "")
        staff: list[int] = []
        for loc, office_id in self.offices:
            if path.startswith(loc):
                staff += self.office_staff.get(office_id, [])
        return staff or self.committee_staff.get(committee, [])


class Texts:
    """The notices' words, translated once per run (a run writes thousands)."""

    def __init__(self):
        from tanhua.rectification.board import measure_url_template

        self.url = measure_url_template()
        self.some = _("一项整改举措")
        self.quoted = _("“%(t)s”")
        self.title = {
            AlertKind.NOTICE: _("整改到期提醒：%(what)s将于 %(d)s 到期"),
            AlertKind.WARNING: _("整改到期预警：%(what)s将于 %(d)s 到期"),
            AlertKind.OVERDUE: _("逾期督办：%(what)s已逾期 %(n)d 天"),
        }
        self.body = {
            AlertKind.NOTICE: _("请您按期推进整改，并及时报告进展。"),
            AlertKind.WARNING: _("距整改时限不足 %(n)d 天，请您督促按期完成。")
            % {"n": WARNING_DAYS},
            AlertKind.OVERDUE: _("整改时限 %(d)s 已过，请您立即督促整改，逾期期间每周提醒一次。"),
        }


def _notice(user_id, key, row, kind, today, people, owner: bool, texts: Texts):
    from tanhua.notices.services import NoticeRow

    pk, deadline, owner_cadre, text = row[0], row[1], row[2], row[8]
    # The owning cadre reads their own measure (within clearance, no 回避): name it. A unit's
    # principals (a unit-owned measure) may not read another subject's talk, and the others
    # are told a measure they supervise is due: they follow the link, which their scope answers.
    named = owner and owner_cadre is not None and people.may_read_own(user_id, row)
    what = texts.quoted % {"t": text[:40]} if named else texts.some
    d = deadline.isoformat()
    title = texts.title[kind] % {"what": what, "d": d, "n": (today - deadline).days}
    body = texts.body[kind]
    if kind == AlertKind.OVERDUE:
        body = body % {"d": d}
    return NoticeRow(user_id, key, f"measure_{kind}", title[:200], body, texts.url.format(pk=pk))
