"""Login-time security: failed-attempt lockout, the login itself, and TOTP two-factor.

The lockout counts failures per username *as typed*, whether or not the account exists, so
an unknown name is answered exactly like a known one (same message, same hashing work).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tanhua.accounts import roles as R
from tanhua.accounts.models import LoginFailure, User
from tanhua.audit import services as audit
from tanhua.audit.models import RefusalKind, Result

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


def generic_failure() -> str:
    return _("用户名或密码错误")


def locked_message() -> str:
    return _("登录失败次数过多，该用户名已被临时锁定，请 %(m)d 分钟后再试") % {
        "m": settings.LOGIN_LOCK_MINUTES
    }


@dataclass
class LoginOutcome:
    user: User | None
    error: str = ""
    locked: bool = False
    # The previous login and the failures since, announced once the login is complete.
    notice: object = None


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _lock() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)


def locked_until(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the lock on `username` ends, or None. A lock starts at the failure that makes
    LOGIN_FAILURE_LIMIT failures within the window and lasts LOGIN_LOCK_MINUTES."""
    now = now or timezone.now()
    limit = settings.LOGIN_FAILURE_LIMIT
    if limit <= 0:
        return None
    since = now - _window() - _lock()
    times = list(
        LoginFailure.objects.filter(username=username, at__gt=since, at__lte=now)
        .order_by("at")
        .values_list("at", flat=True)
    )
    until = None
    for i in range(len(times) - limit + 1):
        start, last = times[i], times[i + limit - 1]
        if last - start <= _window():
            until = last + _lock()
    return until if until is not None and until > now else None


# Names the advisory locks that serialize attempts on one username (PostgreSQL); the
# two-key space does not overlap the audit chain's single-key lock.
_PG_LOGIN_LOCK_NAMESPACE = 0x7448  # "tH"


def _serialize_attempts_on(username: str) -> None:
    """Hold, to the end of the current transaction, the lock on attempts at `username`.

    Without it, parallel wrong passwords all read the count before any of them adds to it:
    12 at once got 8 checked against a limit of 5. SQLite transactions begin IMMEDIATE
    (settings), which already serializes them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [_PG_LOGIN_LOCK_NAMESPACE, username],
            )


def _prune(username: str, now: dt.datetime) -> None:
    # Rows too old to count again are dropped here, by the (username, at) index.
    LoginFailure.objects.filter(username=username, at__lt=now - _window() - _lock()).delete()


@transaction.atomic
def reserve_attempt(
    *, username: str, ip: str, now: dt.datetime | None = None
) -> LoginFailure | None:
    """Count one attempt at `username` as a failure *before* its password is checked, under
    the name's lock; None (nothing counted) when the name is locked. A good password then
    clears the count (record_success), so at most LOGIN_FAILURE_LIMIT passwords are ever
    checked in a window, however many arrive at once."""
    username = username[:150]
    _serialize_attempts_on(username)
    # The clock is read under the lock: a time taken before waiting would sort this attempt
    # before the ones it waited for, and the count would miss them.
    now = now or timezone.now()
    if locked_until(username, now=now) is not None:
        return None
    _prune(username, now)
    return LoginFailure.objects.create(username=username, ip=ip[:64], at=now)


@transaction.atomic
def record_failure(
    *, username: str, ip: str, now: dt.datetime | None = None, reserved: bool = False
) -> bool:
    """Audit one failed attempt (storing it unless `reserve_attempt` already did); returns
    True when it locks the name."""
    now = now or timezone.now()
    username = username[:150]
    if not reserved:
        _serialize_attempts_on(username)
        _prune(username, now)
        LoginFailure.objects.create(username=username, ip=ip[:64], at=now)
    if not User.objects.filter(username=username).exists():
        # A name that is no account: counted per client and minute, never chained, so that
        # guessing names cannot grow the append-only trail without logging in (issue 6).
        audit.count_anonymous_refusal(
            client=ip, kind=RefusalKind.LOGIN_UNKNOWN_USER, path=username, at=now
        )
        return locked_until(username, now=now) is not None
    audit.record(
        "auth.login_failed",
        object_type="user",
        object_id=username[:128],
        result=Result.FAILED,
        at=now,
    )
    if locked_until(username, now=now) is not None:
        audit.record(
            "auth.locked",
            object_type="user",
            object_id=username[:128],
            result=Result.DENIED,
            detail={"minutes": settings.LOGIN_LOCK_MINUTES},
            at=now,
        )
        return True
    return False


@transaction.atomic
def _record_locked_attempt(*, username: str, now: dt.datetime, ip: str = "") -> None:
    # The lock itself was chained once (auth.locked); the attempts while it holds are
    # counted, so hammering a locked name cannot grow the trail without bound.
    audit.count_anonymous_refusal(
        client=ip, kind=RefusalKind.LOGIN_WHILE_LOCKED, path=username, at=now
    )


@transaction.atomic
def record_success(*, user: User, now: dt.datetime | None = None) -> None:
    """A good password clears the name's failure count. A login with a one-time password
    is recorded as such, naming who issued it: a security administrator who logs in with
    one they issued shows up in the trail and on the auditor's page."""
    now = now or timezone.now()
    LoginFailure.objects.filter(username=user.username).delete()
    detail: dict = {"step": "password"}
    action = "auth.login"
    if user.must_change_password:
        action = "auth.login_one_time_password"
        issuer = user.password_issued_by
        detail.update(one_time_password=True, issued_by=issuer.username if issuer else None)
    audit.record(
        action, object_type="user", object_id=user.username, actor=user, at=now, detail=detail
    )


