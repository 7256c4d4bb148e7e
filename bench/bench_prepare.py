"""Benchmark of `tanhua prepare --all` (issue 10) at province scale, against a plain SQL
baseline computing the same aggregates over the same tables in the same run.

    .venv/bin/python bench/bench_prepare.py

Builds the province of bench_scope.build in a fresh embedded SQLite database under a
temporary TANHUA_HOME (with DATABASE_URL set, on that server's database — it must be
empty), plans the year (default rule, plus the township teams: ~9,000 talks), generates the
evidence (bench/gen_evidence.py: ~275,000 indicator values, 100,000 findings), then times:

1. `prepare YEAR --all` (in-process): portraits and draft outlines of every planned talk;
2. the same again (idempotent: snapshots replaced, outlines unchanged);
3. the baseline: one SQL query set — peer rank, mean and standard deviation of every value
   by (indicator, period, level) with window functions, findings counted by locality, focus
   area and source, and the planned talks with their subject's locality.

Peak memory is the process's maximum resident set (getrusage). Targets: prepare < 120 s,
< 2 GiB, ratio to the baseline ≤ 3 (aimed at)."""

from __future__ import annotations

import datetime as dt
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

YEAR = 2026
TARGET_S = 120.0
TARGET_MIB = 2048


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


BASELINE = [
    # Peer standing of every value among organizations of the same level.
    """SELECT v.id, v.organization_id, v.indicator_id, v.period, v.value,
              RANK() OVER (PARTITION BY v.indicator_id, v.period, o.level ORDER BY v.value DESC),
              AVG(v.value) OVER (PARTITION BY v.indicator_id, v.period, o.level),
              COUNT(*) OVER (PARTITION BY v.indicator_id, v.period, o.level),
              AVG(v.value * v.value) OVER (PARTITION BY v.indicator_id, v.period, o.level),
              LAG(v.value) OVER (PARTITION BY v.organization_id, v.indicator_id ORDER BY v.period)
       FROM evidence_indicatorvalue v JOIN org_organization o ON o.id = v.organization_id""",
    """SELECT organization_id, focus_area, source, COUNT(*), MAX(severity), MAX(date)
       FROM evidence_finding GROUP BY organization_id, focus_area, source""",
    """SELECT cadre_id, focus_area, COUNT(*) FROM evidence_finding
       WHERE cadre_id IS NOT NULL GROUP BY cadre_id, focus_area""",
    """SELECT id, code, organization_id, cadre_id, date, text FROM evidence_finding""",
    """SELECT t.id, t.subject_id, t.subject_org_id, c.committee_id FROM talks_talk t
       JOIN campaigns_campaign c ON c.id = t.campaign_id WHERE c.year = %s""",
]


def baseline() -> int:
    from django.db import connection

    rows = 0
    with connection.cursor() as cur:
        for sql in BASELINE:
            cur.execute(sql, [YEAR] if "%s" in sql else [])
            rows += len(cur.fetchall())
    return rows


def main() -> int:
    home = tempfile.mkdtemp(prefix="tanhua-bench-prepare-")
    os.environ["TANHUA_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    os.environ.setdefault("TANHUA_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("TANHUA_SECRET_KEY", "bench-" + "x" * 60)
    try:
        return run()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run() -> int:
    import django

    django.setup()
    from bench_scope import build
    from django.core.management import call_command
    from django.db import connection
    from gen_evidence import generate

    from tanhua.campaigns import services
    from tanhua.campaigns.models import Campaign, RuleKind
    from tanhua.evidence.models import Finding, IndicatorValue
    from tanhua.org.models import Organization
    from tanhua.portrait.models import Portrait
    from tanhua.talks.models import OutlineProblem, Talk

    call_command("migrate", verbosity=0)
    built, _ = timed(lambda: build(1))
    out = io.StringIO()
    call_command("plan", str(YEAR), "--all", stdout=out)
    for c in Campaign.objects.unscoped("benchmark").filter(committee__level="county"):
        services.set_rule(actor=None, campaign=c, kind=RuleKind.SUBORDINATE_TEAMS, active=True)
    call_command("plan", str(YEAR), "--all", stdout=out)
    gen, _ = timed(generate)
    as_of = "2026-05-01"
    args = [str(YEAR), "--all", "--no-progress", "--as-of", as_of]
    first, _ = timed(lambda: call_command("prepare", *args, stdout=out))
    rss_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    again, _ = timed(lambda: call_command("prepare", *args, stdout=out))
    base, rows = timed(baseline)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    talks = Talk.objects.unscoped("benchmark")
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {connection.vendor} "
        + (connection.Database.sqlite_version if connection.vendor == "sqlite" else "")
    )
    print(
        f"sizes: {Organization.objects.count()} organizations, {talks.count()} talks, "
        f"{IndicatorValue.objects.count()} indicator values, "
        f"{Finding.objects.unscoped('benchmark').count()} findings; registry {built:.1f} s, "
        f"evidence generated (bulk) in {gen:.1f} s"
    )
    print(
        f"portraits: {Portrait.objects.unscoped('benchmark').count()}, outline problems: "
        f"{OutlineProblem.objects.unscoped('benchmark').count()}"
    )
    print(out.getvalue().strip().splitlines()[-2])
    print(out.getvalue().strip().splitlines()[-1])
    print(f"prepare --all: first {first:.1f} s, again {again:.1f} s; target < {TARGET_S:.0f} s")
    print(f"baseline (one SQL query set, {rows} rows): {base:.1f} s; ratio first/baseline "
          f"{first / base:.1f}, again/baseline {again / base:.1f}")  # fmt: skip
    print(f"peak RSS: {rss_first:.0f} MiB after prepare, {rss:.0f} MiB at the end; "
          f"target < {TARGET_MIB} MiB")  # fmt: skip
    ok = max(first, again) < TARGET_S and rss < TARGET_MIB
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
