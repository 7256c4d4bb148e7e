"""`tanhua plan YEAR (--committee CODE… | --all)`: the year's talk plan by rule (DESIGN §4, §7).

The operator at the command line plans for every committee (actor=None, audited like the
web); a committee's campaign of the year is created when missing (default window 5-15 to
7-10, or --window-start/--window-end)."""

from __future__ import annotations

import argparse
import datetime as dt
import time

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from tanhua.campaigns import services
from tanhua.campaigns.models import Campaign
from tanhua.core.commands import TanhuaCommand
from tanhua.org.models import Organization
from tanhua.talks.services.plan import plan_campaigns


def _year(raw: str) -> int:
    try:
        year = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年度“{raw}”不是整数") from None
    if not 2000 <= year <= 2100:
        raise argparse.ArgumentTypeError(f"年度 {year} 超出范围（2000–2100）")
    return year


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{raw}”无效，应为 YYYY-MM-DD") from None


def committees_for_all():
    """Every committee that organises talks: an organization with a lower organization."""
    return Organization.objects.filter(children__isnull=False).distinct().order_by("path")


class Command(TanhuaCommand):
    help = (
        "按规则生成年度政治监督谈话计划：书记与本级领导班子其他成员、直属下级一把手谈话。"
        "缺少当年谈话工作的党委将自动新建（默认谈话时间 5月15日至7月10日）。"
        "重复运行不会重复新增；已调整职务的按新职务更新，已离任的予以标记。"
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=_year, metavar="YEAR", help="年度，例如 2026")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--committee",
            dest="committees",
            action="append",
            metavar="CODE",
            help="组织谈话的党委编码，可重复",
        )
        which.add_argument("--all", action="store_true", help="所有有下级组织的党委")
        parser.add_argument(
            "--window-start", type=_date, metavar="DATE", help="新建谈话工作的开始日期"
        )
        parser.add_argument(
            "--window-end", type=_date, metavar="DATE", help="新建谈话工作的截止日期"
        )

    def handle(self, *args, year, committees, all, window_start, window_end, **options):
        started = time.monotonic()
        if all:
            orgs = list(committees_for_all())
            if not orgs:
                raise CommandError("数据库中没有可组织谈话的党委：请先导入组织机构。")
        else:
            codes = list(dict.fromkeys(c.strip() for c in committees))
            found = {o.code: o for o in Organization.objects.filter(code__in=codes)}
            missing = [c for c in codes if c not in found]
            if missing:
                raise CommandError("组织编码不存在：" + "、".join(missing))
            orgs = [found[c] for c in codes]
        try:
            with transaction.atomic():
                made = self._campaigns(orgs, year, window_start, window_end)
                summaries = plan_campaigns(actor=None, campaigns=[c for c, _new in made])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        new = {c.pk for c, is_new in made if is_new}
        for s in summaries:
            prefix = "新建谈话工作并" if s.campaign.pk in new else ""
            self.stdout.write(prefix + s.line() if prefix else s.line())
        refused = [s for s in summaries if s.refused]
        total = sum(s.created for s in summaries)
        self.stdout.write(
            f"合计：{len(summaries)} 个党委，新增 {total} 人次，"
            f"更新 {sum(s.updated for s in summaries)} 人次，"
            f"标记离任 {sum(s.marked for s in summaries)} 人次；"
            f"用时 {time.monotonic() - started:.1f} 秒。"
        )
        if refused:
            self.stderr.write(f"有 {len(refused)} 个党委未能生成计划（见上）。")
            raise SystemExit(1)

    def _campaigns(self, orgs, year, start, end):
        existing = {
            c.committee_id: c
            for c in Campaign.objects.unscoped("the operator plans every committee")
            .filter(year=year, committee__in=orgs)
            .select_related("committee")
        }
        out = []
        # Top-down, so each new campaign finds its parent's.
        for org in sorted(orgs, key=lambda o: o.path):
            if org.pk in existing:
                out.append((existing[org.pk], False))
            else:
                campaign = services.create_campaign(
                    actor=None, committee=org, year=year, window_start=start, window_end=end
                )
                out.append((campaign, True))
        return out
