"""The restore drill, end to end through the command line, on the suite's database engine
(CI runs the suite on SQLite and on PostgreSQL, so the drill runs on both):

load the demo province, do audited work, back up while a served application answers API
requests that write audit entries, restore into a new home (and a new database), and compare:
every table's rows and hash, every stored file, the audit chain verified without
--reset-anchor.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tanhua.backup import digest
from tanhua.backup.tests.conftest import manifest_of

ROOT = Path(settings.BASE_DIR).parent
PASS = "nightly drill passphrase"


def _tanhua(env: dict, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tanhua.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, f"{proc.args}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Postgres:
    """Two fresh databases beside the suite's own test database, dropped afterwards."""

    def __init__(self):
        self.base = dict(settings.DATABASES["default"])
        prefix = os.environ.get("TANHUA_TEST_DB_NAME") or "test_tanhua"
        self.names = {"src": f"{prefix}_drill_src", "dst": f"{prefix}_drill_dst"}

    def _admin(self):
        import psycopg

        b = self.base
        return psycopg.connect(
            dbname="postgres",
            user=b.get("USER") or None,
            password=b.get("PASSWORD") or None,
            host=b.get("HOST") or None,
            port=b.get("PORT") or None,
            autocommit=True,
        )

    def create(self) -> None:
        with self._admin() as conn:
            for name in self.names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')

    def drop(self) -> None:
        with self._admin() as conn:
            for name in self.names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def url(self, which: str) -> str:
        b = self.base
        auth = b.get("USER") or ""
        if b.get("PASSWORD"):
            auth += f":{b['PASSWORD']}"
        host = f"{b.get('HOST') or '127.0.0.1'}:{b.get('PORT') or 5432}"
        return f"postgres://{auth}@{host}/{self.names[which]}"


@pytest.fixture
def places(tmp_path):
    """Environments for the source and the target: each its own home (and database)."""
    base = {**os.environ, "TANHUA_SECRET_KEY": secrets.token_urlsafe(64)}
    for name in ("DATABASE_URL", "TANHUA_AUDIT_KEY_FILE", "TANHUA_DEMO", "TANHUA_TEST_DB_NAME"):
        base.pop(name, None)
    envs = {w: {**base, "TANHUA_HOME": str(tmp_path / w)} for w in ("src", "dst")}
    pg = None
    if connection.vendor == "postgresql":
        pg = _Postgres()
        pg.create()
        for which, env in envs.items():
            env["DATABASE_URL"] = pg.url(which)
    yield envs
    if pg is not None:
        pg.drop()


def _request(url: str, *, method="GET", token="", body=None) -> tuple[int, bytes]:
    """One HTTP request to the local test server: (status, body)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http only
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - http only
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


class _Traffic(threading.Thread):
    """API requests as a user's script would send them: reads of cadres (each audited) and
    renames (an audited write), until stopped; every answer is recorded."""

    def __init__(self, url: str, token: str, codes: list[str]):
        super().__init__(daemon=True)
        self.url, self.token, self.codes = url, token, codes
        self.stop, self.statuses, self.lock = threading.Event(), [], threading.Lock()

    def _call(self, method: str, path: str, body: dict | None = None) -> int:
        return _request(self.url + path, method=method, token=self.token, body=body)[0]

    def run(self):
        i = 0
        while not self.stop.is_set():
            code = self.codes[i % len(self.codes)]
            if i % 3 == 2:
                status = self._call("PATCH", f"/api/v1/cadres/{code}", {"name": f"改名{i}"})
            else:
                status = self._call("GET", f"/api/v1/cadres/{code}")
            with self.lock:
                self.statuses.append(status)
            i += 1

    def count(self) -> int:
        with self.lock:
            return len(self.statuses)


def _serve(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tanhua.cli", "serve", "--port", str(port), "--threads", "4"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _request(f"http://127.0.0.1:{port}/api/v1/openapi.json")[0] == 200:
                return proc
        except OSError:
            if proc.poll() is not None:
                raise AssertionError("tanhua serve exited early") from None
        time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise AssertionError("tanhua serve did not answer within 60 s")


def _digests_of(env: dict) -> dict:
    """The target database's tables, hashed by this process (not by the restore itself)."""
    if connection.vendor == "sqlite":
        changes = {"NAME": str(Path(env["TANHUA_HOME"]) / "tanhua.sqlite3"), "OPTIONS": {}}
    else:
        changes = {"NAME": env["DATABASE_URL"].rsplit("/", 1)[1]}
    with digest.temporary_alias(**changes) as alias:
        return {t: d.as_dict() for t, d in digest.database_digests(alias).items()}


