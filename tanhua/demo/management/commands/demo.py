"""`tanhua demo`: create the embedded database if missing, load the fictional demo province
once, print the demo logins, and serve."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connections

from tanhua.core.commands import (
    TanhuaCommand,
    check_port,
    describe_database,
    first_line,
    format_table,
    port_number,
)
from tanhua.demo import services as demo


class Command(TanhuaCommand):
    help = (
        "创建内置数据库（如不存在）并升级结构，首次运行时载入虚构的演示省份，"
        "打印演示账号，然后启动 Web 服务。"
    )

    # The demo creates and upgrades its database itself, on whichever database it runs.
    requires_database = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", metavar="HOST", help="监听地址（默认 127.0.0.1）"
        )
        parser.add_argument(
            "--port", type=port_number, default=8000, metavar="N", help="端口（默认 8000）"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="只载入并打印演示账号，不启动服务"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="删除内置 SQLite 演示数据库后重新创建并载入（仅限演示数据库）",
        )

    def handle(self, *args, **opts):
        if not opts["no_serve"]:
            # Before anything is printed: a busy port would otherwise show the logins and
            # the address, then gunicorn's English retries.
            check_port(opts["host"], opts["port"], verb="demo")
        if opts["reset"]:
            self._reset()
        self.stdout.write(f"数据库：{describe_database()}")
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except DatabaseError as exc:
            raise CommandError(
                f"无法创建或升级数据库 {describe_database()}：{first_line(exc)}。"
                "请检查 DATABASE_URL 与数据库服务。"
            ) from exc
        if demo.demo_loaded():
            self.stdout.write("数据库中已有组织数据，不再重复载入演示省份。")
        else:
            self._load()
        if not demo.is_demo_database():
            raise CommandError(
                "此数据库中是非演示数据：演示模式会放宽登录规则，拒绝以演示模式启动。"
                "请改用 tanhua serve，或设置另一个 TANHUA_HOME。"
            )
        self._print_logins()
        if opts["no_serve"]:
            return
        if not settings.DEMO_MODE:
            raise CommandError("请通过 `tanhua demo` 启动演示服务（需要 TANHUA_DEMO=1）。")
        from tanhua.core.management.commands.serve import run_gunicorn

        # The demo serves static files from the apps (no collectstatic); an existing, empty
        # STATIC_ROOT keeps whitenoise from warning about it at every start.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(f"\n演示服务地址：{url}   （Ctrl+C 停止）\n")
        self.stdout.flush()
        run_gunicorn(host=opts["host"], port=opts["port"], workers=1, threads=4)

    def _load(self) -> None:
        from tanhua.exchange.problems import ImportRejected

        self.stdout.write("正在载入虚构的演示省份……")
        try:
            result = demo.load_demo()
        except ImportRejected as exc:
            lines = "\n  ".join(str(p) for p in exc.problems[:50])
            raise CommandError(f"演示数据载入失败，未写入任何数据：\n  {lines}") from exc
        self.stdout.write(
            f"已载入：组织 {result.organizations} 个、干部 {result.cadres} 名、"
            f"任职记录 {result.positions} 条、演示账号 {result.users} 个、"
            f"谈话工作 {result.campaigns} 项（谈话计划 {result.talks} 人次）；"
            f"用时 {result.seconds:.1f} 秒。"
        )

    def _print_logins(self) -> None:
        lines = demo.demo_login_lines()
        if not lines:
            self.stdout.write("数据库中没有演示账号。")
            return
        self.stdout.write(
            f"\n演示账号（密码均为 {demo.DEMO_PASSWORD}；若已修改，以修改后的为准）：\n"
        )
        rows = [
            [line.role, line.username, demo.DEMO_PASSWORD, line.organization, line.note]
            for line in lines
        ]
        self.stdout.write(format_table(["角色", "用户名", "密码", "所属组织", "说明"], rows))

    def _reset(self) -> None:
        db = settings.DATABASES["default"]
        if not db["ENGINE"].endswith("sqlite3"):
            raise CommandError("--reset 只用于内置 SQLite 演示数据库；其他数据库请由管理员处理。")
        path = Path(str(db["NAME"]))
        if not path.is_file():
            self.stdout.write("没有可重置的数据库文件。")
            return
        try:
            is_demo = demo.is_demo_database()
        except DatabaseError:
            is_demo = True  # no tables yet: nothing there worth keeping
        if not is_demo:
            raise CommandError(f"{path} 中是非演示数据，拒绝删除。")
        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.stdout.write(f"已删除演示数据库 {path}。")
