"""`tanhua report {special,year-end,look-back,summary} YEAR --out FILE [--committee CODE]`."""

from __future__ import annotations

from django.core.management.base import CommandError

from tanhua.campaigns.management.commands.plan import _year
from tanhua.core.commands import TanhuaCommand


class Command(TanhuaCommand):
    help = (
        "生成报告：special（专报）、year-end（中管干部整改进展，Word 和 xlsx）、look-back"
        "（回头看）写成 GB/T 9704 公文格式的 .docx（--out 以 .pdf 结尾时经 LibreOffice 转为"
        " PDF），并在旁边写出数据附件 .annex.json 和 .annex.xlsx；summary 汇总已导入的各地"
        "数据附件（tanhua import *.annex.json）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", choices=["special", "year-end", "look-back", "summary"], metavar="KIND",
            help="special、year-end、look-back 或 summary",
        )  # fmt: skip
        parser.add_argument("year", type=_year, metavar="YEAR", help="年度，例如 2026")
        parser.add_argument(
            "--out", required=True, metavar="FILE", help="输出文件（.docx/.pdf/.xlsx）"
        )
        parser.add_argument(
            "--committee", metavar="CODE", help="报告党委的组织编码（默认：组织机构的根）"
        )

    def handle(self, *args, kind, year, out, committee, **options):
        from tanhua.org.models import Organization
        from tanhua.reports import received, services
        from tanhua.reports.render import RenderUnavailable

        orgs = Organization.objects.all()
        org = (
            orgs.filter(code=committee).first()
            if committee
            else orgs.filter(parent__isnull=True).order_by("path").first()
        )
        if org is None:
            raise CommandError(
                f"组织“{committee}”不存在" if committee else "尚未建立组织机构，请先导入组织"
            )
        try:
            if kind == "summary":
                data, agg = received.summary_document(
                    actor=None, year=year, organ=services._organ(org)
                )
                with open(out, "wb") as fh:
                    fh.write(data)
                files = [out]
                self.stdout.write(f"汇总了 {agg['committees']} 个党委的数据附件。")
            else:
                files = services.write_files(
                    kind=services.CLI_KINDS[kind], year=year, committee=org, out=out
                )
        except RenderUnavailable:
            raise CommandError("本机未安装 LibreOffice，无法生成 PDF；请改用 .docx") from None
        except OSError as exc:
            raise CommandError(f"无法写入文件：{exc.filename or out}（{exc.strerror}）") from None
        for path in files:
            self.stdout.write(f"已写出：{path}")
