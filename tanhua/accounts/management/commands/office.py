"""`tanhua office …`: commission offices (纪检监察室) from the command line.

    tanhua office add NAME --org CODE --locality CODE [--locality CODE …]
    tanhua office assign USERNAME NAME    (an office of the user's organization; "-" detaches)
    tanhua office list [--org CODE]

The operator acts as the security administrator (actor=None); every change is audited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from tanhua.accounts import offices
from tanhua.accounts.models import User
from tanhua.core.commands import TanhuaCommand, format_table
from tanhua.org.models import Office, Organization


class Command(TanhuaCommand):
    help = "纪检监察室：新建（指定联系地区）、为纪委监委工作人员指定所在室、列出。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", title="子命令", metavar="{add,assign,list}", required=True
        )
        add = sub.add_parser("add", help="新建纪检监察室", description="新建纪检监察室")
        add.add_argument("name", metavar="NAME", help="名称，如 第一纪检监察室")
        add.add_argument("--org", required=True, metavar="CODE", help="所属党委的组织编码")
        add.add_argument(
            "--locality",
            action="append",
            required=True,
            metavar="CODE",
            help="联系地区的组织编码（可重复）",
        )
        assign = sub.add_parser(
            "assign", help="为用户指定所在纪检监察室", description="为用户指定所在纪检监察室"
        )
        assign.add_argument("username", metavar="USERNAME", help="用户名")
        assign.add_argument("name", metavar="NAME", help="纪检监察室名称；“-”表示不归属")
        lst = sub.add_parser("list", help="列出纪检监察室", description="列出纪检监察室")
        lst.add_argument("--org", metavar="CODE", help="只列出该组织的")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "add":
                return self._add(options)
            if action == "assign":
                return self._assign(options)
            return self._list(options)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None

    def _org(self, code: str) -> Organization:
        org = Organization.objects.filter(code=code).first()
        if org is None:
            raise CommandError(f"组织编码“{code}”不存在")
        return org

    def _add(self, options):
        org = self._org(options["org"])
        localities = [self._org(c) for c in options["locality"]]
        office = offices.create_office(
            actor=None, organization=org, name=options["name"], localities=localities
        )
        names = "、".join(o.name for o in localities)
        self.stdout.write(f"已新建：{org.name} {office.name}，联系地区：{names}")

    def _assign(self, options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户“{options['username']}”不存在")
        office = None
        if options["name"] != "-":
            office = offices.offices_for(user).filter(name=options["name"]).first()
            if office is None:
                raise CommandError(f"用户所在组织没有名为“{options['name']}”的纪检监察室")
        offices.set_office(actor=None, user=user, office=office)
        self.stdout.write(
            f"已将 {user.username} 归属 {office.name}"
            if office
            else f"{user.username} 已不归属纪检监察室"
        )

    def _list(self, options):
        qs = Office.objects.select_related("organization").prefetch_related("localities")
        if options.get("org"):
            qs = qs.filter(organization=self._org(options["org"]))
        rows = []
        for o in qs:
            rows.append(
                (o.organization.code, o.name, "、".join(x.code for x in o.localities.all()))
            )
        self.stdout.write(format_table(["组织", "名称", "联系地区"], rows))
