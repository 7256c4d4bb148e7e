"""`tanhua user …`: account administration from the command line (DESIGN §7).

    tanhua user add NAME --role ROLE [--role ROLE …] --org CODE [--clearance LEVEL]
    tanhua user disable NAME | enable NAME | reset-password NAME | list

The operator at the command line acts as the security administrator (actor=None in the
services); every change is audited like one made on the web.
"""

from __future__ import annotations

import argparse

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from tanhua.accounts import roles as R
from tanhua.accounts import services
from tanhua.accounts.models import User
from tanhua.core.classification import Classification
from tanhua.core.commands import TanhuaCommand, format_table
from tanhua.org.models import Cadre, Organization


def _role(raw: str) -> str:
    value = raw.strip().lower()
    if value not in R.Role.values:
        choices = "、".join(f"{r.value}（{r.label}）" for r in R.Role)
        raise argparse.ArgumentTypeError(f"未知角色“{raw}”，可选：{choices}")
    return value


def _clearance(raw: str) -> int:
    try:
        return int(Classification.parse(raw))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"涉密等级“{raw}”无效，可选：内部、秘密、机密（internal、secret、confidential）"
        ) from None


class Command(TanhuaCommand):
    help = "用户管理：新建用户（打印一次性密码）、停用、启用、重置密码、列出用户。"

    def add_arguments(self, parser):
        # The base class gives every subcommand's parser its Chinese words (localize()).
        sub = parser.add_subparsers(
            dest="action",
            title="子命令",
            metavar="{add,disable,enable,reset-password,list}",
            required=True,
        )

        def subparser(name: str, text: str):
            return sub.add_parser(name, help=text, description=text)

        add = subparser("add", "新建用户并打印一次性密码（首次登录时必须修改）")
        add.add_argument("username", metavar="NAME", help="用户名（登录名）")
        add.add_argument(
            "--role",
            dest="roles",
            action="append",
            type=_role,
            required=True,
            metavar="ROLE",
            help="角色，可重复："
            + "、".join(f"{r.value}（{r.label}）" for r in R.Role)
            + "；三员（sysadmin、secadmin、auditor）不能与其他角色同时授予",
        )
        add.add_argument("--org", required=True, metavar="CODE", help="所属组织编码")
        add.add_argument(
            "--clearance",
            type=_clearance,
            default=Classification.INTERNAL,
            metavar="LEVEL",
            help="涉密等级：内部（默认）、秘密、机密，或 internal、secret、confidential",
        )
        add.add_argument("--full-name", default="", metavar="TEXT", help="姓名")
        add.add_argument(
            "--cadre", default="", metavar="CODE", help="对应干部编号（谈话人、被谈话人）"
        )

        for name, text in (
            ("disable", "停用账号（立即结束其全部会话）"),
            ("enable", "启用已停用的账号"),
            ("reset-password", "重置密码并打印新的一次性密码"),
        ):
            p = subparser(name, text)
            p.add_argument("username", metavar="NAME", help="用户名")
        subparser("list", "列出全部用户：用户名、组织、角色、状态")

    def handle(self, *args, action: str, **options):
        try:
            if action == "add":
                return self._add(**options)
            if action == "list":
                return self._list()
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"用户“{options['username']}”不存在")
            if action == "disable":
                services.disable_user(actor=None, user=user)
                self.stdout.write(f"已停用用户 {user.username}，其会话已全部结束")
            elif action == "enable":
                services.enable_user(actor=None, user=user)
                self.stdout.write(f"已启用用户 {user.username}")
            elif action == "reset-password":
                password = services.reset_password(actor=None, user=user)
                self.stdout.write(f"用户 {user.username} 的一次性密码（首次登录时必须修改）：")
                self.stdout.write(password)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc

    def _add(self, *, username, roles, org, clearance, full_name, cadre, **_options):
        organization = Organization.objects.filter(code=org.strip()).first()
        if organization is None:
            raise CommandError(f"组织编码“{org}”不存在（--org）")
        cadre_obj = None
        if cadre.strip():
            cadre_obj = (
                Cadre.objects.unscoped("the operator at the command line links an account")
                .filter(code=cadre.strip())
                .first()
            )
            if cadre_obj is None:
                raise CommandError(f"干部编号“{cadre}”不存在（--cadre）")
        user, password = services.create_user(
            actor=None,
            username=username,
            organization=organization,
            roles=list(dict.fromkeys(roles)),
            clearance=clearance,
            full_name=full_name,
            cadre=cadre_obj,
        )
        labels = "、".join(str(R.Role(r).label) for r in sorted(set(roles)))
        self.stdout.write(
            f"已创建用户 {user.username}（{organization.name}；{labels}）。"
            "一次性密码（首次登录时必须修改）："
        )
        self.stdout.write(password)

    def _list(self):
        users = User.objects.select_related("organization").prefetch_related("role_grants")
        rows = [
            [
                u.username,
                u.organization.code if u.organization else "-",
                ",".join(sorted(g.role for g in u.role_grants.all())) or "-",
                "启用" if u.is_active else "停用",
            ]
            for u in users.order_by("username")
        ]
        if not rows:
            self.stdout.write("还没有用户：请用 tanhua user add 新建。")
            return
        self.stdout.write(format_table(["用户名", "组织", "角色", "状态"], rows))
