"""`tanhua reindex [--source KEY]…`: rebuild the full-text index from the rows it indexes.

The write paths keep the index in step on commit (tanhua/search/index.py); this command is
for after a restore, a crash between a commit and its refresh, or a change of segmentation
(the domain dictionary). Prints, per source, how many rows it indexed."""

from __future__ import annotations

import time

from django.core.management.base import CommandError

from tanhua.core.commands import TanhuaCommand


class Command(TanhuaCommand):
    help = (
        "重建全文搜索索引（问题线索、谈话记录等的正文，按中文分词）。"
        "恢复备份或更新分词词典后运行；--source 只重建某一类。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", action="append", metavar="KEY", help="只重建这一类（可多次给出）"
        )

    def handle(self, *args, source, **options):
        from tanhua.search import index, registry

        known = registry.keys(registry.sources())
        unknown = [s for s in source or [] if s not in known]
        if unknown:
            raise CommandError(f"未知的类别：{'、'.join(unknown)}；可选：{'、'.join(known)}")
        started = time.monotonic()
        verbosity = options.get("verbosity", 1)

        def progress(key: str, done: int, total: int) -> None:
            if verbosity >= 2:
                self.stderr.write(f"{key}：{done}/{total}")

        counts = index.rebuild(source or None, progress=progress)
        for key, count in counts.items():
            self.stdout.write(f"{registry.get(key).label}（{key}）：{count} 条")
        self.stdout.write(f"用时 {time.monotonic() - started:.1f} 秒")
