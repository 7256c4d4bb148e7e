"""The one settings module. Every knob is a typed environment variable.

SQLite under TANHUA_HOME by default; DATABASE_URL selects PostgreSQL.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Comma-separated addresses or CIDR ranges, normalised ("10.0.0.1" -> "10.0.0.1/32")."""
    out = []
    for item in env_list(name, []):
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or CIDR ranges, got {item!r}"
            ) from exc
    return out


# Where the embedded database, the audit key and uploads live.
TANHUA_HOME = Path(env_str("TANHUA_HOME", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("TANHUA_DEBUG", False)
# Set by `tanhua demo` only; production refuses to serve without a secret of its own.
DEMO_MODE = env_bool("TANHUA_DEMO", False)
_INSECURE_KEY = "insecure-development-key-do-not-use-in-production-0123456789"
SECRET_KEY = env_str("TANHUA_SECRET_KEY", _INSECURE_KEY)
SECRET_KEY_IS_DEFAULT = SECRET_KEY == _INSECURE_KEY

ALLOWED_HOSTS = env_list("TANHUA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("TANHUA_CSRF_TRUSTED_ORIGINS", [])
# The reverse proxies whose X-Forwarded-For is believed (addresses/CIDRs); empty: none, and
# the audit trail records the peer's own address (tanhua.core.middleware.client_ip).
TRUSTED_PROXIES = env_networks("TANHUA_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "tanhua.core",
    "tanhua.org",
    "tanhua.accounts",
    "tanhua.audit",
    "tanhua.exchange",
    "tanhua.search",
    "tanhua.notices",
    "tanhua.files",
    "tanhua.campaigns",
    "tanhua.talks",
    "tanhua.evidence",
    "tanhua.portrait",
    "tanhua.rectification",
    "tanhua.reports",
    "tanhua.demo",
    "tanhua.api",
    "tanhua.backup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tanhua.core.middleware.StaticFilesMiddleware",
    "tanhua.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tanhua.accounts.middleware.AccountPolicyMiddleware",
    "tanhua.audit.middleware.DeniedAccessMiddleware",
    "tanhua.audit.reads.ReadAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tanhua.urls"
WSGI_APPLICATION = "tanhua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tanhua.core.context_processors.nav",
            ],
        },
    }
]

# --- database -------------------------------------------------------------
_default_sqlite = f"sqlite:///{TANHUA_HOME / 'tanhua.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_sqlite), conn_max_age=env_int("TANHUA_CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    TANHUA_HOME.mkdir(parents=True, exist_ok=True)
    # Connections are kept (TANHUA_CONN_MAX_AGE, as on PostgreSQL): a new SQLite connection
    # parses the whole schema and starts with an empty page cache, which cost a cadre page
    # more than its queries did, and more the larger the file (docs/benchmarks.md, issue 7).
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a write transaction takes the lock at BEGIN, so two writers
        # queue instead of one failing with "database is locked" on upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            # 64 MiB of page cache per connection (the default is 2 MiB): a province's
            # registry and its indexes stay in memory between requests.
            " PRAGMA cache_size=-65536;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The registry and its indexes fit in memory: with the default random_page_cost (4, for
    # spinning disks) the planner reads whole tables rather than look a province's posts up
    # by index, and the cost then follows the database, not the user's scope (issue 7).
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_cost = env_str("TANHUA_PG_RANDOM_PAGE_COST", "1.1")
    if _pg_cost:
        _pg_options["options"] = (
            f"{_pg_options.get('options', '')} -c random_page_cost={float(_pg_cost)}".strip()
        )
# Parallel runs (several developers, CI) on one PostgreSQL need distinct test databases.
_test_db_name = env_str("TANHUA_TEST_DB_NAME")
if _test_db_name:
    DATABASES["default"]["TEST"] = {"NAME": _test_db_name}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- passwords and login (DESIGN §2, issue 3) -----------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Tests may swap in a fast hasher; production keeps argon2.
