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

import argparse
import datetime as dt
import io
import os
import resource
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="share of the evidence and of the talks (0.1 to debug)",
    )
    parser.add_argument("--runs", type=int, default=1, help="prepare again this many times")
    parser.add_argument("--profile", help="write a cProfile of the first prepare to this file")
    args = parser.parse_args()  # fmt: skip
    home = tempfile.mkdtemp(prefix="tanhua-bench-prepare-")
    os.environ["TANHUA_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    os.environ.setdefault("TANHUA_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("TANHUA_SECRET_KEY", "bench-" + "x" * 60)
    try:
        return run(args, Path(home))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run(args, home: Path) -> int:
    import django

    django.setup()
    from bench_scope import build
    from django.core.management import call_command
    from django.db import connection
    from gen_evidence import write_files

    from tanhua.campaigns import services
    from tanhua.campaigns.models import Campaign, RuleKind
    from tanhua.evidence.models import Finding, IndicatorValue
    from tanhua.exchange import parsers
    from tanhua.exchange.services import import_files
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
    talks = Talk.objects.unscoped("benchmark")
    if args.scale < 1:
        # Keep an even share of the talks (every committee keeps some).
        step = round(1 / args.scale)
        ids = list(talks.order_by("pk").values_list("pk", flat=True))
        drop = [pk for n, pk in enumerate(ids) if n % step]
        for i in range(0, len(drop), 900):
            talks.filter(pk__in=drop[i : i + 900]).delete()
    folder = home / "evidence"
    folder.mkdir()
    written, counts = timed(lambda: write_files(folder, scale=args.scale))
    # The registry's evidence first, then one import per year of values.
    batches = [[folder / "indicators.csv", folder / "findings.csv"]] + [
        [p] for p in sorted(folder.glob("*/indicator_values.csv"))
    ]
    parse, _ = timed(lambda: [parsers.parse(parsers.load(f)) for b in batches for f in b])
    load_import = load_average()
    rss_before = rss_mib()
    imports = []
    for batch in batches:
        seconds, report = timed(lambda batch=batch: import_files(batch, actor=None))
        imports.append(round(seconds, 1))
        assert not report.dry_run, report.lines()
    imported = sum(imports)
    rss_import = rss_mib()
    assert IndicatorValue.objects.count() == counts["indicator_values"]
    as_of = "2026-05-01"
    prepare_args = [str(YEAR), "--all", "--no-progress", "--as-of", as_of]
    load_first = load_average()
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        first, _ = timed(lambda: prof.runcall(call_command, "prepare", *prepare_args, stdout=out))
        prof.dump_stats(args.profile)
    else:
        first, _ = timed(lambda: call_command("prepare", *prepare_args, stdout=out))
    rss_first = rss_mib()
    agains = []
    for _n in range(args.runs):
        agains.append(timed(lambda: call_command("prepare", *prepare_args, stdout=out))[0])
    bases = [timed(baseline) for _n in range(3)]
    base, rows = statistics.median(b[0] for b in bases), bases[0][1]
    again = statistics.median(agains) if agains else float("nan")
    rss = rss_mib()
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; scale {args.scale}")
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {connection.vendor} "
        + (connection.Database.sqlite_version if connection.vendor == "sqlite" else "")
    )
    print(
        f"sizes: {Organization.objects.count()} organizations, {talks.count()} talks, "
        f"{IndicatorValue.objects.count()} indicator values, "
        f"{Finding.objects.unscoped('benchmark').count()} findings; registry {built:.1f} s, "
        f"files written in {written:.1f} s ({counts})"
    )
    print(
        f"import (tanhua.exchange.services.import_files, {len(batches)} calls: {imports}): "
        f"{imported:.1f} s "
        f"(load average {load_import}); parse-only {parse:.1f} s; "
        f"RSS {rss_before:.0f} -> {rss_import:.0f} MiB; target < {TARGET_S:.0f} s"
    )
    print(
        f"portraits: {Portrait.objects.unscoped('benchmark').count()}, outline problems: "
        f"{OutlineProblem.objects.unscoped('benchmark').count()}"
    )
    print(out.getvalue().strip().splitlines()[-2])
    print(out.getvalue().strip().splitlines()[-1])
    print(
        f"prepare --all: first {first:.1f} s (load average {load_first}), again "
        f"{again:.1f} s (runs {[round(a, 1) for a in agains]}); target < {TARGET_S:.0f} s"
    )
    print(
        f"baseline (one SQL query set, {rows} rows): median {base:.2f} s of 3; ratio "
        f"first/baseline {first / base:.1f}, again/baseline {again / base:.1f}"
    )
    print(f"peak RSS: {rss_first:.0f} MiB after prepare, {rss:.0f} MiB at the end; "
          f"target < {TARGET_MIB} MiB; load average now {load_average()}")  # fmt: skip
    ok = max(first, again if agains else 0, imported) < TARGET_S and rss < TARGET_MIB
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
