"""`tanhua audit verify | export`: check the chain, or export entries for the auditor."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from django.core.management.base import CommandError

from tanhua.audit import anchor as anchors
from tanhua.audit.export import write_xlsx
from tanhua.audit.forms import AuditFilterForm
from tanhua.audit.models import AuditEntry
from tanhua.audit.services import GENESIS, purge_anonymous_refusals, record_export
from tanhua.audit.verify import verify
from tanhua.core.commands import TanhuaCommand


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期“{text}”无效，应为 YYYY-MM-DD") from exc


class Command(TanhuaCommand):
    help = (
        "审计日志：verify 校验哈希链（篡改、删除、调换顺序时以非零状态退出）；export 导出为 xlsx；"
        "purge-refusals 删除超过保留期的匿名访问被拒计数"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{verify,export,purge-refusals}"
        )
        v = sub.add_parser(
            "verify",
            help="逐条校验审计记录的 HMAC 链与外部锚点",
            description=(
                "逐条校验审计记录的 HMAC 链与外部锚点；"
                "发现问题时指出第一条有问题的记录并以状态 1 退出。"
            ),
        )
        v.add_argument("--batch-size", type=int, default=2000, help="每批读取的条数（默认 2000）")
        v.add_argument(
            "--reset-anchor",
            action="store_true",
            help="在有意恢复数据库备份之后：链完整时，把外部锚点重置为数据库中的最后一条",
        )
        e = sub.add_parser("export", help="按条件导出审计记录为 .xlsx")
        e.add_argument("--out", required=True, help="输出文件（.xlsx）")
        e.add_argument("--since", type=_date, help="起始日期 YYYY-MM-DD（含）")
        e.add_argument("--until", type=_date, help="截止日期 YYYY-MM-DD（含）")
        e.add_argument("--user", default="", help="用户名（包含匹配）")
        e.add_argument("--action", default="", help="操作（前缀匹配，如 org.）")
        e.add_argument("--object-type", default="", help="对象类型")
        e.add_argument("--object-id", default="", help="对象编号")
        sub.add_parser(
            "purge-refusals",
            help="删除超过保留期（TANHUA_AUDIT_RETENTION_DAYS 天）的匿名访问被拒计数",
            description=(
                "匿名访问被拒只按地址和分钟计数，不进入审计链；"
                "此命令删除超过保留期的计数，并在审计链中记下删除了多少条。"
            ),
        )

    def handle(self, *args, **options):
        if options["subcommand"] == "verify":
            return self._verify(options)
        if options["subcommand"] == "purge-refusals":
            rows = purge_anonymous_refusals()
            self.stdout.write(f"已删除 {rows} 条超过保留期的匿名访问被拒计数")
            return None
        return self._export(options)

    def _verify(self, options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 必须是正整数")
        try:
            report = verify(
                batch_size=options["batch_size"], use_anchor=not options["reset_anchor"]
            )
        except anchors.AnchorError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            self.stderr.write(f"审计链校验失败：{report.problem}")
            self.stderr.write(f"（此前 {report.count} 条记录完好）")
            sys.exit(1)
        if options["reset_anchor"]:
            # An emptied trail is anchored at seq 0, so that it is not taken for a fresh one.
            report.anchor = anchors.Anchor(report.last_seq, report.last_mac or GENESIS)
            try:
                anchors.reset(report.anchor)
            except OSError as exc:
                raise CommandError(
                    f"无法写入外部锚点文件 {anchors.path()}：{exc.strerror or exc}"
                ) from exc
            self.stdout.write(f"外部锚点已重置到第 {report.last_seq} 条（{anchors.path()}）")
        if report.anchor is None:
            self.stdout.write(
                f"审计链完整：尚无审计记录（新安装），首次写入时将创建外部锚点 {anchors.path()}"
            )
            return
        self.stdout.write(
            f"审计链完整：共 {report.count} 条记录，最后一条为第 {report.last_seq} 条；"
            f"外部锚点：第 {report.anchor.seq} 条"
        )

    def _export(self, options):
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件“{out}”必须以 .xlsx 结尾")
        form = AuditFilterForm(
            {
                "user": options["user"],
                "action": options["action"],
                "object_type": options["object_type"],
                "object_id": options["object_id"],
                "since": options["since"].isoformat() if options["since"] else "",
                "until": options["until"].isoformat() if options["until"] else "",
            }
        )
        if not form.is_valid():
            problems = "；".join(
                f"{form.fields[name].label}：{' '.join(errs)}"
                if name in form.fields
                else " ".join(errs)
                for name, errs in form.errors.items()
            )
            raise CommandError(problems)
        entries = form.apply(AuditEntry.objects.all()).order_by("seq")
        try:
            with open(out, "wb") as fh:
                rows = write_xlsx(entries, fh)
        except OSError as exc:
            raise CommandError(f"无法写入“{out}”：{exc.strerror or exc}") from exc
        record_export(
            "audit_log",
            rows,
            filters={**form.filters(), "via": "cli", "os_user": getpass.getuser()},
        )
        self.stdout.write(f"已导出 {rows} 条审计记录到 {out}")
