"""Benchmark of `tanhua backup` / `tanhua restore` at province scale (issue 8).

The source holds bench_import's 50,000 registry rows (1,000 organizations, 20,000 cadres,
29,000 positions), a year of audit trail (--audit entries, 200,000 by default: reads of
people and edits, each HMAC-chained) and --files stored files of 256 KiB (half compressible
text, half random bytes, as scanned attachments are). Then, each through the command line as
an operator runs it: a plain backup, an encrypted backup, `--verify`, a restore into a new
home (and a new database) and `tanhua audit verify` there.

    .venv/bin/python bench/bench_backup.py [--audit 200000] [--files 200] [--write]

SQLite by default; with DATABASE_URL=postgres://… the source and target are databases
`tanhua_bench_backup_src` / `_dst` of their own on that server (the URL's database is never
touched). --write replaces the matching "## Backup and restore" subsection in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Backup and restore"
KEY = "bench-audit-key-not-secret"
PASS = "bench passphrase, not secret"  # noqa: S105 - a benchmark's throwaway
FILE_SIZE = 256 * 1024


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def seed(n_audit: int, n_files: int, home: Path) -> dict[str, int]:
    """In this process: migrate, import the registry, write the trail and the files."""
    import django

    django.setup()
    from bench_import import generate, write_files
    from django.core.management import call_command
    from django.db import connection

    from tanhua.audit import services as audit
    from tanhua.exchange.services import import_files

    call_command("migrate", verbosity=0)
    data = generate(1000, 20000, 29000)
    _xlsx, csvs = write_files(data, home.parent / "sheets")
    import_files(csvs, actor=None)
    codes = [c["code"] for c in data["cadres"]]
    written = 0
    while written < n_audit:
        batch = [
            audit.Event(
                action="cadre.read" if i % 10 else "cadre.update",
                object_type="cadre",
                object_id=codes[i % len(codes)],
                object_repr=f"样例干部{i % len(codes)}",
                detail={"path": f"/api/v1/cadres/{codes[i % len(codes)]}"},
                after={"name": f"样例干部{i}"} if i % 10 == 0 else None,
            )
            for i in range(written, min(n_audit, written + 5000))
        ]
        audit.record_many(batch)
        written += len(batch)
    media = home / "media" / "attachments"
    media.mkdir(parents=True, exist_ok=True)
    text = ("谈话提纲：问题一、问题二、问题三。" * 4000).encode()[:FILE_SIZE]
    for i in range(n_files):
        body = text if i % 2 else os.urandom(FILE_SIZE)
        (media / f"{i:04d}.bin").write_bytes(body)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM audit_auditentry")
        (entries,) = cur.fetchone()
    connection.close()
    return {"registry_rows": sum(len(v) for v in data.values()), "audit_entries": entries}


def timed(env: dict, *args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "tanhua.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"tanhua {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return took, proc.stdout


def pg_databases(admin_url: str, *names: str, create: bool) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            if create:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audit", type=int, default=200_000, help="audit entries to write")
    parser.add_argument("--files", type=int, default=200, help="stored files of 256 KiB")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tanhua-bench-backup-"))
    admin_url = os.environ.get("DATABASE_URL", "")
    postgres = admin_url.startswith("postgres")
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tanhua.settings",
        "TANHUA_AUDIT_KEY": KEY,
    }
    for name in ("TANHUA_TESTING", "TANHUA_AUDIT_KEY_FILE", "DATABASE_URL"):
        base.pop(name, None)
    envs = {w: {**base, "TANHUA_HOME": str(work / w)} for w in ("src", "dst")}
    if postgres:
        names = {w: f"tanhua_bench_backup_{w}" for w in envs}
        pg_databases(admin_url, *names.values(), create=True)
        head = admin_url.rpartition("/")[0]
        for w, env in envs.items():
            env["DATABASE_URL"] = f"{head}/{names[w]}"
    os.environ.clear()
    os.environ.update(envs["src"])
    try:
        t0 = time.perf_counter()
        counts = seed(args.audit, args.files, work / "src")
        seeding = time.perf_counter() - t0
        print(f"seeded in {seeding:.0f} s: {counts}", file=sys.stderr)
        (work / "pass").write_text(PASS)
        plain, enc = work / "plain.tar.gz", work / "enc.tanhua"
        t_plain, out = timed(envs["src"], "backup", "--out", str(plain))
        print(out, file=sys.stderr)
        t_enc, _ = timed(
            envs["src"], "backup", "--out", str(enc), "--passphrase-file", str(work / "pass")
        )
        t_verify, _ = timed(envs["src"], "backup", "--verify", str(plain))
        t_restore, out = timed(
            envs["dst"], "restore", str(enc), "--passphrase-file", str(work / "pass")
        )
        print(out, file=sys.stderr)
        t_chain, _ = timed(envs["dst"], "audit", "verify")
        db_size = sum(
            p.stat().st_size for p in (work / "src").glob("tanhua.sqlite3*") if p.is_file()
        )
        manifest = json.loads(
            subprocess.run(
                ["tar", "-xzOf", str(plain), "manifest.json"], capture_output=True, check=True
            ).stdout
        )
        manifest_rows = manifest["tables"]
    finally:
        if postgres:
            pg_databases(admin_url, *names.values(), create=False)
    rows = sum(t["rows"] for t in manifest_rows.values())
    engine = (
        f"PostgreSQL {manifest['engine_version']}"
        if postgres
        else f"SQLite {sqlite3.sqlite_version}"
    )
    files_size = args.files * FILE_SIZE
    lines = [
        f"### {'PostgreSQL' if postgres else 'SQLite'}",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} CPUs "
        f"(nproc, shared: load average {os.getloadavg()[0]:.1f} at the end), "
        f"{platform.machine()}, Python {platform.python_version()}, {engine}",
        f"- source: {rows:,} rows in {len(manifest_rows)} tables ({counts['registry_rows']:,} "
        f"registry rows, {counts['audit_entries']:,} audit entries)"
        + (f", database file {_mib(db_size)}" if db_size else "")
        + f"; {args.files} stored files, {_mib(files_size)}",
        f"- `tanhua backup --out` (plain): **{t_plain:.1f} s**, "
        f"archive {_mib(plain.stat().st_size)}",
        f"- `tanhua backup --out --passphrase-file` (AES-256-GCM): **{t_enc:.1f} s**, "
        f"archive {_mib(enc.stat().st_size)}",
        f"- `tanhua backup --verify`: {t_verify:.1f} s",
        "- `tanhua restore` (encrypted archive, into a new home"
        + (" and database" if postgres else "")
        + f", every table re-hashed and compared): **{t_restore:.1f} s**",
        f"- `tanhua audit verify` on the restored trail: {t_chain:.1f} s",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(text, postgres)
    shutil.rmtree(work, ignore_errors=True)
    return 0


INTRO = """{section}

