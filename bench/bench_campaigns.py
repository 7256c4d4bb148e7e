"""Benchmark of the campaign pages (issue 9): a province campaign with its sub-campaigns and
about 9,000 talks, against the registry's cadre list page measured in the same run.

    .venv/bin/python bench/bench_campaigns.py [--runs 15]

Builds the fictional province of bench/bench_scope.py (1,402 organizations, 7,500 cadres,
9,000 posts) in a fresh embedded SQLite database under a temporary TANHUA_HOME (with
DATABASE_URL set, on that server's database instead — it must be empty), then:

1. times `tanhua plan YEAR --all` (the management command, in-process): a campaign for the
   province and each city and county, planned by the default rule;
2. switches on the rule `subordinate_teams` for the counties and plans again with
   `plan --all` (the township teams: about 9,000 talks in all), timed too;
3. gives a share of the talks a time and a third of them a held date (direct updates:
   benchmark data), so that figures and the chart have something to count;
4. measures, as the province's commission user (force_login, Django's test Client,
   audited as in production), in turns: the cadre list (the reference), the campaign page,
   its talk list with a filter on page 2, its 民主生活会 page, and the campaign calendar
   where its URL exists. Median ms, ratio to the cadre list (target ≤ 2), query counts.
"""

from __future__ import annotations

import argparse
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

TARGET_RATIO = 2.0
PLAN_TARGET_S = 20.0
YEAR = 2026


def setup_env(home: str) -> None:
    os.environ["TANHUA_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    os.environ.setdefault("TANHUA_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("TANHUA_REQUIRE_TOTP", "0")
    os.environ.setdefault("TANHUA_FAST_PASSWORD_HASHER", "1")
    os.environ.setdefault("TANHUA_SECRET_KEY", "bench-" + "x" * 60)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="tanhua-bench-campaigns-")
    setup_env(home)
    try:
        return run(args)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(args) -> int:
    import io

    import django

    django.setup()
    import datetime as dt

    from bench_scope import build, make_users
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from tanhua.accounts.models import User
    from tanhua.campaigns import services
    from tanhua.campaigns.models import Campaign, RuleKind
    from tanhua.org.models import Organization
    from tanhua.talks.models import Talk

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    built = timed(lambda: build(1))
    users = make_users()
    out = io.StringIO()
    first = timed(lambda: call_command("plan", str(YEAR), "--all", stdout=out))
    campaigns = Campaign.objects.unscoped("benchmark")
    for c in campaigns.filter(committee__level="county"):
        services.set_rule(actor=None, campaign=c, kind=RuleKind.SUBORDINATE_TEAMS, active=True)
    second = timed(lambda: call_command("plan", str(YEAR), "--all", stdout=out))
    again = timed(lambda: call_command("plan", str(YEAR), "--all", stdout=out))
    talks = Talk.objects.unscoped("benchmark")
    ids = list(talks.order_by("pk").values_list("pk", flat=True))
    start = dt.datetime(YEAR, 5, 15, 9, tzinfo=dt.UTC)
    for n, pk in enumerate(ids):
        if n % 3 == 0:
            day = start + dt.timedelta(days=n % 50)
            talks.filter(pk=pk).update(status="held", scheduled_start=day, held_on=day.date())
        elif n % 3 == 1:
            talks.filter(pk=pk).update(
                status="scheduled", scheduled_start=start + dt.timedelta(days=n % 55)
            )
    if connection.vendor == "postgresql":
        # What autovacuum would have done to tables this size by now (as bench_scope does):
        # without statistics the planner takes 147 campaigns for one and nests the
        # committees' path range inside every talk (0.6 ms becomes 350 ms).
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    province = campaigns.get(committee__code="P0")
    user = User.objects.get(pk=users["province"]["id"])
    client = Client()
    client.force_login(user)
    pages = [
        ("cadre list (reference)", "/org/cadres/"),
        ("campaign page", reverse("campaigns:detail", args=[province.pk])),
        (
            "campaign talk list, status filter, page 2",
            reverse("campaigns:talks", args=[province.pk]) + "?status=planned&page=2",
        ),
        ("campaign 民主生活会 page", reverse("campaigns:meetings", args=[province.pk])),
    ]
    try:
        pages.append(("campaign calendar", reverse("campaigns:calendar", args=[province.pk])))
        calendar = True
    except NoReverseMatch:
        calendar = False
    times: dict[str, list[float]] = {name: [] for name, _url in pages}
    queries: dict[str, int] = {}
    for run_no in range(args.warmup + args.runs):
        for name, url in pages:
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                ms = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (name, response.status_code)
            if run_no >= args.warmup:
                times[name].append(ms)
            queries[name] = len(ctx.captured_queries)
    ref = statistics.median(times[pages[0][0]])
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{connection.vendor} "
        + (connection.Database.sqlite_version if connection.vendor == "sqlite" else "")
    )
    print(
        f"sizes: {Organization.objects.count()} organizations, "
        f"{campaigns.count()} campaigns, {talks.count()} talks "
        f"({talks.filter(campaign=province).count()} in the province's own campaign); "
        f"registry built in {built:.1f} s"
    )
    print(
        f"plan --all: first {first:.1f} s (default rule), second {second:.1f} s "
        f"(+ township teams), third {again:.1f} s (nothing to add); target < {PLAN_TARGET_S:.0f} s"
    )
    print(f"runs: {args.runs} (after {args.warmup} warm-up)")
    print(f"{'page':<44} {'median ms':>10} {'ratio':>7} {'queries':>8}")
    ok = max(first, second) < PLAN_TARGET_S
    for name, _url in pages:
        median = statistics.median(times[name])
        ratio = median / ref
        ok &= ratio <= TARGET_RATIO or name == pages[0][0]
        print(f"{name:<44} {median:>10.1f} {ratio:>7.2f} {queries[name]:>8}")
    if not calendar:
        print("campaigns:calendar is not in this branch: not measured")
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
