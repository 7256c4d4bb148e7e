"""`tanhua stats YEAR [--json]`: the year's political supervision talk figures (DESIGN §7)."""

from __future__ import annotations

import json

from tanhua.campaigns.management.commands.plan import _year
from tanhua.campaigns.stats import STAGES, figures, year_talks
from tanhua.core.commands import TanhuaCommand, format_table

STAGE_LABELS = {"planned": "计划", "scheduled": "已安排", "held": "已谈话", "sealed": "已封存"}


class Command(TanhuaCommand):
    help = (
        "年度政治监督谈话统计（只计政治监督谈话，不含其他类型）：按组织谈话党委的层级、"
        "按被谈话人的管理层级，计划、已安排、已谈话、记录已封存的人次。"
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=_year, metavar="YEAR", help="年度，例如 2026")
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="输出 JSON：total、held、by_level（province/city/county/township）、"
            "by_tier（central/provincial/city/county）等",
        )

    def handle(self, *args, year, as_json, **options):
        data = figures(year_talks(year))
        if as_json:
            self.stdout.write(_dumps({"year": year, **data.as_json()}))
            return
        self.stdout.write(
            f"{year} 年度政治监督谈话：计划 {data.totals['planned']} 人次，"
            f"已谈话 {data.totals['held']} 人次。"
        )
        header = ["", *(STAGE_LABELS[s] for s in STAGES)]
        for kind, title in (("level", "按组织谈话党委层级"), ("tier", "按被谈话人管理层级")):
            rows = [[str(label), *(str(c[s]) for s in STAGES)] for _k, label, c in data.table(kind)]
            self.stdout.write(f"\n{title}：")
            self.stdout.write(format_table(header, rows))


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)
