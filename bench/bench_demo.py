"""Benchmark: `tanhua demo --no-serve` into a fresh embedded SQLite database (target < 30 s).

Each run uses its own temporary TANHUA_HOME, so it measures what a first-time user waits
for: creating the database, migrating, generating and importing the demo province, and
creating the demo logins (with the production argon2 hasher). Three runs, median.

    .venv/bin/python bench/bench_demo.py            # print the results
    .venv/bin/python bench/bench_demo.py --write    # also update "## Demo" in docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Demo"
TARGET_SECONDS = 30.0
# Settings the test suite uses to go faster; a benchmark measures the real thing.
TEST_ONLY_ENV = ("TANHUA_FAST_PASSWORD_HASHER", "TANHUA_TESTING", "TANHUA_AUDIT_KEY")


def one_run(*, fast_hasher: bool = False) -> tuple[float, float, dict[str, int]]:
    """(wall seconds of the whole command, load seconds it printed, row counts)."""
    with tempfile.TemporaryDirectory(prefix="tanhua-bench-demo-") as home:
        env = {**os.environ, "TANHUA_HOME": home}
        for name in ("DATABASE_URL", *TEST_ONLY_ENV):
            env.pop(name, None)
        if fast_hasher:
            env["TANHUA_FAST_PASSWORD_HASHER"] = "1"  # noqa: S105 - a switch, not a password
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "tanhua.cli", "demo", "--no-serve"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            sys.exit(f"tanhua demo failed:\n{proc.stdout}\n{proc.stderr}")
        match = re.search(r"用时 ([\d.]+) 秒", proc.stdout)
        load = float(match.group(1)) if match else float("nan")
        with sqlite3.connect(Path(home) / "tanhua.sqlite3") as conn:
            counts = {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                for table in (
                    "org_organization",
                    "org_cadre",
                    "org_position",
                    "accounts_user",
                    "audit_auditentry",
                )
            }
            by_level = dict(
                conn.execute("SELECT level, count(*) FROM org_organization GROUP BY level")
            )
        counts.update({f"level_{k}": v for k, v in by_level.items()})
        return wall, load, counts


def report(walls: list[float], loads: list[float], counts: dict[str, int], fast_load: float) -> str:
    median_wall, median_load = statistics.median(walls), statistics.median(loads)
    verdict = "met" if median_wall < TARGET_SECONDS else "MISSED"
    return "\n".join(
        [
            SECTION,
            "",
            "`tanhua demo --no-serve` into a fresh embedded SQLite database (new temporary",
            "`TANHUA_HOME` per run: create + migrate + generate + import the demo province",
            "through `tanhua.exchange.services.import_tables` + classifications + 11 demo",
            "logins with argon2). Measured by `bench/bench_demo.py`, 3 runs, median.",
            "",
            f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            f"- machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
            f"- rows: {counts['level_province']} province, {counts['level_city']} cities, "
            f"{counts['level_county']} counties, {counts['level_township']} townships "
            f"({counts['org_organization']} organizations); {counts['org_cadre']} cadres; "
            f"{counts['org_position']} positions; {counts['accounts_user']} users; "
            f"{counts['audit_auditentry']} audit entries",
            f"- load (as printed by the command): median **{median_load:.1f} s** "
            f"(runs: {', '.join(f'{s:.1f}' for s in loads)})",
            f"- whole command incl. interpreter start and migrations: median "
            f"**{median_wall:.1f} s** (runs: {', '.join(f'{s:.1f}' for s in walls)})",
            f"- the same load with the test suite's fast password hasher instead of argon2 "
            f"(one run): {fast_load:.1f} s, so most of the load is the 11 argon2 hashes",
            f"- target < {TARGET_SECONDS:.0f} s: {verdict}",
            "",
        ]
    )


def write_section(text: str) -> None:
    """Replace only the "## Demo" section; other sections belong to other benchmarks."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(doc):
        doc = pattern.sub(lambda _m: text + "\n", doc, count=1)
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    walls, loads, counts = [], [], {}
    for i in range(args.runs):
        wall, load, counts = one_run()
        walls.append(wall)
        loads.append(load)
        print(f"run {i + 1}: load {load:.1f} s, whole command {wall:.1f} s", file=sys.stderr)
    _wall, fast_load, _counts = one_run(fast_hasher=True)
    text = report(walls, loads, counts, fast_load)
    print(text)
    if args.write:
        write_section(text)
    return 0 if statistics.median(walls) < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
