"""`tanhua annex …`: the keys report annexes are signed and verified with.

    tanhua annex key                  this deployment's public key and key_id (send it upward)
    tanhua annex trust --committee CODE --name NAME --key BASE64|@FILE
    tanhua annex revoke KEY_ID
    tanhua annex list

The operator acts for the root of the organization tree (actor=None); every change is
audited through the one write path (tanhua.reports.senders)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import CommandError
from django.utils import timezone

from tanhua.core.commands import TanhuaCommand, format_table


class Command(TanhuaCommand):
    help = (
        "数据附件签名密钥：key 显示本系统的签名公钥和密钥指纹（报送上级登记）；trust 登记"
        "报送单位的公钥；revoke 吊销已登记的密钥；list 列出已登记的密钥。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", title="子命令", metavar="{key,trust,revoke,list}", required=True
        )
        sub.add_parser(
            "key", help="显示本系统的签名公钥和密钥指纹", description="显示本系统的签名公钥和"
            "密钥指纹（首次使用时生成密钥），供报送上级单位登记",
        )  # fmt: skip
        trust = sub.add_parser(
            "trust", help="登记报送单位的公钥", description="登记报送单位的公钥：此后导入的"
            "数据附件须由该密钥签名，且报送党委编码与登记的一致",
        )  # fmt: skip
        trust.add_argument("--committee", required=True, metavar="CODE", help="报送党委编码")
        trust.add_argument("--name", required=True, metavar="NAME", help="报送党委名称")
        trust.add_argument(
            "--key", required=True, metavar="BASE64|@FILE",
            help="公钥（报送单位 tanhua annex key 显示的 base64 文本），或 @文件名 从文件读取",
        )  # fmt: skip
        revoke = sub.add_parser(
            "revoke", help="吊销已登记的密钥", description="吊销已登记的密钥：此后不再接受"
            "用它签名的数据附件（已导入的不受影响）",
        )  # fmt: skip
        revoke.add_argument("key_id", metavar="KEY_ID", help="密钥指纹（16 位十六进制）")
        sub.add_parser("list", help="列出已登记的密钥", description="列出已登记的报送单位密钥")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "key":
                return self._key()
            if action == "trust":
                return self._trust(options)
            if action == "revoke":
                return self._revoke(options)
            return self._list()
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None

    def _key(self):
        from tanhua.org.models import Organization
        from tanhua.reports import signing

        public, key_id = signing.own_public_key()
        root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
        code = root.code if root else "本单位编码"
        name = root.name if root else "本单位名称"
        self.stdout.write(f"本系统的数据附件签名公钥（Ed25519，base64）：\n{public}")
        self.stdout.write(f"密钥指纹（key_id）：{key_id}")
        self.stdout.write(
            "请把公钥和密钥指纹通过可靠渠道（如机要交通或加密邮件）报送上级单位，并电话核对"
            "指纹。上级单位在“报送单位密钥”页面或用下面的命令登记后，即可导入本单位的数据附件："
        )
        self.stdout.write(f"  tanhua annex trust --committee {code} --name {name} --key {public}")

    def _trust(self, options):
        from tanhua.reports import services

        key = options["key"]
        if key.startswith("@"):
            path = Path(key[1:])
            try:
                key = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or "不是 UTF-8 文本"
                raise CommandError(f"无法读取公钥文件：{path}（{reason}）") from None
        row = services.register_sender(
            actor=None, committee_code=options["committee"], committee_name=options["name"],
            public_key=key,
        )  # fmt: skip
        self.stdout.write(
            f"已登记：{row.committee_name}（{row.committee_code}）的密钥 {row.key_id}，"
            f"接收单位 {row.received_at_org.name}"
        )

    def _revoke(self, options):
        from tanhua.reports import services
        from tanhua.reports.models import TrustedSender

        key_id = options["key_id"].strip().lower()
        rows = list(
            TrustedSender.objects.unscoped("the operator revokes a key wherever registered")
            .filter(key_id=key_id)
            .order_by("pk")
        )
        if not rows:
            raise CommandError(f"没有登记密钥指纹为“{key_id[:64]}”的报送单位密钥")
        active = [r for r in rows if r.revoked_at is None]
        if not active:
            raise CommandError(f"密钥 {key_id} 已经吊销，无需再次吊销")
        for row in active:
            services.revoke_sender(actor=None, sender=row)
        self.stdout.write(f"已吊销密钥 {key_id}（共 {len(active)} 处登记）")

    def _list(self):
        from tanhua.reports.models import TrustedSender

        rows = []
        qs = TrustedSender.objects.unscoped("the operator lists every registered key")
        for r in qs.select_related("received_at_org"):
            state = (
                "已吊销 " + timezone.localtime(r.revoked_at).strftime("%Y-%m-%d %H:%M")
                if r.revoked_at
                else "有效"
            )
            rows.append(
                [r.committee_code, r.committee_name, r.key_id, r.received_at_org.code, state]
            )
        if not rows:
            self.stdout.write("尚未登记报送单位密钥。")
            return
        header = ["报送党委编码", "报送党委", "密钥指纹", "接收单位", "状态"]
        self.stdout.write(format_table(header, rows))
