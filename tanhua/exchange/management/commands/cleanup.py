"""`tanhua cleanup`: purge expired import previews and their files, and upload files no
batch references (DESIGN §7; `tanhua tick` runs the same service)."""

from __future__ import annotations

from tanhua.core.commands import TanhuaCommand
from tanhua.exchange.services import cleanup_imports


class Command(TanhuaCommand):
    help = (
        "清理过期数据：超过一天未确认的导入预览标记为已过期并删除其上传文件；"
        "删除不属于任何导入批次的上传文件（如上传失败时遗留的）。打印清理数量。"
    )

    def handle(self, *args, **options):
        report = cleanup_imports()
        for line in report.lines():
            self.stdout.write(line)