def _files(home: Path) -> dict[str, bytes]:
    media = home / "media"
    return {
        p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()
    }


@pytest.mark.slow
def test_the_restore_drill_brings_back_everything_backed_up_while_serving(
    places, tmp_path, django_db_blocker
):
    src, dst = places["src"], places["dst"]
    src_home = Path(src["TANHUA_HOME"])
    # The demo province, then audited work: a new account, an API token, stored files.
    _ok(_tanhua(src, "demo", "--no-serve"))
    _ok(_tanhua(src, "user", "add", "drill_staff", "--role", "commission", "--org", "QL"))
    token = _ok(_tanhua(src, "token", "demo_commission")).strip().splitlines()[-1]
    for rel, data in {
        "imports/7/干部名册.csv": "code,name\nX1,演示\n".encode(),
        "attachments/2020/谈话提纲.docx": os.urandom(300_000),
    }.items():
        (src_home / "media" / rel).parent.mkdir(parents=True, exist_ok=True)
        (src_home / "media" / rel).write_bytes(data)

    port = _free_port()
    server = _serve(src, port)
    try:
        url = f"http://127.0.0.1:{port}"
        status, body = _request(f"{url}/api/v1/cadres?page_size=20", token=token)
        assert status == 200
        codes = [c["code"] for c in json.loads(body)["items"]]
        traffic = _Traffic(url, token, codes)
        traffic.start()
        while traffic.count() < 5:
            time.sleep(0.05)
        archive = tmp_path / "tanhua-nightly.tanhua"
        (tmp_path / "pass").write_text(PASS)
        before = traffic.count()
        backup = _tanhua(
            src, "backup", "--out", str(archive), "--passphrase-file", str(tmp_path / "pass")
        )
        during = traffic.count() - before
        traffic.stop.set()
        traffic.join(timeout=60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    _ok(backup)
    assert during > 0, "no request was answered while the backup ran"
    assert set(traffic.statuses) == {200}, sorted(set(traffic.statuses))

    manifest = manifest_of(archive, PASS)
    assert "谈话提纲.docx" in "".join(manifest["members"])
    verified = _ok(
        _tanhua(
            src, "backup", "--verify", str(archive), "--passphrase-file", str(tmp_path / "pass")
        )
    )
    assert "备份完好" in verified

    # A new installation: migrated (tables and migrate's own rows only), nothing else.
    _ok(_tanhua(dst, "migrate", "-v0"))
    restored = _ok(
        _tanhua(dst, "restore", str(archive), "--passphrase-file", str(tmp_path / "pass"))
    )
    assert "行数与哈希均与清单一致" in restored
    chain = _ok(_tanhua(dst, "audit", "verify"))
    last = manifest["audit"]["last_seq"]
    assert f"共 {last} 条记录，最后一条为第 {last} 条；外部锚点：第 {last} 条" in chain

    with django_db_blocker.unblock():
        assert _digests_of(dst) == manifest["tables"]
    assert manifest["tables"]["org_cadre"]["rows"] > 1000
    src_files, dst_files = _files(src_home), _files(Path(dst["TANHUA_HOME"]))
    assert dst_files == src_files and len(dst_files) == 2
    # The source went on writing during the backup; the copy is one consistent moment.
    assert manifest["tables"]["audit_auditentry"]["rows"] == last
