"""Benchmark of the spreadsheet import (issue 2): 50,000 rows — 1,000 organizations,
20,000 cadres, 29,000 positions — imported into a fresh database, as .xlsx and as .csv.

    .venv/bin/python bench/bench_import.py [--runs 3] [--rows-scale 1.0] [--keep DIR]

Each run starts from a freshly migrated SQLite file (or, with DATABASE_URL set to
PostgreSQL, a database `tanhua_bench` of its own on that server, re-created from a migrated
template before each run — the database the URL names is never touched), imports the whole
set in one call of tanhua.exchange.services.import_files, and prints the median of the runs,
plus the parse-only time (reading the files, no database) as the baseline and the ratio.
"""

from __future__ import annotations

import argparse
import csv
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

LEVELS = ["省", "市", "县", "乡"]
TIERS = ["中管", "省管", "市管", "县管"]


def generate(n_orgs: int, n_cadres: int, n_positions: int):
    """Fictional data: a province, 16 cities, counties, and townships to fill n_orgs."""
    orgs = [{"code": "BP", "name": "样例省委", "level": "省", "parent_code": "", "kind": "党委"}]
    cities = [f"BC{i:02d}" for i in range(16)]
    orgs += [
        {"code": c, "name": f"样例{i}市委", "level": "市", "parent_code": "BP", "kind": "党委"}
        for i, c in enumerate(cities)
    ]
    counties = []
    for i in range(min(160, n_orgs - len(orgs))):
        code = f"BK{i:03d}"
        counties.append(code)
        orgs.append(
            {"code": code, "name": f"样例{i}县委", "level": "县", "parent_code": cities[i % 16]}
        )
    i = 0
    while len(orgs) < n_orgs:
        orgs.append(
            {
                "code": f"BT{i:04d}",
                "name": f"样例{i}乡党委",
                "level": "乡",
                "parent_code": counties[i % len(counties)],
            }
        )
        i += 1
    cadres = [
        {
            "code": f"BG{i:06d}",
            "name": f"样例干部{i}",
            "tier": TIERS[min(3, i % 7)],
            "gender": "男女"[i % 2],
        }
        for i in range(n_cadres)
    ]
    positions = []
    titles = ["书记", "副书记", "委员", "常委", "纪委书记"]
    for i in range(n_positions):
        org = orgs[i % len(orgs)]
        start = dt.date(2015 + i % 6, 1 + i % 12, 1 + i % 28)
        positions.append(
            {
                "cadre_code": cadres[i % len(cadres)]["code"],
                "org_code": org["code"],
                "title": f"{titles[i % 5]}{i // len(cadres)}",
                "principal": "是" if i % 5 == 0 else "否",
                "start": start.isoformat(),
                "end": "",
            }
        )
    return {"organizations": orgs, "cadres": cadres, "positions": positions}


def write_files(data: dict, out: Path) -> tuple[Path, list[Path]]:
    from openpyxl import Workbook

    out.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    csvs = []
    for kind, rows in data.items():
        header = (
            list(rows[0].keys())
            if kind != "organizations"
            else [
                "code",
                "name",
                "level",
                "parent_code",
                "kind",
            ]
        )
        ws = wb.create_sheet(kind)
        ws.append(header)
        for row in rows:
            ws.append([row.get(h, "") for h in header])
        path = out / f"{kind}.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows([row.get(h, "") for h in header] for row in rows)
        csvs.append(path)
    xlsx = out / "bench.xlsx"
    wb.save(xlsx)
    return xlsx, csvs


PG_RUN, PG_TEMPLATE = "tanhua_bench", "tanhua_bench_template"