def attempt_login(
    request, *, username: str, password: str, ip: str, now: dt.datetime | None = None
) -> LoginOutcome:
    """The password step. Locked names are refused before the password is looked at, with
    a message that is the same whether or not the account exists."""
    username = (username or "")[:150]
    reserved = reserve_attempt(username=username, ip=ip, now=now)
    if reserved is None:
        # Hash anyway, so a locked answer costs what a checked one does.
        make_password(password)
        _record_locked_attempt(username=username, now=now or timezone.now(), ip=ip)
        return LoginOutcome(None, locked_message(), locked=True)
    now = reserved.at
    # ModelBackend runs the hasher against a dummy when the name is unknown (same timing),
    # and refuses disabled accounts only after checking the password.
    user = authenticate(request, username=username, password=password)
    if user is None or user.is_superuser or user.is_staff:
        if record_failure(username=username, ip=ip, now=now, reserved=True):
            return LoginOutcome(None, locked_message(), locked=True)
        return LoginOutcome(None, generic_failure())
    from tanhua.accounts.login_history import login_notice

    # Read before this login is recorded, so that "the previous login" is not this one.
    notice = login_notice(user)
    record_success(user=user, now=now)
    return LoginOutcome(user, notice=notice)


# --- login stages: the one answer to "has this session passed every stage" -------
#
# The page middleware (tanhua.accounts.middleware) and the API's session authentication
# (tanhua.api.auth) both ask `pending_stage`; a second copy of these rules would drift.


def needs_second_factor(user) -> bool:
    if not settings.REQUIRE_TOTP:
        return False
    return bool(user.role_names & R.NEEDS_TOTP)


def password_expired(user, *, now: dt.datetime | None = None) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if days <= 0:
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > dt.timedelta(days=days)


def password_change_due(user) -> bool:
    """A one-time password still to be replaced, or a password past its age. Bearer tokens
    of such a user stop working too: the account's owner has to act first."""
    return bool(user.must_change_password) or password_expired(user)


def second_factor_pending(user) -> bool:
    if not needs_second_factor(user):
        return False
    # OTPMiddleware sets is_verified on the request's user; a user object without it has
    # not shown a second factor in this session.
    is_verified = getattr(user, "is_verified", None)
    return is_verified is None or not is_verified()


STAGE_SECOND_FACTOR_VERIFY = "accounts:otp_verify"
STAGE_SECOND_FACTOR_ENROL = "accounts:otp_setup"
STAGE_PASSWORD_CHANGE = "accounts:password_change"  # noqa: S105 - a URL name


def pending_stage(user) -> str | None:
    """The first login stage the signed-in `user` of this request has still to pass, as the
    URL name of its page (second factor, then the password change: first login or age);
    None once every stage is passed."""
    if second_factor_pending(user):
        if confirmed_totp_device(user) is not None:
            return STAGE_SECOND_FACTOR_VERIFY
        return STAGE_SECOND_FACTOR_ENROL
    if password_change_due(user):
        return STAGE_PASSWORD_CHANGE
    return None


def passed_every_stage(user) -> bool:
    """Whether this request's session may act: signed in, active, and no stage pending."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return pending_stage(user) is None


# --- TOTP ----------------------------------------------------------------------


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed device the user is setting up (one at a time; a fresh key each
    enrolment that was never confirmed would confuse the phone, so it is reused)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        audit.record("auth.totp_enrol_start", object_type="user", object_id=user.username)
    return device


@transaction.atomic
def confirm_totp_enrolment(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a code from the phone; returns the new backup codes (shown
    once), or None when the code is wrong."""
    # The device may be gone meanwhile (replaced from another tab): then the code is wrong.
    device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user).first()
    if device is None or device.confirmed or not device.verify_token((token or "").strip()):
        audit.record(
            "auth.totp_enrol",
            object_type="user",
            object_id=user.username,
            result=Result.FAILED,
            actor=user,
        )
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Any older device of the user is replaced by this one.
    replaced, _by_model = (
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _new_backup_codes(user)
    audit.record(
        "auth.totp_enrol",
        object_type="user",
        object_id=user.username,
        actor=user,
        detail={"replaced": bool(replaced)},
    )
    return codes


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def verify_second_factor(*, user: User, token: str):
    """Check a TOTP code or a backup code (single use: django-otp deletes it on use).
    Returns the device that accepted it, or None. Audited either way."""
    token = (token or "").strip().replace(" ", "").lower()
    device = None
    if token:
        with transaction.atomic():
            for candidate in devices_for_user(user, confirmed=True, for_verify=True):
                if candidate.verify_token(token):
                    device = candidate
                    break
    with transaction.atomic():
        audit.record(
            "auth.otp_verify",
            object_type="user",
            object_id=user.username,
            result=Result.OK if device is not None else Result.FAILED,
            detail={"method": "backup" if isinstance(device, StaticDevice) else "totp"}
            if device is not None
            else None,
            actor=user,
        )
    return device


def remaining_backup_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def qr_svg(data: str) -> str:
    """An inline SVG QR code, drawn locally (the intranet has no external services)."""
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=15, border=2)
    buf = io.BytesIO()
    img.save(buf)
    text = buf.getvalue().decode("utf-8")
    # Drop the XML declaration so the SVG can sit inside HTML.
    if text.startswith("<?xml"):
        text = text.split("?>", 1)[1].lstrip()
    return text


