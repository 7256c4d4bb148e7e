"""Benchmark of scope-bound reads (issue 7): every registry page and API read at province
scale and in a database ten times larger with the same scope, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_scope.py [--runs 15] [--keep DIR] [--sizes 1,10]

Two databases are built with bulk_create: one fictional province (1,402 organizations:
1 province, 16 cities, 130 counties, 1,255 townships; 7,500 cadres; 9,000 posts) and ten
such provinces (14,020 / 75,000 / 90,000). Province 0 is the same in both, and its rows are
interleaved with the other provinces' (ids and cadre codes), so a plan that walks a whole
table or index pays for the other nine. Two users are measured: a commission user of
province 0 and one of its first city; their scope is the same in both databases.

Each database lives in a worker process of its own (SQLite files under a temporary
TANHUA_HOME; with DATABASE_URL naming PostgreSQL, databases `tanhua_bench_scope_1x` /
`_10x` on that server, created and dropped here — the database the URL names is never
touched). The parent asks the two workers in turn for one request at a time, so that the
load of a shared machine falls on both sizes alike; both workers run on the same CPU, and
each round goes over every page once, so that a burst of load spreads over all pages.
Requests go through Django's test Client in-process (force_login for pages, a Bearer
token for the API), each one audited as in production. Prints per page: median ms at both
sizes, the ratio (target ≤ 1.25), and the query counts (target: equal).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.25
CITIES, COUNTIES, TOWNSHIPS = 16, 130, 1255
CADRES, POSTS = 7500, 9000
PG_PREFIX = "tanhua_bench_scope"

# (name, kind, url template); {org} is the user's own organization, {cadre} a cadre both
# users see, {child} the org page's first child.
PAGES = [
    ("tree", "page", "/org/"),
    ("organization page", "page", "/org/o/{org}/"),
    ("children partial", "page", "/org/o/{org}/children/"),
    ("cadre list, page 1", "page", "/org/cadres/"),
    ("cadre list, tier + level", "page", "/org/cadres/?tier=county&level=township"),
    ("cadre page", "page", "/org/cadres/{cadre}/"),
    ("API organizations list", "api", "/api/v1/organizations"),
    ("API organization detail", "api", "/api/v1/organizations/{org}"),
    ("API cadres list", "api", "/api/v1/cadres"),
    ("API cadre detail", "api", "/api/v1/cadres/{cadre}"),
    ("API positions list", "api", "/api/v1/positions"),
]


# --- the data -----------------------------------------------------------------------------


def province_orgs(p: int) -> list[tuple[str, str, str, str | None]]:
    """(code, name, level, parent code) of province p, parents first."""
    prov = f"P{p}"
    rows = [(prov, f"样例{p}省委", "province", None)]
    cities = [f"{prov}C{j:02d}" for j in range(CITIES)]
    rows += [(c, f"样例{p}省{j}号市委", "city", prov) for j, c in enumerate(cities)]
    counties = [f"{cities[k % CITIES]}K{k:03d}" for k in range(COUNTIES)]
    rows += [(k, f"样例{p}省{i}号县委", "county", k[:-4]) for i, k in enumerate(counties)]
    for t in range(TOWNSHIPS):
        county = counties[t % COUNTIES]
        rows.append((f"{county}T{t:04d}", f"样例{p}省{t}号乡党委", "township", county))
    return rows


TIER_BY_LEVEL = {
    "province": ("central", "provincial"),
    "city": ("provincial", "city"),
    "county": ("city", "county"),
    "township": ("county", "county"),
}
TITLES = ("书记", "副书记", "委员", "常委", "纪委书记", "组织部长")


def province_posts(orgs: list[tuple[str, str, str, str | None]]):
    """(cadre index, org code, title, principal, start, end) for one province: every cadre
    one post, the first 1,500 a second one elsewhere (a third of those ended)."""
    import datetime as dt

    weights = {"province": 40, "city": 25, "county": 12}
    slots: list[str] = []
    for code, _name, level, _parent in orgs:
        slots += [code] * weights.get(level, 0)
    townships = [o[0] for o in orgs if o[2] == "township"]
    i = 0
    while len(slots) < CADRES:
        slots.append(townships[i % len(townships)])
        i += 1
    slots = slots[:CADRES]
    posts, seen = [], {}
    for n, org in enumerate(slots):
        k = seen.get(org, 0)
        seen[org] = k + 1
        start = dt.date(2015 + n % 7, 1 + n % 12, 1 + n % 28)
        posts.append((n, org, TITLES[min(k, len(TITLES) - 1)], k == 0, start, None))
    for n in range(POSTS - CADRES):
        org = slots[(n * 7 + 3) % CADRES]
        ended = n % 3 == 0
        start = dt.date(2012 + n % 5, 1 + n % 12, 1 + n % 28)
        end = dt.date(2019, 6, 30) if ended else None
        posts.append((n, org, f"兼任{TITLES[n % len(TITLES)]}", False, start, end))
    return slots, posts


def build(provinces: int) -> None:
    from django.db import transaction

    from tanhua.core.classification import Classification
    from tanhua.org.models import Cadre, Organization, Position

    levels = ("province", "city", "county", "township")
    per_province = [province_orgs(p) for p in range(provinces)]
    with transaction.atomic():
        ids: dict[str, tuple[int, str]] = {}
        for level in levels:
            batch = []
            # Interleaved across provinces: ids of province 0 are not all the smallest.
            rows = [r for org_rows in per_province for r in org_rows if r[2] == level]
            rows.sort(key=lambda r: (r[0][2:], r[0][:2]))
            for code, name, lvl, parent in rows:
                parent_id, parent_path = ids[parent] if parent else (None, None)
                path, depth = Organization.place(parent_path, code)
                batch.append(
                    Organization(
                        code=code,
                        name=name,
                        level=lvl,
                        parent_id=parent_id,
                        path=path,
                        depth=depth,
                    )
                )
            for org in Organization.objects.bulk_create(batch, batch_size=2000):
                ids[org.code] = (org.pk, org.path)
        cadres = []
        slots_of = {}
        level_of = {r[0]: r[2] for org_rows in per_province for r in org_rows}
        for p in range(provinces):
            slots_of[p] = province_posts(per_province[p])
        for n in range(CADRES):
            for p in range(provinces):
                slots, _posts = slots_of[p]
                tiers = TIER_BY_LEVEL[level_of[slots[n]]]
                classification = (
                    Classification.CONFIDENTIAL
                    if n % 97 == 5
                    else Classification.SECRET
                    if n % 31 == 7
                    else Classification.INTERNAL
                )
                cadres.append(
                    Cadre(
                        # The province number last: codes of the provinces interleave.
                        code=f"G{n:05d}{p}",
                        name=f"样例干部{p}-{n}",
                        tier=tiers[0] if n % 6 == 0 else tiers[1],
                        gender="male" if n % 3 else "female",
                        classification=classification,
                    )
                )
        cadre_ids = {
            c.code: c.pk
            for c in Cadre.objects.unscoped("benchmark set-up").bulk_create(cadres, batch_size=2000)
        }
        posts = []
        for i in range(POSTS):
            for p in range(provinces):
                n, org, title, principal, start, end = slots_of[p][1][i]
                posts.append(
                    Position(
                        cadre_id=cadre_ids[f"G{n:05d}{p}"],
                        cadre_code=f"G{n:05d}{p}",
                        organization_id=ids[org][0],
                        org_path=ids[org][1],
                        title=title,
                        principal=principal,
                        start=start,
                        end=end,
                    )
                )
        Position.objects.unscoped("benchmark set-up").bulk_create(posts, batch_size=2000)


def make_users() -> dict:
    from tanhua.accounts.models import ConflictDeclaration, RoleGrant, User
    from tanhua.accounts.roles import Role
    from tanhua.api.services import issue_token
    from tanhua.core.classification import Classification
    from tanhua.org.models import Cadre, Organization

    out = {}
    for key, org_code in (("province", "P0"), ("city", "P0C00")):
        username = f"bench_{key}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password="Bench-Password-Not-Secret-1",  # noqa: S106 - a throwaway database
                organization=Organization.objects.get(code=org_code),
                clearance=Classification.SECRET,
                must_change_password=False,
            )
            RoleGrant.objects.create(user=user, role=Role.COMMISSION)
            # Two declared conflicts, so that the 回避 exclusion is part of every plan.
            for code in ("G000030", "G000040"):
                ConflictDeclaration.objects.create(
                    user=user,
                    cadre=Cadre.objects.unscoped("benchmark set-up").get(code=code),
                    reason="other",
                    detail="基准测试",
                )
        _token, plain = issue_token(actor=None, user=user, name="bench")
        out[key] = {"id": user.pk, "org": org_code, "token": plain}
    return out


# --- the worker: one database, one process --------------------------------------------------


def worker(args) -> int:
    pin_to_shared_cpu()
    os.environ["DATABASE_URL"] = args.db
    os.environ["TANHUA_HOME"] = args.home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    os.environ.setdefault("TANHUA_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("TANHUA_REQUIRE_TOTP", "0")
    os.environ.setdefault("TANHUA_FAST_PASSWORD_HASHER", "1")
    os.environ.setdefault("TANHUA_SECRET_KEY", "bench-" + "x" * 60)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tanhua.accounts.models import User
    from tanhua.org.models import Cadre, Organization, Position

    call_command("migrate", verbosity=0)
    static = Path(args.home) / "static" / "staticfiles.json"
    if not static.exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    if not Organization.objects.exists():
        t0 = time.perf_counter()
        build(args.size)
        built = time.perf_counter() - t0
    else:
        built = 0.0
    if connection.vendor == "postgresql":
        # What autovacuum would have done to a database this size by now.
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    users = make_users()
    clients = {}
    for key, info in users.items():
        client = Client()
        client.force_login(User.objects.get(pk=info["id"]))
        clients[(key, "page")] = client
        clients[(key, "api")] = Client(headers={"authorization": f"Bearer {info['token']}"})
    cadre = "G004450"  # a county-level cadre of the first city: both users see them
    assert Cadre.objects.unscoped("benchmark check").filter(code=cadre).exists()
    ready = {
        "vendor": connection.vendor,
        "version": connection.Database.sqlite_version
        if connection.vendor == "sqlite"
        else str(connection.pg_version),
        "built_s": round(built, 1),
        "organizations": Organization.objects.count(),
        "cadres": Cadre.objects.unscoped("benchmark sizes").count(),
        "positions": Position.objects.unscoped("benchmark sizes").count(),
        "scope": {
            key: Cadre.objects.visible_to(User.objects.get(pk=info["id"])).count()
            for key, info in users.items()
        },
    }
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("quit"):
            break
        user, kind, url = cmd["user"], cmd["kind"], cmd["url"]
        url = url.format(org=users[user]["org"], cadre=cadre)
        client = clients[(user, kind)]
        with CaptureQueriesContext(connection) as queries:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            ms = (time.perf_counter() - t0) * 1000
            cpu = (time.process_time() - c0) * 1000
        print(
            json.dumps(
                {
                    "ms": ms,
                    "cpu": cpu,
                    "queries": len(queries),
                    "status": response.status_code,
                    "bytes": len(response.content),
                }
            ),
            flush=True,
        )
    return 0


def pin_to_shared_cpu() -> None:
    """Both sizes' workers on the same (last) CPU, the parent and the rest elsewhere: two
    workers floating over the cores measured each core's share of a neighbour's load and
    cache, and a one-query detail page came out 1.4x slower on one size than the other."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) >= 2:
        os.sched_setaffinity(0, {cpus[-1]})