def pg_recreate(admin_url: str, name: str, template: str | None = None) -> None:
    """Drop and create a database of the benchmark's own (the audit trail's triggers refuse
    the TRUNCATE a flush would need, so each run gets a new database)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        if template is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )


def pg_drop(admin_url: str, *names: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def pg_url(admin_url: str, name: str) -> str:
    head, _sep, _db = admin_url.rpartition("/")
    return f"{head}/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the row counts")
    parser.add_argument("--keep", help="keep the generated files in this directory")
    args = parser.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="tanhua-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    template_db = work / "template.sqlite3"
    run_db = work / "run.sqlite3"
    admin_url = os.environ.get("DATABASE_URL", "")
    if postgres:
        pg_recreate(admin_url, PG_RUN)
        os.environ["DATABASE_URL"] = pg_url(admin_url, PG_RUN)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{run_db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    os.environ.setdefault("TANHUA_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("TANHUA_HOME", str(work / "home"))
    # Each run swaps the database (and removes its anchor) under this one process: anchor
    # after every commit, so that no write deferred from the last run meets the next one.
    os.environ.setdefault("TANHUA_AUDIT_ANCHOR_INTERVAL", "0")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tanhua.exchange import parsers
    from tanhua.exchange.services import import_files

    s = args.scale
    data = generate(int(1000 * s), int(20000 * s), int(29000 * s))
    rows = sum(len(v) for v in data.values())
    xlsx, csvs = write_files(data, work / "files")
    print(f"rows: {rows} ({', '.join(f'{k} {len(v)}' for k, v in data.items())})")
    print(f"database: {connection.vendor}; files in {work / 'files'}")

    call_command("migrate", verbosity=0)
    connection.close()
    if postgres:
        pg_recreate(admin_url, PG_TEMPLATE, template=PG_RUN)
    else:
        shutil.copy(run_db, template_db)

    from tanhua.audit import anchor

    def fresh_db():
        # The audit chain's anchor (a file outside the database) goes with the database.
        anchor.path().unlink(missing_ok=True)
        connection.close()
        if postgres:
            pg_recreate(admin_url, PG_RUN, template=PG_TEMPLATE)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{run_db}{suffix}").unlink(missing_ok=True)
            shutil.copy(template_db, run_db)

    results = {}
    for label, files in (("xlsx", [xlsx]), ("csv", csvs)):
        parse_times, import_times, cpu_times = [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            for f in files:
                parsers.parse(parsers.load(f))
            parse_times.append(time.perf_counter() - t0)
            fresh_db()
            t0, c0 = time.perf_counter(), time.process_time()
            report = import_files(files, actor=None)
            import_times.append(time.perf_counter() - t0)
            # CPU time too: the machine is shared, and wall time moves with the neighbours.
            cpu_times.append(time.process_time() - c0)
            assert report.changed == rows, report.lines()
        # The database now holds the last run's import: re-import the same files, unchanged
        # (3 times, median: one run is short enough for the neighbours' noise to matter).
        reimports, reimport_cpu = [], []
        for _ in range(3):
            again, c0 = time.perf_counter(), time.process_time()
            report = import_files(files, actor=None)
            reimports.append(time.perf_counter() - again)
            reimport_cpu.append(time.process_time() - c0)
            assert report.changed == 0
        reimport = statistics.median(reimports)
        cpu_med = statistics.median(cpu_times)
        reimport_c = statistics.median(reimport_cpu)
        # Every cadre changed: the update path, with one audit entry per updated object.
        changed = work / "changed" / label
        data_changed = {
            **data,
            "cadres": [{**c, "name": c["name"] + "改"} for c in data["cadres"]],
        }
        changed_xlsx, changed_csvs = write_files(data_changed, changed)
        t0 = time.perf_counter()
        report = import_files([changed_xlsx] if label == "xlsx" else changed_csvs, actor=None)
        update_time = time.perf_counter() - t0
        assert report.counts["cadres"].updated == len(data["cadres"])
        med, base = statistics.median(import_times), statistics.median(parse_times)
        results[label] = med
        runs = ", ".join(f"{t:.2f}" for t in import_times)
        print(
            f"{label}: import median {med:.2f} s wall (runs {runs}), "
            f"{cpu_med:.2f} s CPU; parse-only {base:.2f} s; "
            f"ratio {med / base:.1f}x; re-import (all unchanged) {reimport:.2f} s "
            f"= {reimport / med:.0%} of the import (target <= 25 %), CPU {reimport_c:.2f} s "
            f"= {reimport_c / cpu_med:.0%} of the import's CPU; "
            f"re-import with all {len(data['cadres'])} cadres changed {update_time:.2f} s"
        )
    connection.close()
    if postgres:
        pg_drop(admin_url, PG_RUN, PG_TEMPLATE)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if max(results.values()) < 10 or postgres else 1


if __name__ == "__main__":
    sys.exit(main())
