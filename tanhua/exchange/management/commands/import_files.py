"""`tanhua import FILE… [--dry-run]`: import every registered kind (DESIGN §6)."""

from __future__ import annotations

from tanhua.core.commands import TanhuaCommand
from tanhua.exchange.services import ImportRejected, import_files


class Command(TanhuaCommand):
    help = (
        "导入组织（organizations）、干部（cadres）、职务（positions）、谈话台账（talks）、"
        "民主生活会日期（meetings）、指标（indicators）、指标值（indicator_values）、"
        "问题（findings）表格：.xlsx（每类一个工作表）"
        "或 .csv（每类一个文件，文件名即类型）。全部通过校验才写入；任何一行有误则全部不写入，"
        "并逐行列出问题。"
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="要导入的 .xlsx / .csv 文件")
        parser.add_argument(
            "--dry-run", action="store_true", help="只校验并统计将新增/更新的数量，不写入数据库"
        )

    def handle(self, *args, files, dry_run, **options):
        try:
            report = import_files(files, actor=None, dry_run=dry_run)
        except ImportRejected as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem), style_func=None)
            self.stderr.write(f"导入被拒绝：共 {len(exc.problems)} 个问题，未写入任何数据。")
            raise SystemExit(1) from None
        for warning in report.warnings:
            self.stderr.write(f"警告: {warning}", style_func=None)
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("（试运行：校验通过，未写入数据库）")
        elif not report.changed:
            self.stdout.write("没有需要变更的数据。")
        else:
            self.stdout.write("导入完成。")
