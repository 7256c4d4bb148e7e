"""Benchmark of the full-text search (issue 10): index 20,000 findings, then the median time
of scoped queries, on SQLite (FTS5) or PostgreSQL (tsvector + GIN).

    .venv/bin/python bench/bench_fulltext.py [--findings 20000] [--runs 21]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/bench_fulltext.py

SQLite: a fresh database under a temporary TANHUA_HOME. PostgreSQL: the database
`tanhua_bench_fts` on the server the URL names, created and dropped here (the database the
URL names is never touched). The findings' texts are pairs of sentences of the shipped
labelled set (tanhua/evidence/data/focus_areas.csv), spread over the test world's
organizations; half of them lie in city C1's subtree. Timed: `index.rebuild()` (segmenting
and writing every index row), and `query.search(user, q)` — ranking, counting and paging
joined against `Finding.visible_to(user)`, plus the page's rows and snippets — for a C1
commission user (scope: half the rows) and a province one (all rows)."""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_NAME = "tanhua_bench_fts"
QUERIES = ["形式", "违规", "招投标", "整改 不到位", "生态环境", "八项规定 公款", "砂石码头", "问题"]


def pg_admin(url: str, statements: list[str]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for s in statements:
            conn.execute(s)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--findings", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    home = tempfile.mkdtemp(prefix="tanhua_bench_fts_")
    os.environ["TANHUA_HOME"] = home
    os.environ.setdefault("TANHUA_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("TANHUA_FAST_PASSWORD_HASHER", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    if admin_url.startswith("postgres"):
        pg_admin(admin_url, [f"DROP DATABASE IF EXISTS {PG_NAME}", f"CREATE DATABASE {PG_NAME}"])
        os.environ["DATABASE_URL"] = admin_url.rpartition("/")[0] + "/" + PG_NAME
    try:
        run(args)
    finally:
        if admin_url.startswith("postgres"):
            from django.db import connections

            connections.close_all()
            pg_admin(admin_url, [f"DROP DATABASE IF EXISTS {PG_NAME}"])


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tanhua.core.classification import Classification
    from tanhua.core.testing import build_world
    from tanhua.evidence.models import Finding
    from tanhua.search import index, query

    world = build_world()
    with open(ROOT / "tanhua/evidence/data/focus_areas.csv", encoding="utf-8") as f:
        sentences = [row["text"] for row in csv.DictReader(f)]
    rng = random.Random(10)
    orgs = [world.orgs[c] for c in ("C1", "K11", "T111", "C2", "C2", "P")]
    import datetime as dt

    Finding.objects.bulk_create(
        [
            Finding(
                code=f"FB{i:06d}",
                organization=orgs[i % len(orgs)],
                source="inspection",
                date=dt.date(2020, 1, 1) + dt.timedelta(days=i % 1500),
                severity=1 + i % 3,
                text="；".join(rng.sample(sentences, 2)),
                classification=Classification.SECRET,
            )
            for i in range(args.findings)
        ],
        batch_size=2000,
    )
    started = time.perf_counter()
    counts = index.rebuild()
    indexing = time.perf_counter() - started
    vendor = connection.vendor
    version = connection.cursor().connection.__class__.__module__
    print(f"# {vendor} ({version}), {counts} indexed in {indexing:.1f} s")
    users = {"C1 commission": world.users["commission_c1"], "province": world.users["commission_p"]}
    rows = []
    for label, user in users.items():
        for q in QUERIES:
            query.search(user, q)  # warm
            times, total = [], 0
            for _ in range(args.runs):
                t = time.perf_counter()
                total = query.search(user, q).total
                times.append((time.perf_counter() - t) * 1000)
            rows.append((label, q, total, statistics.median(times)))
    medians = [r[3] for r in rows]
    print("| user | query | hits | median ms |")
    print("| --- | --- | ---: | ---: |")
    for label, q, total, ms in rows:
        print(f"| {label} | {q} | {total} | {ms:.1f} |")
    median, worst = statistics.median(medians), max(medians)
    print(f"# median of all queries: {median:.1f} ms; max {worst:.1f} ms")


if __name__ == "__main__":
    main()
