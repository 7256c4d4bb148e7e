"""`tanhua prepare YEAR [--committee CODE]… [--all]` (DESIGN §7): the portraits and draft
outlines of every planned talk of the year's campaigns in scope, with a progress bar; prints
counts and the time taken. Re-running the same day replaces that day's snapshots, and never
overwrites an outline a person has edited."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from tanhua.core.commands import TanhuaCommand
from tanhua.org.models import Organization
from tanhua.portrait.services import planned_talks, prepare


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


class Command(TanhuaCommand):
    help = (
        "为年度谈话计划中尚未谈话的政治监督谈话生成画像和提纲草稿；重复运行同日更新、"
        "不重复，已有人修改的提纲不会被覆盖。"
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=_year, metavar="YEAR", help="年度，例如 2026")
        parser.add_argument(
            "--committee", dest="committees", action="append", metavar="CODE",
            help="组织谈话的党委编码，可重复（含其下级党委的谈话工作）",
        )  # fmt: skip
        parser.add_argument("--all", action="store_true", help="所有党委的谈话工作")
        parser.add_argument("--as-of", type=_date, metavar="DATE", help="画像截至日期，默认今天")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, year, committees, all, as_of, no_progress, **options):
        if not committees and not all:
            raise CommandError("请指定 --committee CODE 或 --all")
        committee_ids = None
        if committees and not all:
            codes = list(dict.fromkeys(c.strip() for c in committees))
            found = {o.code: o for o in Organization.objects.filter(code__in=codes)}
            missing = [c for c in codes if c not in found]
            if missing:
                raise CommandError("组织编码不存在：" + "、".join(missing))
            committee_ids = list(
                Organization.objects.filter(_under([found[c].path for c in codes])).values_list(
                    "pk", flat=True
                )
            )
        total = len(planned_talks(year=year, committee_ids=committee_ids, talk_ids=None))
        from tqdm import tqdm

        bar = tqdm(
            total=total, desc="起草提纲", unit="人次", file=sys.stderr,
            disable=no_progress or total == 0,
        )  # fmt: skip
        try:
            summary = prepare(
                actor=None, year=year, committee_ids=committee_ids, as_of=as_of,
                progress=bar.update,
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        finally:
            bar.close()
        if summary.talks == 0:
            self.stdout.write(f"{year} 年度范围内没有待谈话的政治监督谈话，未生成画像。")
            return
        self.stdout.write(summary.line())


def _under(paths):
    from django.db.models import Q

    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p)
    return q
