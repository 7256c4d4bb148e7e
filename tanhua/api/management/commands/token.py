"""`tanhua token NAME`: print a new API token for that user (shown once, stored hashed)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone

from tanhua.api.services import issue_token
from tanhua.core.commands import TanhuaCommand


class Command(TanhuaCommand):
    help = (
        "为用户生成新的 API 令牌并打印（只显示这一次，数据库只保存其哈希）。"
        "脚本在请求头中发送 Authorization: Bearer 令牌。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="NAME", help="用户名")
        parser.add_argument(
            "--label",
            default="",
            metavar="TEXT",
            help="令牌名称，便于在“API 令牌”页面区分（默认：命令行 + 日期）",
        )

    def handle(self, *args, username: str, label: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在")
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能生成令牌")
        name = label or f"命令行 {timezone.localtime():%Y-%m-%d %H:%M}"
        try:
            # actor None: the operator at the command line, as with `tanhua user add`.
            _token, plain = issue_token(actor=None, user=user, name=name)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(plain)
