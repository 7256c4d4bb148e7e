"""Crash-safe imports (issue 8): a `tanhua import` killed with SIGKILL at a random moment,
or failing with an exception at a random row, leaves the database holding the whole import
or none of it, with an audit chain that still verifies.

Each database gets a file set of 10,000 rows (bench/bench_import.py's data)
and a starting state holding part of it under older names, so the import both creates and
updates. Every run starts from a copy of that state (and of its audit anchor); a subprocess
imports, the parent kills it after a seeded random delay or lets the injected failure end
it, then counts the rows and runs `tanhua audit verify` on the result. On PostgreSQL (when
DATABASE_URL names one) the databases are throwaway ones, test_h10_crash_*, dropped after.

The import batches of the web upload have no intermediate state to be left in: a
confirmation changes the batch's status in the import's own transaction (confirm_batch),
and test_batches.py pins that files of failed uploads are purged by `tanhua cleanup`.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DRIVER = Path(__file__).with_name("crash_driver.py")
SEED = 20261201
KILLS = 5
FAILURES = 3
SCALE = 0.2  # 200 organizations, 4,000 cadres, 5,800 positions: 10,000 rows
TABLES = ("org_organization", "org_cadre", "org_position")
PG_PREFIX = "test_h10_crash_"

pytestmark = [pytest.mark.slow]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench/bench_import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_csvs(data: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, rows in data.items():
        header = list(dict.fromkeys(k for row in rows for k in row))
        path = out / f"{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, header, restval="")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths


class Site:
    """One database and TANHUA_HOME the subprocesses run against, and its saved start."""

    def __init__(self, tmp: Path, admin_url: str | None) -> None:
        self.tmp = tmp
        self.home = tmp / "home"
        self.saved_home = tmp / "saved-home"
        self.admin_url = admin_url
        if admin_url:
            head = admin_url.rpartition("/")[0]
            self.run_db, self.saved_db = PG_PREFIX + "run", PG_PREFIX + "start"
            self.url = f"{head}/{self.run_db}"
            self._pg("DROP DATABASE IF EXISTS {}", self.run_db)
            self._pg("DROP DATABASE IF EXISTS {}", self.saved_db)
            self._pg("CREATE DATABASE {}", self.run_db)
        else:
            self.path = tmp / "run.sqlite3"
            self.url = f"sqlite:///{self.path}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("TANHUA_TEST_DB_NAME", "TANHUA_AUDIT_ANCHOR_FILE", "TANHUA_AUDIT_KEY_FILE")
        }
        self.env.update(
            DATABASE_URL=self.url,
            TANHUA_HOME=str(self.home),
            TANHUA_AUDIT_KEY="crash-test-audit-key-not-secret",
            DJANGO_SETTINGS_MODULE="tanhua.settings",
        )

    def _pg(self, statement: str, name: str, template: str | None = None) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            if template:
                conn.execute(
                    sql.SQL(statement).format(sql.Identifier(name), sql.Identifier(template))
                )
            else:
                conn.execute(sql.SQL(statement).format(sql.Identifier(name)))

    def tanhua(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """The operator's command line, `tanhua VERB …`."""
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from tanhua.cli import main; sys.exit(main())",
                *args,
            ],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, done.stderr[-3000:]
        return done

    def driver(self, fail_at: int, files: list[Path]) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(DRIVER), str(fail_at), *map(str, files)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def save(self) -> None:
        if self.admin_url:
            self._pg("CREATE DATABASE {} TEMPLATE {}", self.saved_db, self.run_db)
        else:
            self._sqlite_copy(self.path, self.tmp / "saved.sqlite3")
        shutil.copytree(self.home, self.saved_home)

    def restore(self) -> None:
        if self.admin_url:
            self._pg("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.run_db)
            self._pg("CREATE DATABASE {} TEMPLATE {}", self.run_db, self.saved_db)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._sqlite_copy(self.tmp / "saved.sqlite3", self.path)
        shutil.rmtree(self.home)
        shutil.copytree(self.saved_home, self.home)

    @staticmethod
    def _sqlite_copy(src: Path, dst: Path) -> None:
        # The backup API copies the committed state, whatever still sits in the WAL.
        with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
            a.backup(b)
        a.close()
        b.close()

    def counts(self) -> tuple[int, ...]:
        query = [f"SELECT COUNT(*) FROM {t}" for t in TABLES]  # noqa: S608 - fixed names
        if self.admin_url:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return tuple(conn.execute(q).fetchone()[0] for q in query)
        conn = sqlite3.connect(self.path)
        try:
            return tuple(conn.execute(q).fetchone()[0] for q in query)
        finally:
            conn.close()

    def renamed_cadres(self) -> int:
        sql = "SELECT COUNT(*) FROM org_cadre WHERE name LIKE '%旧'"
        if self.admin_url:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchone()[0]
        conn = sqlite3.connect(self.path)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()

    def drop(self) -> None:
        if self.admin_url:
            self._pg("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.run_db)
            self._pg("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.saved_db)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    bench = _bench()
    s = SCALE
    data = bench.generate(int(1000 * s), int(20000 * s), int(29000 * s))
    # The starting state: the organizations above townships and a tenth of the cadres, the
    # cadres under older names (the import renames them back).
    start = {
        "organizations": [o for o in data["organizations"] if not o["code"].startswith("BT")],
        "cadres": [{**c, "name": c["name"] + "旧"} for c in data["cadres"][::10]],
    }
    tmp = tmp_path_factory.mktemp("crash-files")
    return {
        "full": _write_csvs(data, tmp / "full"),
        "start": _write_csvs(start, tmp / "start"),
        "after": tuple(len(data[k]) for k in ("organizations", "cadres", "positions")),
        "before": (len(start["organizations"]), len(start["cadres"]), 0),
    }


def _databases():
    """The engine the suite runs on: CI runs the suite once per engine, so running the
    embedded one again beside PostgreSQL would only repeat the SQLite suite's run."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        yield pytest.param(url, id="postgresql")
    else:
        yield pytest.param(None, id="sqlite")


@pytest.fixture(scope="module", params=list(_databases()))
def site(request, tmp_path_factory, files):
    site = Site(tmp_path_factory.mktemp("crash-site"), request.param)
    try:
        site.tanhua("migrate", "--no-input")
        site.tanhua("import", *map(str, files["start"]))
        assert site.counts() == files["before"]
        site.save()
        yield site
    finally:
        site.drop()


def _check(site: Site, files: dict, what: str) -> str:
    counts = site.counts()
    assert counts in (files["before"], files["after"]), f"{what}: half an import: {counts}"
    renamed = site.renamed_cadres()
    # The updates of the import commit with its inserts, or not at all.
    expected = files["before"][1] if counts == files["before"] else 0
    assert renamed == expected, f"{what}: {renamed} cadres renamed out of step with the inserts"
    verified = site.tanhua("audit", "verify", check=False)
    assert verified.returncode == 0, f"{what}: audit verify failed: {verified.stderr[-2000:]}"
    return "after" if counts == files["after"] else "before"


def test_an_import_killed_at_a_random_moment_holds_all_of_it_or_none(site, files):
    # How long a whole import takes here, so the kills spread over all of it.
    site.restore()
    t0 = time.monotonic()
    done = site.driver(-1, files["full"])
    _out, err = done.communicate(timeout=300)
    whole = time.monotonic() - t0
    assert done.returncode == 0, err[-3000:]
    assert _check(site, files, "an import left alone") == "after"
    rng = random.Random(SEED)
    outcomes = []
    for run in range(KILLS):
        site.restore()
        proc = site.driver(-1, files["full"])
        delay = rng.uniform(0.3, whole * 1.05)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        outcomes.append(_check(site, files, f"kill {run} after {delay:.2f} s of {whole:.2f} s"))
    # The seeded delays must really cut imports short, not only land after they finished.
    assert "before" in outcomes, outcomes


def test_an_import_failing_at_a_random_row_writes_none_of_it(site, files):
    rng = random.Random(SEED + 1)
    total_rows = files["after"][1] + files["after"][2]
    for _ in range(FAILURES):
        site.restore()
        fail_at = rng.randrange(0, total_rows)
        proc = site.driver(fail_at, files["full"])
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 3, (out, err[-3000:])
        assert _check(site, files, f"failure at row {fail_at}") == "before"
