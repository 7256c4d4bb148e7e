"""A verb on a database that is not there yet, as `pip install .` leaves it: the embedded
default is created on first use; a configured server with pending migrations is refused
in one Chinese line naming `tanhua migrate`; an unreachable one likewise, never a traceback."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest


def tanhua(*args: str, home, database_url: str | None = None, timeout: int = 180):
    env = {**os.environ, "TANHUA_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "tanhua.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.embedded
@pytest.mark.slow
def test_import_on_a_new_embedded_database_creates_it_silently_and_imports(tmp_path):
    csv = tmp_path / "organizations.csv"
    csv.write_text("code,name,level,parent_code,kind\nP9,样省,省,,\n", encoding="utf-8")

    result = tanhua("import", str(csv), home=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "导入完成" in result.stdout and "Applying" not in result.stdout
    with sqlite3.connect(tmp_path / "tanhua.sqlite3") as conn:
        assert conn.execute("SELECT code FROM org_organization").fetchall() == [("P9",)]


@pytest.mark.embedded
@pytest.mark.slow
def test_user_list_has_a_header_row_above_the_users(tmp_path):
    csv = tmp_path / "organizations.csv"
    csv.write_text("code,name,level,parent_code,kind\nP9,样省,省,,\n", encoding="utf-8")
    assert tanhua("import", str(csv), home=tmp_path).returncode == 0
    added = tanhua("user", "add", "wangwu", "--role", "secadmin", "--org", "P9", home=tmp_path)
    assert added.returncode == 0, added.stderr

    listing = tanhua("user", "list", home=tmp_path).stdout.splitlines()

    assert listing[0].split() == ["用户名", "组织", "角色", "状态"]
    assert set(listing[1]) <= {"-", " "}
    assert listing[2].split() == ["wangwu", "P9", "secadmin", "启用"]


@pytest.mark.embedded
def test_an_unreachable_database_server_is_one_chinese_line(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = tanhua(
        "user", "list", home=tmp_path, database_url=f"postgres://nobody@127.0.0.1:{port}/x"
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：无法连接数据库"), result.stderr
    assert "DATABASE_URL" in lines[0]


@pytest.mark.embedded
def test_demo_on_an_unreachable_database_server_is_one_chinese_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = tanhua(
        "demo",
        "--no-serve",
        home=tmp_path,
        database_url=f"postgres://nobody@127.0.0.1:{port}/x",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：无法创建或升级数据库"), result.stderr


@pytest.mark.embedded
def test_demo_on_a_port_in_use_says_so_before_printing_anything_else(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = tanhua("demo", "--port", str(port), home=tmp_path, timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"错误：端口 {port} 已被占用（127.0.0.1:{port}）：请用 --port 指定其他端口，"
        f"例如 tanhua demo --port {port + 1}。"
    ]
    assert not (tmp_path / "tanhua.sqlite3").exists()


PENDING_DB = "test_h6_cli_pending"


@pytest.fixture
def empty_postgres_url():
    """A throwaway, empty PostgreSQL database beside the test database (PostgreSQL runs)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)

    admin(f'DROP DATABASE IF EXISTS "{PENDING_DB}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{PENDING_DB}"')
    parts = urlsplit(url)
    yield urlunsplit(parts._replace(path=f"/{PENDING_DB}"))
    admin(f'DROP DATABASE IF EXISTS "{PENDING_DB}" WITH (FORCE)')


@pytest.mark.slow
def test_a_server_database_with_pending_migrations_is_refused_naming_tanhua_migrate(
    tmp_path, empty_postgres_url
):
    refused = tanhua("user", "list", home=tmp_path, database_url=empty_postgres_url)
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "请先运行 tanhua migrate" in lines[0], refused.stderr
    assert refused.stdout == ""

    migrated = tanhua("migrate", home=tmp_path, database_url=empty_postgres_url)
    assert migrated.returncode == 0, migrated.stderr
    assert "个迁移" in migrated.stdout

    listed = tanhua("user", "list", home=tmp_path, database_url=empty_postgres_url)
    assert listed.returncode == 0, listed.stderr
    assert "还没有用户" in listed.stdout
