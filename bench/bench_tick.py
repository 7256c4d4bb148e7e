"""Benchmark of `tanhua tick` (issue 11) over a province's ~30,000 measures, and the board's
query count as the measures grow.

    .venv/bin/python bench/bench_tick.py [--measures 30000] [--runs 5]

Builds the province of bench_scope.build (1,402 organizations, 7,500 cadres), plans the
year (default rule plus the township teams: ~8,500 talks), marks every talk rectifying with
an approved 三清单 and spreads the measures over them (deadlines from 60 days past to 120
days ahead; a tenth closed, a tenth long-term), gives every cadre a login (so each alert has
recipients) and each city a commission office. On a fresh embedded SQLite database under a
temporary TANHUA_HOME, or with DATABASE_URL naming PostgreSQL on a database
`tanhua_bench_tick` created and dropped on that server. Times, as `tanhua tick` runs it
(housekeeping included):

1. the first run of a day (every due notice, warning and escalation sent);
2. the same day again (nothing to send);
3. `--runs` following days (each sends the day's new events), median;

and counts the board's queries at a tenth of the measures and at all of them (target: equal).
Target: every run < 10 s."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

YEAR = 2026
TODAY = dt.date(2026, 10, 1)
TARGET_S = 10.0
BENCH_DB = "tanhua_bench_tick"


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5, help="following days to time")
    parser.add_argument("--profile", help="write a cProfile of the first run to this file")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="tanhua-bench-tick-")
    os.environ["TANHUA_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    os.environ.setdefault("TANHUA_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("TANHUA_SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("TANHUA_REQUIRE_TOTP", "0")
    os.environ.setdefault("TANHUA_FAST_PASSWORD_HASHER", "1")
    # Pages render without collectstatic (the board's query count is what is measured).
    os.environ.setdefault("TANHUA_TESTING", "1")
    admin_url = os.environ.get("DATABASE_URL", "")
    if admin_url.startswith("postgres"):
        _pg(admin_url, "create")
        os.environ["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB
    try:
        return run(args)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if admin_url.startswith("postgres"):
            from django.db import connections

            connections.close_all()
            _pg(admin_url, "drop")


def _pg(admin_url: str, what: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(BENCH_DB)))
        if what == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))


def populate(n_measures: int) -> dict:
    from django.db import transaction

    from tanhua.accounts.models import RoleGrant, User
    from tanhua.accounts.roles import Role
    from tanhua.core.classification import Classification
    from tanhua.org.models import Cadre, Office, Organization
    from tanhua.rectification.models import (
        Measure,
        MeasureKind,
        MeasureStatus,
        PlanStatus,
        Problem,
        RectificationPlan,
    )
    from tanhua.talks.models import Talk, TalkStatus

    talks = list(
        Talk.objects.unscoped("benchmark").values_list(
            "pk", "campaign_id", "subject_id", "subject_org_id", "classification"
        )
    )
    with transaction.atomic():
        Talk.objects.unscoped("benchmark").update(status=TalkStatus.RECTIFYING)
        plans = RectificationPlan.objects.bulk_create(
            [RectificationPlan(talk_id=t[0], status=PlanStatus.APPROVED, classification=t[4])
             for t in talks], batch_size=2000,
        )  # fmt: skip
        problems = Problem.objects.bulk_create(
            [Problem(plan=p, order=1, focus_area="A3", text="调研不深入") for p in plans],
            batch_size=2000,
        )
        per = max(1, -(-n_measures // len(talks)))
        rows = []
        statuses = [MeasureStatus.OPEN, MeasureStatus.IN_PROGRESS, MeasureStatus.SUBMITTED]
        for n in range(n_measures):
            i = n % len(talks)
            t, problem = talks[i], problems[i]
            deadline = TODAY + dt.timedelta(days=(n * 7919) % 181 - 60)
            closed = n % 10 == 0
            rows.append(
                Measure(
                    problem=problem, order=n // len(talks) + 1, text=f"整改举措{n}",
                    kind=MeasureKind.LONG_TERM if n % 10 == 1 else MeasureKind.IMMEDIATE,
                    status=MeasureStatus.CLOSED if closed else statuses[n % 3 if n % 7 else 1],
                    owner_cadre_id=t[2], deadline=deadline, original_deadline=deadline,
                    campaign_id=t[1], talk_id=t[0], subject_id=t[2], subject_org_id=t[3],
                    focus_area=("A1", "A2", "A3", "A4")[n % 4], classification=t[4],
                )
            )  # fmt: skip
        Measure.objects.bulk_create(rows, batch_size=2000)
        cadres = list(Cadre.objects.unscoped("benchmark").values_list("pk", "code"))
        User.objects.bulk_create(
            [User(username=f"u{code}", cadre_id=pk, password="!", must_change_password=False)  # noqa: S106
             for pk, code in cadres], batch_size=2000,
        )  # fmt: skip
        province = Organization.objects.get(level="province")
        staff = []
        for city in Organization.objects.filter(level="city"):
            office = Office.objects.create(organization=province, name=f"{city.name}联系室")
            office.localities.add(city)
            staff.append(
                User(username=f"office_{city.code}", organization=province, office=office,
                     clearance=Classification.SECRET, password="!")  # noqa: S106
            )  # fmt: skip
        User.objects.bulk_create(staff)
        RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.COMMISSION) for u in staff])
    return {"talks": len(talks), "per_talk": per}


def board_queries(user) -> tuple[int, float]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get("/rectification/board/", {"group": "subject"})
    with CaptureQueriesContext(connection) as q:
        t, response = timed(lambda: client.get("/rectification/board/", {"group": "subject"}))
    assert response.status_code == 200, response.status_code
    return len(q), t


def run(args) -> int:
    import django

    django.setup()
    from bench_scope import build, make_users
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tanhua.accounts.models import User
    from tanhua.campaigns import services
    from tanhua.campaigns.models import Campaign, RuleKind
    from tanhua.notices.models import Notice
    from tanhua.rectification.models import Measure
    from tanhua.rectification.services.tracking import tick

    call_command("migrate", verbosity=0)
    build(1)
    import io

    out = io.StringIO()
    call_command("plan", str(YEAR), "--all", stdout=out)
    for c in Campaign.objects.unscoped("benchmark").filter(committee__level="county"):
        services.set_rule(actor=None, campaign=c, kind=RuleKind.SUBORDINATE_TEAMS, active=True)
    call_command("plan", str(YEAR), "--all", stdout=out)
    users = make_users()
    province_user = User.objects.get(pk=users["province"]["id"])
    # The board at a tenth of the measures, then at all of them.
    tenth = args.measures // 10
    sizes = populate(tenth)
    few = board_queries(province_user)
    populate_rest(args.measures - tenth, sizes)
    many = board_queries(province_user)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    timezone.localdate = lambda *a, **k: TODAY  # the board's "today" in the runs below
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        first, r1 = timed(lambda: prof.runcall(tick, today=TODAY))
        prof.dump_stats(args.profile)
    else:
        first, r1 = timed(lambda: tick(today=TODAY))
    again, r2 = timed(lambda: tick(today=TODAY))
    days = []
    for d in range(1, args.runs + 1):
        days.append(timed(lambda d=d: tick(today=TODAY + dt.timedelta(days=d))))
    median_days = statistics.median(t for t, _r in days)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {connection.vendor} "
        + (connection.Database.sqlite_version if connection.vendor == "sqlite" else "")
        + f"; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(
        f"sizes: {Measure.objects.unscoped('benchmark').count()} measures on {sizes['talks']} "
        f"talks, {User.objects.count()} users"
    )
    print(
        f"first run {first:.2f} s: due_soon {r1.due_soon}, overdue {r1.overdue}, "
        f"alerts {r1.alerts}, notified {r1.notified}"
    )
    print(f"same day again {again:.2f} s: notified {r2.notified}")
    print(
        f"following {args.runs} days: median {median_days:.2f} s "
        f"({[round(t, 2) for t, _r in days]}), notified {[r.notified for _t, r in days]}"
    )
    print(f"notices in the database: {Notice.objects.count()}")
    print(
        f"board (group=subject, province commission user): {few[0]} queries {few[1] * 1000:.0f} ms "
        f"at {tenth} measures, {many[0]} queries {many[1] * 1000:.0f} ms at {args.measures}"
    )
    ok = max(first, again, median_days) < TARGET_S and few[0] == many[0] and r2.notified == 0
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


def populate_rest(n: int, sizes: dict) -> None:
    """More measures on the same talks (a second problem of each plan)."""
    from django.db import transaction

    from tanhua.rectification.models import Measure, MeasureKind, MeasureStatus, Problem

    problems = list(
        Problem.objects.unscoped("benchmark").select_related("plan__talk").order_by("pk")
    )
    statuses = [MeasureStatus.OPEN, MeasureStatus.IN_PROGRESS, MeasureStatus.SUBMITTED]
    rows = []
    for k in range(n):
        p = problems[k % len(problems)]
        t = p.plan.talk
        deadline = TODAY + dt.timedelta(days=(k * 104729) % 181 - 60)
        rows.append(
            Measure(
                problem=p, order=100 + k // len(problems), text=f"整改举措乙{k}",
                kind=MeasureKind.LONG_TERM if k % 10 == 1 else MeasureKind.IMMEDIATE,
                status=MeasureStatus.CLOSED if k % 10 == 0 else statuses[k % 3],
                owner_cadre_id=t.subject_id, deadline=deadline, original_deadline=deadline,
                campaign_id=t.campaign_id, talk_id=t.pk, subject_id=t.subject_id,
                subject_org_id=t.subject_org_id, focus_area=("A1", "A2", "A3", "A4")[k % 4],
                classification=t.classification,
            )
        )  # fmt: skip
    with transaction.atomic():
        Measure.objects.bulk_create(rows, batch_size=2000)


if __name__ == "__main__":
    sys.exit(main())
