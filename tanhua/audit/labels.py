"""What the audit trail's codes mean in Chinese: actions, roles, results, object types.

One registry for the auditor's page, its export and anything else that shows the trail to a
person. The stored codes never change (machine readers and the chain rely on them); only
their labels are looked up here. An app that records actions of its own registers them from
its AppConfig.ready():

    from tanhua.audit import labels
    labels.register_actions({"talk.create": _("新增谈话")}, common=True)
    labels.register_object_type("talk", _("谈话"), reveal=labels.reveal_none)

An action nobody registered still reads well: by its prefix's noun and its verb
("talk.approve" → "谈话：approve" at worst, "新增谈话" where the verb is known).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tanhua.accounts.roles import Role
from tanhua.audit.models import Result

Label = str | Promise
# Given the viewer and the object ids of one type on a page, the ids whose stored name
# (object_repr) the viewer may see. One call per type and page, so query counts stay flat.
Reveal = Callable[[object, set[str]], set[str]]


@dataclass(frozen=True)
class ObjectType:
    label: Label
    reveal: Reveal


_ACTIONS: dict[str, Label] = {}
_COMMON: list[str] = []
_NOUNS: dict[str, Label] = {}
_OBJECT_TYPES: dict[str, ObjectType] = {}

# Verbs by the last part of an action code, for actions that registered no label.
_VERBS: dict[str, Label] = {
    "create": _("新增"),
    "update": _("修改"),
    "delete": _("删除"),
    "read": _("查阅"),
    "issue": _("签发"),
    "revoke": _("撤销"),
    "approve": _("批准"),
    "reject": _("驳回"),
    "declare": _("申报"),
    "withdraw": _("撤回"),
}


def register_actions(labels: dict[str, Label], *, common: bool = False) -> None:
    """Label action codes; `common` ones are offered in the page's action filter."""
    for code, label in labels.items():
        _ACTIONS[code] = label
        if common and code not in _COMMON:
            _COMMON.append(code)


def register_prefix(prefix: str, noun: Label) -> None:
    """The noun for actions `prefix.*`: the filter offers it, the fallback label uses it."""
    _NOUNS[prefix] = noun


def register_object_type(code: str, label: Label, *, reveal: Reveal) -> None:
    _OBJECT_TYPES[code] = ObjectType(label, reveal)


def action_label(code: str) -> str:
    if code in _ACTIONS:
        return str(_ACTIONS[code])
    prefix, _dot, verb = code.partition(".")
    noun = _NOUNS.get(prefix)
    if noun is None:
        return gettext("其他操作（%(code)s）") % {"code": code}
    if verb == "list":
        return gettext("查阅%(noun)s列表") % {"noun": noun}
    if verb in _VERBS:
        return f"{_VERBS[verb]}{noun}"
    return f"{noun}：{verb}" if verb else str(noun)


def prefix_label(prefix: str) -> str:
    return gettext("%(noun)s（全部操作）") % {"noun": _NOUNS[prefix]}


def action_choices() -> list[tuple[str, object]]:
    """For the filter: each prefix (matching all its actions), then the common actions."""
    groups = [(f"{p}.", prefix_label(p)) for p in _NOUNS]
    common = [(code, action_label(code)) for code in _COMMON]
    return [
        ("", gettext("全部")),
        (gettext("按类别"), groups),
        (gettext("常用操作"), common),
    ]


_ROLE_LABELS = dict(Role.choices)


def role_label(code: str) -> str:
    return str(_ROLE_LABELS.get(code, code))


def roles_label(stored: str) -> str:
    """The entry's comma-separated role codes, as Chinese role names."""
    codes = [c for c in stored.split(",") if c]
    return "、".join(role_label(c) for c in codes)


_RESULT_LABELS = dict(Result.choices)


def result_label(code: str) -> str:
    return str(_RESULT_LABELS.get(code, code))


def object_type_label(code: str) -> str:
    if not code:
        return ""
    known = _OBJECT_TYPES.get(code)
    return str(known.label) if known else code


def object_type_choices() -> list[tuple[str, object]]:
    return [("", gettext("全部")), *((c, str(t.label)) for c, t in _OBJECT_TYPES.items())]


def revealed(entries: Iterable, viewer) -> set[int]:
    """The seqs of the entries whose stored object name the viewer may see.

    The name of a person, a post or an organization is business data: it shows only where
    the viewer's own scope reaches that object (the scoping layer decides, as for every
    read), which for the pure audit administrator is never (三员分立: the roles exclude each
    other). Names of accounts, tokens and other system objects are the auditor's to read. A
    type nobody registered shows no name: unknown means not shown."""
    by_type: dict[str, set[str]] = {}
    entries = [e for e in entries if e.object_repr]
    for e in entries:
        by_type.setdefault(e.object_type, set()).add(e.object_id)
    allowed: dict[str, set[str]] = {}
    for code, ids in by_type.items():
        known = _OBJECT_TYPES.get(code)
        allowed[code] = known.reveal(viewer, ids) if known is not None and viewer else set()
    return {e.seq for e in entries if e.object_id in allowed.get(e.object_type, ())}


