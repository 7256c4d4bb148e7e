"""Benchmark of concurrent audited reads (issue 7): `tanhua serve` under 8 clients reading
cadre pages and API cadre details, against the same server's trivial /healthz.

    .venv/bin/python bench/bench_concurrency.py [--seconds 20] [--clients 8]
        [--workers N] [--threads N] [--keep DIR]

Builds the province-scale registry of bench/bench_scope.py (1,402 organizations, 7,500
cadres, 9,000 posts) in a temporary TANHUA_HOME (SQLite; with DATABASE_URL naming
PostgreSQL, a database `tanhua_bench_concurrency` of its own on that server, created and
dropped here — the database the URL names is never touched), starts `tanhua serve` on a free
loopback port, and runs two phases of the same length with the same number of client
threads, each on one keep-alive connection (http.client): /healthz, then cadre pages (a
logged-in session per client) and API cadre details (a Bearer token) alternately, over
cadres in the user's scope. Every read writes its audit entry, as in production. Prints
req/s of both, the ratio (target ≥ 0.5), errors (target 0), and the result of
`tanhua audit verify` run afterwards (target: clean).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_NAME = "tanhua_bench_concurrency"
TANHUA = str(Path(sys.executable).with_name("tanhua"))
TARGET_RATIO = 0.5
MAX_REQUESTS_PER_CLIENT = 100_000


def prepare(out: Path, clients: int) -> None:
    """In a child process with the bench's environment: migrate, build, log in."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench.bench_scope import build, make_users
    from tanhua.accounts.models import User
    from tanhua.org.models import Cadre, Organization

    call_command("migrate", verbosity=0)
    if not Organization.objects.exists():
        build(1)
    users = make_users()
    user = User.objects.get(pk=users["province"]["id"])
    sessions = []
    for _ in range(clients):
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    # Cadres the user sees, spread over the province (the page and API would 404 others).
    codes = list(
        Cadre.objects.visible_to(user).order_by("code").values_list("code", flat=True)[::37]
    )
    out.write_text(
        json.dumps({"token": users["province"]["token"], "sessions": sessions, "codes": codes})
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"tanhua serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("tanhua serve did not answer /healthz in time")


class Phase:
    """`clients` threads, each on one keep-alive connection, for `seconds` seconds."""

    def __init__(self, port: int, clients: int, seconds: float, requests):
        self.port, self.clients, self.seconds, self.requests = port, clients, seconds, requests
        self.done = [0] * clients
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.lock = threading.Lock()

    def client(self, i: int, stop_at: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        rng = random.Random(i)
        n = 0
        lat = []
        while time.monotonic() < stop_at and n < MAX_REQUESTS_PER_CLIENT:
            path, headers = self.requests(i, n, rng)
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    with self.lock:
                        self.errors.append(f"{path}: HTTP {response.status}")
                if response.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.errors.append(f"{path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            lat.append(time.perf_counter() - t0)
            n += 1
        conn.close()
        self.done[i] = n
        with self.lock:
            self.latencies += lat

    def run(self) -> dict:
        stop_at = time.monotonic() + self.seconds
        t0 = time.perf_counter()
        threads = [
            threading.Thread(target=self.client, args=(i, stop_at)) for i in range(self.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.seconds + 60)
        elapsed = time.perf_counter() - t0
        total = sum(self.done)
        lat = sorted(self.latencies) or [0.0]
        return {
            "requests": total,
            "seconds": elapsed,
            "rps": total / elapsed,
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
            "p50_ms": statistics.median(lat) * 1000,
            "p95_ms": lat[int(len(lat) * 0.95) - 1 if len(lat) > 1 else 0] * 1000,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, help="tanhua serve --workers")
    parser.add_argument("--threads", type=int, help="tanhua serve --threads")
    parser.add_argument("--keep", help="keep (and reuse) the SQLite home in this directory")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(Path(args.prepare), args.clients)
        return 0

    work = Path(args.keep or tempfile.mkdtemp(prefix="tanhua-bench-conc-"))
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    admin_url = os.environ.get("DATABASE_URL", "")
    postgres = admin_url.startswith("postgres")
    env = {
        **os.environ,
        "TANHUA_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "tanhua.settings",
        "TANHUA_AUDIT_KEY": "bench-audit-key-not-secret",
        "TANHUA_SECRET_KEY": "bench-concurrency-" + "s" * 50,
        "TANHUA_REQUIRE_TOTP": "0",
        "TANHUA_FAST_PASSWORD_HASHER": "1",
        "TANHUA_LOG_LEVEL": "ERROR",
    }
    if postgres:
        import psycopg
        from psycopg import sql

        head, _sep, _db = admin_url.rpartition("/")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(PG_NAME)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_NAME)))
        env["DATABASE_URL"] = f"{head}/{PG_NAME}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{home / 'tanhua.sqlite3'}"
    server = log = None
    try:
        prepared = work / "prepared.json"
        subprocess.run(
            [sys.executable, __file__, "--prepare", str(prepared), "--clients", str(args.clients)],
            env=env,
            cwd=ROOT,
            check=True,
        )
        data = json.loads(prepared.read_text())
        port = free_port()
        cmd = [TANHUA, "serve", "--host", "127.0.0.1", "--port", str(port)]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        log = open(work / "serve.log", "w")
        server = subprocess.Popen(cmd, env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
        wait_ready(port, server)

        def healthz(i, n, rng):
            return "/healthz", {}

        codes, token, sessions = data["codes"], data["token"], data["sessions"]

        def reads(i, n, rng):
            code = rng.choice(codes)
            if n % 2 == 0:
                return f"/org/cadres/{code}/", {"Cookie": f"sessionid={sessions[i]}"}
            return f"/api/v1/cadres/{code}", {"Authorization": f"Bearer {token}"}

        # A short warm-up of each, then the measured phases.
        Phase(port, args.clients, 2, healthz).run()
        Phase(port, args.clients, 2, reads).run()
        health = Phase(port, args.clients, args.seconds, healthz).run()
        read = Phase(port, args.clients, args.seconds, reads).run()
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if log is not None:
            log.close()
    verify = subprocess.run(
        [TANHUA, "audit", "verify"], env=env, cwd=work, capture_output=True, text=True
    )
    if postgres:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(PG_NAME)))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)

    ratio = read["rps"] / health["rps"] if health["rps"] else 0.0
    engine = "PostgreSQL" if postgres else "SQLite"
    print(f"engine: {engine}; clients: {args.clients}; {args.seconds:.0f} s per phase")
    for name, r in (("/healthz", health), ("cadre page + API cadre detail", read)):
        print(
            f"  {name:32} {r['rps']:8.1f} req/s  ({r['requests']} requests, "
            f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, errors {r['errors']})"
        )
        for e in r["first_errors"]:
            print(f"      {e}")
    print(f"  ratio reads / healthz: {ratio:.2f} (target ≥ {TARGET_RATIO})")
    print(f"  tanhua audit verify: exit {verify.returncode}: {verify.stdout.strip()[-300:]}")
    if verify.returncode:
        print(verify.stderr.strip()[-500:])
    ok = ratio >= TARGET_RATIO and not health["errors"] and not read["errors"]
    return 0 if ok and verify.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