# --- the personal page: re-authentication before changing one's own credentials --------


def check_own_password(*, user: User, password: str, ip: str, purpose: str) -> str | None:
    """Ask a signed-in user for their password again before a change of credentials; the
    error message, or None when it is right. A wrong one counts towards the same lockout
    as a wrong login, so a left-open session cannot be used to guess the password."""
    reserved = reserve_attempt(username=user.username, ip=ip)
    if reserved is None:
        with transaction.atomic():
            audit.record(
                "auth.reauth_failed",
                object_type="user",
                object_id=user.username,
                result=Result.DENIED,
                detail={"purpose": purpose, "locked": True},
                actor=user,
            )
        return locked_message()
    if user.check_password(password or ""):
        LoginFailure.objects.filter(pk=reserved.pk).delete()
        return None
    with transaction.atomic():
        audit.record(
            "auth.reauth_failed",
            object_type="user",
            object_id=user.username,
            result=Result.FAILED,
            detail={"purpose": purpose},
            actor=user,
        )
        if locked_until(user.username) is not None:
            audit.record(
                "auth.locked",
                object_type="user",
                object_id=user.username,
                result=Result.DENIED,
                detail={"minutes": settings.LOGIN_LOCK_MINUTES},
                actor=user,
            )
            return locked_message()
    return _("当前密码不正确")


def _current_factor_accepts(user: User, token: str) -> bool:
    """A code of the confirmed authenticator, or one backup code (used up by this): a
    user whose phone is lost re-enrols with a backup code."""
    token = (token or "").strip().replace(" ", "").lower()
    if not token:
        return False
    with transaction.atomic():
        return any(
            candidate.verify_token(token)
            for candidate in devices_for_user(user, confirmed=True, for_verify=True)
        )


def authorize_totp_replacement(*, user: User, password: str, token: str, ip: str) -> dict[str, str]:
    """The current password and a current code, before a new authenticator may replace the
    confirmed one. Returns the errors by field (empty: authorized). Audited either way."""
    errors: dict[str, str] = {}
    wrong_password = check_own_password(user=user, password=password, ip=ip, purpose="totp_replace")
    if wrong_password:
        errors["password"] = wrong_password
    elif confirmed_totp_device(user) is None:
        errors["token"] = _("您尚未绑定验证器，请直接绑定")
    elif not _current_factor_accepts(user, token):
        errors["token"] = _(
            "验证码不正确、已使用或尝试过于频繁，请输入当前验证器上最新的 6 位数字或一个备用码"
        )
    with transaction.atomic():
        audit.record(
            "auth.totp_replace_authorize",
            object_type="user",
            object_id=user.username,
            result=Result.FAILED if errors else Result.OK,
            detail={"failed": sorted(errors)} if errors else None,
            actor=user,
        )
    return errors


def regenerate_backup_codes(*, user: User, password: str, ip: str) -> tuple[list[str], str]:
    """New backup codes after the current password; the old ones stop working. Returns the
    codes (shown once, never stored in the clear elsewhere) or an error message."""
    error = check_own_password(user=user, password=password, ip=ip, purpose="backup_codes")
    if not error and confirmed_totp_device(user) is None:
        error = _("您尚未绑定验证器，备用码随绑定一起生成")
    if error:
        with transaction.atomic():
            audit.record(
                "auth.backup_codes_regenerate",
                object_type="user",
                object_id=user.username,
                result=Result.FAILED,
                actor=user,
            )
        return [], error
    return _regenerate_backup_codes(user), ""


@transaction.atomic
def _regenerate_backup_codes(user: User) -> list[str]:
    previous = remaining_backup_codes(user)
    codes = _new_backup_codes(user)
    audit.record(
        "auth.backup_codes_regenerate",
        object_type="user",
        object_id=user.username,
        actor=user,
        detail={"count": len(codes), "unused_replaced": previous},
    )
    return codes