def shown_name(entry, revealed_seqs: set[int]) -> str:
    return entry.object_repr if entry.seq in revealed_seqs else ""


def labelled(entries, viewer) -> list:
    """The entries, each with its labels attached (`labels`), for a page of the trail."""
    entries = list(entries)
    seqs = revealed(entries, viewer)
    for e in entries:
        e.labels = EntryLabels(
            action=action_label(e.action),
            roles=roles_label(e.roles),
            result=result_label(e.result),
            object_type=object_type_label(e.object_type),
            name=shown_name(e, seqs),
        )
    return entries


@dataclass(frozen=True)
class EntryLabels:
    action: str
    roles: str
    result: str
    object_type: str
    # The stored object name where the viewer may see it, else "".
    name: str


# --- policies for showing names -------------------------------------------------------------


def reveal_all(viewer, ids: set[str]) -> set[str]:
    return set(ids)


def reveal_none(viewer, ids: set[str]) -> set[str]:
    return set()


def _reveal_by(queryset_of: Callable[[object], object], field: str) -> Reveal:
    def reveal(viewer, ids: set[str]) -> set[str]:
        qs = queryset_of(viewer)
        if field == "pk":
            ids = {i for i in ids if i.isdigit()}
        if not ids:
            return set()
        return {str(v) for v in qs.filter(**{f"{field}__in": ids}).values_list(field, flat=True)}

    return reveal


def _cadres(viewer):
    from tanhua.org.models import Cadre

    return Cadre.objects.visible_to(viewer)


def _positions(viewer):
    from tanhua.org.models import Position

    return Position.objects.visible_to(viewer)


def _organizations(viewer):
    from tanhua.org.models import Organization

    return Organization.objects.visible_to(viewer)


def _import_batches(viewer):
    from tanhua.exchange.models import ImportBatch

    return ImportBatch.objects.visible_to(viewer)


# --- what the apps record today (grep record(, record_many, Event(action= in tanhua/) --------

register_prefix("auth", _("登录"))
register_prefix("user", _("用户"))
register_prefix("org", _("组织"))
register_prefix("cadre", _("干部"))
register_prefix("position", _("职务"))
register_prefix("conflict", _("回避"))
register_prefix("import", _("导入"))
register_prefix("api_token", _("接口令牌"))
register_prefix("code", _("编码"))
register_prefix("access", _("访问"))
register_prefix("audit", _("审计"))

register_actions(
    {
        "auth.login": _("登录"),
        "auth.login_one_time_password": _("使用一次性密码登录"),
        "auth.login_failed": _("登录失败"),
        "auth.locked": _("账号锁定"),
        "auth.logout": _("退出登录"),
        "auth.otp_verify": _("二次验证"),
        "auth.totp_enrol": _("绑定动态口令"),
        "auth.totp_replace_authorize": _("确认更换动态口令设备"),
        "auth.backup_codes_regenerate": _("重新生成备用码"),
        "auth.reauth_failed": _("个人中心密码验证失败"),
        "auth.totp_enrol_start": _("开始绑定动态口令"),
        "access.denied": _("拒绝访问"),
        "code.unavailable": _("编码不可用"),
        "cadre.read": _("查阅干部"),
        "cadre.list": _("查阅干部列表"),
        "cadre.create": _("新增干部"),
        "cadre.update": _("修改干部"),
        "org.create": _("新增组织"),
        "org.update": _("修改组织"),
        "position.create": _("新增职务"),
        "position.update": _("修改职务"),
        "import.upload": _("上传导入文件"),
        "import.confirm": _("确认导入"),
        "import.apply": _("执行导入"),
        "import.expire": _("导入预览过期"),
        "export": _("导出"),
        "user.create": _("新建用户"),
        "user.role_grant": _("授予角色"),
        "user.role_revoke": _("撤销角色"),
        "user.grant_request": _("申请授权"),
        "user.grant_approve": _("批准授权"),
        "user.grant_reject": _("驳回授权"),
        "user.clearance": _("调整密级"),
        "user.office": _("调整纪检监察室"),
        "office.create": _("新建纪检监察室"),
        "user.disable": _("停用用户"),
        "user.enable": _("启用用户"),
        "user.password_reset": _("重置密码"),
        "user.password_change": _("修改密码"),
        "conflict.declare": _("申报回避"),
        "conflict.withdraw": _("撤回回避"),
        "api_token.issue": _("签发接口令牌"),
        "api_token.revoke": _("撤销接口令牌"),
        "audit.anonymous_refusals_purged": _("清理匿名访问计数"),
    }
)
# Offered one by one in the filter: what an auditor looks for most.
register_actions(
    {
        code: _ACTIONS[code]
        for code in (
            "auth.login",
            "auth.login_failed",
            "auth.locked",
            "access.denied",
            "code.unavailable",
            "cadre.read",
            "cadre.list",
            "import.upload",
            "import.confirm",
            "export",
            "user.create",
            "user.role_grant",
            "user.grant_approve",
            "user.password_reset",
        )
    },
    common=True,
)