class Worker:
    def __init__(self, size: int, db: str, home: Path):
        home.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, __file__, "--worker", str(size), "--db", db, "--home", str(home)]
        self.size = size
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )

    def ready(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"worker {self.size}x failed to start")
        return json.loads(line)

    def get(self, user: str, kind: str, url: str) -> dict:
        self.proc.stdin.write(json.dumps({"user": user, "kind": kind, "url": url}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"worker {self.size}x died")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


# --- PostgreSQL databases of the benchmark's own ---------------------------------------------


def pg_admin(admin_url: str, statements: list) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def pg_url(admin_url: str, name: str) -> str:
    head, _sep, _db = admin_url.rpartition("/")
    return f"{head}/{name}"


def pg_names(sizes) -> list[str]:
    return [f"{PG_PREFIX}_{n}x" for n in sizes]


# --- the comparison -------------------------------------------------------------------------


def measure(
    engine: str, workers: dict[int, Worker], runs: int, warmup: int, pages=PAGES
) -> list[dict]:
    small, large = sorted(workers)
    cases = [(user, name, kind, url) for user in ("province", "city") for name, kind, url in pages]
    samples = {(user, name): {n: [] for n in workers} for user, name, _k, _u in cases}
    # Round by round over every page, not all runs of one page in a row: a burst of a
    # neighbour's load then falls on every page a little instead of on one page's samples.
    for i in range(warmup + runs):
        for user, name, kind, url in cases:
            # Alternate who goes first, so neither size always follows the other.
            order = (small, large) if i % 2 == 0 else (large, small)
            for n in order:
                result = workers[n].get(user, kind, url)
                if result["status"] != 200:
                    raise SystemExit(f"{engine} {n}x {user} {url}: HTTP {result['status']}")
                if i >= warmup:
                    samples[(user, name)][n].append(result)
    rows = []
    for user, name, _kind, _url in cases:
        got = samples[(user, name)]
        med = {n: statistics.median(r["ms"] for r in got[n]) for n in workers}
        cpu = {n: statistics.median(r["cpu"] for r in got[n]) for n in workers}
        # The usual count: a token's last use is written at most once a minute, which
        # may fall on any one sample of either size.
        queries = {n: statistics.mode(r["queries"] for r in got[n]) for n in workers}
        rows.append(
            {
                "engine": engine,
                "user": user,
                "page": name,
                "small_ms": med[small],
                "large_ms": med[large],
                "ratio": med[large] / med[small],
                "small_cpu": cpu[small],
                "large_cpu": cpu[large],
                "cpu_ratio": cpu[large] / cpu[small] if cpu[small] else 0.0,
                "small_q": queries[small],
                "large_q": queries[large],
            }
        )
        r = rows[-1]
        print(
            f"  {engine:10} {user:8} {name:26} {r['small_ms']:7.1f} {r['large_ms']:7.1f}"
            f"  {r['ratio']:5.2f}x (cpu {r['cpu_ratio']:4.2f}x)"
            f"  q {r['small_q']}/{r['large_q']}",
            flush=True,
        )
    return rows


def table(rows: list[dict], sizes) -> str:
    small, large = sizes
    lines = [
        f"| engine | user | page | {small}× median ms | {large}× median ms | ratio "
        f"| ≤ {TARGET_RATIO}× | queries {small}× / {large}× | flat "
        f"| client CPU ms {small}× / {large}× (ratio) |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['engine']} | {r['user']} | {r['page']} | {r['small_ms']:.1f} "
            f"| {r['large_ms']:.1f} | {r['ratio']:.2f} "
            f"| {'yes' if r['ratio'] <= TARGET_RATIO else '**no**'} "
            f"| {r['small_q']} / {r['large_q']} "
            f"| {'yes' if r['small_q'] == r['large_q'] else '**no**'} "
            f"| {r['small_cpu']:.1f} / {r['large_cpu']:.1f} ({r['cpu_ratio']:.2f}) |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--keep", help="keep (and reuse) the SQLite databases in this directory")
    parser.add_argument("--keep-pg", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument(
        "--pages", help="only the pages whose name contains one of these (comma-separated)"
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.size = args.worker
        return worker(args)

    sizes = (1, 10)
    work = Path(args.keep or tempfile.mkdtemp(prefix="tanhua-bench-scope-"))
    admin_url = os.environ.get("DATABASE_URL", "")
    engines = [e for e in args.engines.split(",") if e]
    if not admin_url.startswith("postgres"):
        engines = [e for e in engines if e != "postgresql"]
    rows: list[dict] = []
    print(f"load average at the start: {os.getloadavg()}; {os.cpu_count()} CPUs")
    print(f"{'':2} {'engine':10} {'user':8} {'page':26} {'1x ms':>7} {'10x ms':>7}  ratio")
    try:
        for engine in engines:
            if engine == "postgresql":
                from psycopg import sql

                existing = []
                if args.keep_pg:
                    import psycopg

                    with psycopg.connect(admin_url, autocommit=True) as conn:
                        existing = [
                            r[0]
                            for r in conn.execute(
                                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                                [PG_PREFIX + "%"],
                            )
                        ]
                # Left over from an interrupted run: the benchmark's own databases only.
                pg_admin(
                    admin_url,
                    [
                        statement.format(sql.Identifier(name))
                        for name in pg_names(sizes)
                        if name not in existing
                        for statement in (
                            sql.SQL("DROP DATABASE IF EXISTS {}"),
                            sql.SQL("CREATE DATABASE {}"),
                        )
                    ],
                )
                dbs = {n: pg_url(admin_url, f"{PG_PREFIX}_{n}x") for n in sizes}
            else:
                dbs = {n: f"sqlite:///{work / f'scope_{n}x.sqlite3'}" for n in sizes}
            workers = {n: Worker(n, dbs[n], work / f"home_{engine}_{n}x") for n in sizes}
            try:
                for n, w in workers.items():
                    info = w.ready()
                    print(f"# {engine} {n}x: {json.dumps(info, ensure_ascii=False)}", flush=True)
                wanted = [w for w in (args.pages or "").split(",") if w]
                pages = [p for p in PAGES if not wanted or any(w in p[0] for w in wanted)]
                rows += measure(engine, workers, args.runs, args.warmup, pages)
            finally:
                for w in workers.values():
                    w.close()
    finally:
        if "postgresql" in engines and not args.keep_pg:
            from psycopg import sql

            pg_admin(
                admin_url,
                [
                    sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
                    for name in pg_names(sizes)
                ],
            )
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average at the end: {os.getloadavg()}")
    print(table(rows, sizes))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    ok = all(r["ratio"] <= TARGET_RATIO and r["small_q"] == r["large_q"] for r in rows)
    print(f"\nall within {TARGET_RATIO}× with flat query counts: {'yes' if ok else 'no'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