`bench/bench_backup.py`: the registry of `bench_import.py` (1,000 organizations, 20,000
cadres, 29,000 positions), a year's audit trail (200,000 HMAC-chained entries) and 200 stored
files of 256 KiB (half text, half random bytes) in the source; each step run through the
command line as the operator does (wall time including the interpreter's start, ~1.5 s).
A restore checks every member's hash first, then writes, hashes every table of the restored
database against the manifest and verifies the whole audit chain (the chain's HMACs are most
of its time: compare the `tanhua audit verify` line).
"""


def write_section(text: str, postgres: bool) -> None:
    """Replace this engine's subsection under "## Backup and restore" only."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    match = pattern.search(doc)
    section = match.group(0) if match else INTRO.format(section=SECTION)
    sub = "### PostgreSQL" if postgres else "### SQLite"
    sub_pattern = re.compile(rf"^{re.escape(sub)}\n.*?(?=^### |\Z)", re.S | re.M)
    if sub_pattern.search(section):
        section = sub_pattern.sub(lambda _m: text + "\n", section, count=1)
    else:
        section = section.rstrip("\n") + "\n\n" + text
    section = section.rstrip("\n") + "\n\n"
    doc = (
        pattern.sub(lambda _m: section, doc, count=1)
        if match
        else doc.rstrip("\n") + "\n\n" + section
    )
    DOC.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