# People and places: their names only within the viewer's own scope.
register_object_type("cadre", _("干部"), reveal=_reveal_by(_cadres, "code"))
register_object_type("position", _("职务"), reveal=_reveal_by(_positions, "pk"))
register_object_type("organization", _("组织"), reveal=_reveal_by(_organizations, "code"))
# An upload's name is its file names, which say whose data it carries: the uploader's only.
register_object_type("import_batch", _("导入批次"), reveal=_reveal_by(_import_batches, "pk"))
# System objects: accounts, tokens, addresses, exports, the operator's backups.
register_object_type("user", _("用户"), reveal=reveal_all)
register_object_type("office", _("纪检监察室"), reveal=reveal_all)
register_object_type("api_token", _("接口令牌"), reveal=reveal_all)
register_object_type("url", _("网址"), reveal=reveal_all)
register_object_type("code", _("编码"), reveal=reveal_all)
register_object_type("import", _("导入"), reveal=reveal_all)
register_object_type("audit_log", _("审计日志"), reveal=reveal_all)
register_object_type("import_errors", _("导入问题清单"), reveal=reveal_all)
register_object_type("backup", _("备份"), reveal=reveal_all)
register_object_type("anonymous_refusal", _("匿名访问计数"), reveal=reveal_all)

# Scheduling, calendars and notices (issue 9).
register_prefix("calendar_feed", _("日历订阅"))
register_actions(
    {
        "talk.schedule": _("安排谈话"),
        "talk.move": _("调整谈话安排"),
        "talk.unschedule": _("取消谈话安排"),
        "calendar_feed.issue": _("生成日历订阅地址"),
        "calendar_feed.revoke": _("停用日历订阅地址"),
        "calendar_feed.read": _("日历订阅读取"),
    }
)
register_object_type("calendar_feed", _("日历订阅"), reveal=reveal_all)
# --- the talk's outline and record (issue 9, helper C) ---------------------------------------


def _talks_by_pk(viewer):
    from tanhua.talks.models import Talk

    return Talk.objects.visible_to(viewer)


register_prefix("outline", _("谈话提纲"))
register_prefix("record", _("谈话记录"))
register_actions(
    {
        "outline.create": _("新建谈话提纲"),
        "outline.update": _("修改谈话提纲"),
        "outline.prefill": _("按画像批量起草谈话提纲"),
        "outline.submit": _("提交谈话提纲审定"),
        "outline.approve": _("审定谈话提纲"),
        "outline.return": _("退回谈话提纲"),
        "record.start": _("开始谈话记录"),
        "record.update": _("保存谈话记录"),
        "record.confirm": _("确认谈话记录"),
        "record.seal": _("封存谈话记录"),
        "record.addendum": _("补正谈话记录"),
        "record.held": _("标记已谈话"),
    }
)
register_object_type("outline", _("谈话提纲"), reveal=_reveal_by(_talks_by_pk, "pk"))
register_object_type("talk_record", _("谈话记录"), reveal=_reveal_by(_talks_by_pk, "pk"))

# --- campaigns and their plan (issue 9, helper A) ---------------------------------------------


def _campaigns(viewer):
    from tanhua.campaigns.models import Campaign

    return Campaign.objects.visible_to(viewer)


register_prefix("campaign", _("谈话工作"))
register_prefix("team_meeting", _("民主生活会"))
register_actions(
    {
        "campaign.create": _("新建谈话工作"),
        "campaign.update": _("修改谈话工作"),
        "campaign.rule": _("调整谈话规则"),
        "campaign.plan": _("生成谈话计划"),
        "team_meeting.set": _("设定民主生活会日期"),
        "talk.add_chosen": _("新增选择谈"),
        "talk.import": _("导入谈话台账"),
        "demo.assign_recorder": _("演示数据：指定记录人"),
    },
    common=True,
)
register_object_type("campaign", _("谈话工作"), reveal=_reveal_by(_campaigns, "pk"))