if env_bool("TANHUA_FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# 等保 mode: character classes and a 90-day change, on top of the base rules.
DENGBAO_MODE = env_bool("TANHUA_DENGBAO_MODE", False)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if DENGBAO_MODE:
    AUTH_PASSWORD_VALIDATORS.append({"NAME": "tanhua.accounts.validators.CharacterClassValidator"})
PASSWORD_MAX_AGE_DAYS = env_int("TANHUA_PASSWORD_MAX_AGE_DAYS", 90 if DENGBAO_MODE else 0)
LOGIN_FAILURE_LIMIT = env_int("TANHUA_LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("TANHUA_LOGIN_FAILURE_WINDOW_MINUTES", 30)
LOGIN_LOCK_MINUTES = env_int("TANHUA_LOGIN_LOCK_MINUTES", 30)
IDLE_TIMEOUT_MINUTES = env_int("TANHUA_IDLE_TIMEOUT_MINUTES", 30)
# Two-factor login is required for every role above viewer; the demo switches it off
# so that its printed logins work at once.
REQUIRE_TOTP = env_bool("TANHUA_REQUIRE_TOTP", not DEMO_MODE)
# Two-person rule (issue 6): a clearance above 内部, or a role that sees people (or an
# administrator role), granted on the web takes effect only once a second security
# administrator, or one of GRANT_APPROVERS (usernames of business approvers), approves it.
TWO_PERSON_GRANTS = env_bool("TANHUA_TWO_PERSON_GRANTS", not DEMO_MODE)
GRANT_APPROVERS = env_list("TANHUA_GRANT_APPROVERS", [])
OTP_TOTP_ISSUER = "Tanhua 谈话"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_COOKIE_AGE = IDLE_TIMEOUT_MINUTES * 60
# Saved when changed only: the idle stamp (accounts/middleware.py) changes once a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Seconds a resolved API token (with its user and roles) is reused by a process before it is
# looked up again (tanhua/api/services.py); changes made in the same process apply at once.
API_TOKEN_CACHE_SECONDS = max(0.0, float(env_str("TANHUA_API_TOKEN_CACHE_SECONDS", "2") or 0))

# --- audit trail (issue 3) ------------------------------------------------
# The HMAC key lives outside the database: an env variable or a file.
AUDIT_HMAC_KEY = env_str("TANHUA_AUDIT_KEY")
AUDIT_HMAC_KEY_FILE = env_str("TANHUA_AUDIT_KEY_FILE", str(TANHUA_HOME / "audit.key"))
# The Ed25519 key that signs report annexes (tanhua/reports/signing.py): beside the audit
# key by default, created on first use (mode 0600). Its public half is what a receiving side
# registers (`tanhua annex key` prints it).
ANNEX_SIGNING_KEY_FILE = env_str(
    "TANHUA_ANNEX_KEY_FILE", str(Path(AUDIT_HMAC_KEY_FILE).parent / "annex-signing.key")
)
# The chain's anchor (tanhua/audit/anchor.py), best on another volume or host than the
# database. Empty: beside the key file, one file per database.
AUDIT_ANCHOR_FILE = env_str("TANHUA_AUDIT_ANCHOR_FILE")
# Seconds between two writes of the anchor by one process (anchor.py: the entries of the
# last interval are not yet anchored); 0 writes it after every commit.
AUDIT_ANCHOR_INTERVAL = max(0.0, float(env_str("TANHUA_AUDIT_ANCHOR_INTERVAL", "1") or 0))
AUDIT_RETENTION_DAYS = max(180, env_int("TANHUA_AUDIT_RETENTION_DAYS", 180))

# --- imports ---------------------------------------------------------------
IMPORT_MAX_FILE_BYTES = env_int("TANHUA_IMPORT_MAX_FILE_BYTES", 50 * 1024 * 1024)
# A zip bomb inflates far beyond its size; refuse a workbook whose parts do.
IMPORT_MAX_UNPACKED_BYTES = env_int("TANHUA_IMPORT_MAX_UNPACKED_BYTES", 400 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("TANHUA_IMPORT_MAX_ROWS", 200_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MEDIA_ROOT = TANHUA_HOME / "media"

# --- attachments (tanhua/files) ----------------------------------------------
# Outside the web root and never served by static: every download goes through the owner's
# scope and the audit trail. Files are named by their SHA-256; backups carry the folder.
ATTACHMENT_ROOT = Path(env_str("TANHUA_ATTACHMENT_ROOT", str(TANHUA_HOME / "files")))
ATTACHMENT_MAX_MB = max(1, env_int("TANHUA_ATTACHMENT_MAX_MB", 20))
TANHUA_STORED_FILE_DIRS = {"files": ATTACHMENT_ROOT}

# --- i18n -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Simplified Chinese whatever the browser asks for: the English catalogue is not complete, and
# a half-translated page (Django's strings in English under Chinese titles) is worse than
# none. Add ("en", "English") back, with LocaleMiddleware, once it is.
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TANHUA_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("TANHUA_STATIC_ROOT", str(TANHUA_HOME / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not DEMO_MODE and not env_bool("TANHUA_TESTING", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (demo, tests) whitenoise serves straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- security headers -------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("TANHUA_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("TANHUA_SECURE_COOKIES", not DEMO_MODE and not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("TANHUA_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SILENCED_SYSTEM_CHECKS = [
    # TLS ends at the reverse proxy (README, deployment); it sets HSTS and redirects.
    "security.W004",
    "security.W008",
]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TANHUA_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 100

# --- notices by mail (issue 9) ------------------------------------------------
# Mail goes out only where SMTP is configured; in-app notices work without it.
EMAIL_HOST = env_str("TANHUA_EMAIL_HOST")
EMAIL_PORT = env_int("TANHUA_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("TANHUA_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("TANHUA_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("TANHUA_EMAIL_TLS", False)
EMAIL_TIMEOUT = env_int("TANHUA_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("TANHUA_EMAIL_FROM", "tanhua@localhost")
TANHUA_NOTICE_MAIL = env_bool("TANHUA_NOTICE_MAIL", bool(EMAIL_HOST))
# The site's address as users reach it, for links in mail ("" leaves links out).
TANHUA_SITE_URL = env_str("TANHUA_SITE_URL").rstrip("/")
