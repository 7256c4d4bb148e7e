"""`tanhua tick [--today DATE] [--json]`: the periodic work as of DATE (DESIGN §7) — deadline
notices, warnings and the weekly escalation (督办) of overdue measures, the material requests'
reminders to late units, and `tanhua cleanup`'s purge. Run it daily from cron (README)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from django.utils import timezone

from tanhua.core.commands import TanhuaCommand
from tanhua.rectification.services.tracking import tick


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期 {text} 无效，请写作 YYYY-MM-DD，如 2026-10-31"
        ) from None
    if not 1900 <= day.year <= 9000:
        raise argparse.ArgumentTypeError(f"日期 {text} 超出范围（1900–9000 年）")
    return day


class Command(TanhuaCommand):
    help = (
        "定期工作：整改举措到期前 20 天提醒责任人、前 10 天向责任人和督导领导预警、"
        "逾期后向责任人、单位主要负责人和纪检监察室督办（逾期期间每周一次）；"
        "同一事件只通知一次，漏跑后补发当前应发的一次。同时催报逾期未报送材料的单位，"
        "并清理过期的导入预览。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=_date, metavar="DATE", help="按该日期运行（YYYY-MM-DD，默认今天）"
        )
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="输出 JSON：due_soon（20 天内到期）、overdue（已逾期）、"
            "notified（本次发送的通知数）等",
        )

    def handle(self, *args, today=None, as_json=False, **options):
        report = tick(today=today or timezone.localdate())
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
            return
        for line in report.lines():
            self.stdout.write(line)
