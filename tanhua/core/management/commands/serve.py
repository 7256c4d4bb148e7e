"""`tanhua serve`: the production web server (gunicorn), static files through whitenoise."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tanhua.core.commands import TanhuaCommand, check_port, port_number


def production_problems() -> list[str]:
    problems = []
    if settings.DEBUG:
        problems.append("TANHUA_DEBUG 已开启：生产环境不得开启调试模式")
    if settings.SECRET_KEY_IS_DEFAULT or len(settings.SECRET_KEY) < 50:
        problems.append("未设置 TANHUA_SECRET_KEY（至少 50 个字符的随机串）")
    return problems


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from tanhua.wsgi import application

    class _App(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", "-")
            self.cfg.set("forwarded_allow_ips", "127.0.0.1")

        def load(self):
            return application

    _App().run()


class Command(TanhuaCommand):
    help = "启动 Web 服务（含 API）。生产环境须设置 TANHUA_SECRET_KEY 且关闭调试模式。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", metavar="HOST", help="监听地址（默认 127.0.0.1）"
        )
        parser.add_argument(
            "--port", type=port_number, default=8000, metavar="N", help="端口（默认 8000）"
        )
        parser.add_argument(
            "--workers", type=int, default=2, metavar="N", help="工作进程数（SQLite 时固定为 1）"
        )
        parser.add_argument("--threads", type=int, default=4, metavar="N", help="每个进程的线程数")

    def handle(self, *args, **opts):
        if not settings.DEMO_MODE:
            problems = production_problems()
            if problems:
                raise CommandError("拒绝启动：\n  " + "\n  ".join(problems))
        check_port(opts["host"], opts["port"], verb="serve")
        # The manifest storage serves hashed names that only collectstatic produces; doing it
        # here keeps `tanhua serve` one step (it is quick and idempotent).
        call_command("collectstatic", interactive=False, verbosity=0)
        # SQLite allows one writer; several processes would only queue on its lock.
        workers = opts["workers"]
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            workers = 1
        self.stdout.write(f"Tanhua 服务地址: http://{opts['host']}:{opts['port']}/")
        run_gunicorn(host=opts["host"], port=opts["port"], workers=workers, threads=opts["threads"])
