"""The user's own login history, read from the audit trail: successful logins, failed
passwords typed for their username, attempts while it was locked, and failed second-factor
codes. The personal page lists them and each login announces the previous one (等保 身份鉴别).

The trail is the audit administrator's (AuditEntry.visible_to); these reads are bounded to
the caller's own authentication events, which are theirs to see, so they start from the
model on purpose and never from anything another person did."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tanhua.audit.models import AuditEntry, Result

LOGIN_ACTIONS = ("auth.login", "auth.login_one_time_password")
RECENT_LIMIT = 20


@dataclass(frozen=True)
class LoginEvent:
    at: dt.datetime
    ip: str
    ok: bool
    label: str


@dataclass(frozen=True)
class LoginNotice:
    """What is announced after a login: the previous login (None for the first one) and
    the failed attempts since (or since the account was created)."""

    previous_at: dt.datetime | None
    previous_ip: str
    failures: int

    def as_session(self) -> dict:
        return {
            "at": self.previous_at.isoformat() if self.previous_at else None,
            "ip": self.previous_ip,
            "failures": self.failures,
        }

    @classmethod
    def from_session(cls, data: dict) -> LoginNotice:
        at = data.get("at")
        return cls(
            previous_at=dt.datetime.fromisoformat(at) if at else None,
            previous_ip=str(data.get("ip") or ""),
            failures=int(data.get("failures") or 0),
        )

    def message(self) -> str:
        failures = (
            _("此后有 %(n)d 次失败的登录尝试") % {"n": self.failures}
            if self.failures
            else _("此后没有失败的登录尝试")
        )
        if self.previous_at is None:
            return _("这是您的首次登录；%(failures)s") % {"failures": failures}
        return _("上次登录：%(at)s，来自 %(ip)s；%(failures)s") % {
            "at": _local(self.previous_at),
            "ip": self.previous_ip or _("未知地址"),
            "failures": failures,
        }


def _local(at: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(at), "Y-m-d H:i:s")


def _logins(user) -> Q:
    return Q(action__in=LOGIN_ACTIONS, user_id_ref=user.pk)


def _failures(user) -> Q:
    # A failed password is recorded by the name typed (the account is not known then); a
    # name used again after an account was removed must not inherit its predecessor's.
    typed = Q(object_type="user", object_id=user.username[:128], at__gte=user.date_joined)
    return (
        (typed & Q(action="auth.login_failed"))
        | (typed & Q(action="auth.locked", detail__attempt_while_locked=True))
        | Q(action="auth.otp_verify", result=Result.FAILED, user_id_ref=user.pk)
        | Q(action="auth.reauth_failed", user_id_ref=user.pk)
    )


def _own_events(user):
    return AuditEntry.objects.filter(_logins(user) | _failures(user))


def login_notice(user) -> LoginNotice:
    """Called at the password step, before this login is recorded: the latest login so far
    and the failures after it."""
    previous = (
        AuditEntry.objects.filter(_logins(user)).order_by("-seq").values("at", "ip", "seq").first()
    )
    failures = AuditEntry.objects.filter(_failures(user))
    if previous is not None:
        failures = failures.filter(seq__gt=previous["seq"])
    return LoginNotice(
        previous_at=previous["at"] if previous else None,
        previous_ip=previous["ip"] if previous else "",
        failures=failures.count(),
    )


def _label(action: str) -> str:
    return {
        "auth.login": _("登录成功"),
        "auth.login_one_time_password": _("使用一次性密码登录"),
        "auth.login_failed": _("密码错误"),
        "auth.locked": _("锁定期间尝试登录"),
        "auth.otp_verify": _("动态验证码错误"),
        "auth.reauth_failed": _("确认身份时密码错误"),
    }.get(action, action)


def recent_logins(user, *, limit: int = RECENT_LIMIT) -> list[LoginEvent]:
    """The user's latest logins and failed attempts, newest first."""
    rows = _own_events(user).order_by("-seq").values("at", "ip", "action", "result")[:limit]
    return [
        LoginEvent(
            at=row["at"],
            ip=row["ip"],
            ok=row["action"] in LOGIN_ACTIONS,
            label=_label(row["action"]),
        )
        for row in rows
    ]
