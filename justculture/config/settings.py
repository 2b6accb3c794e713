"""The one settings module. Every value that differs between machines comes from the environment.

DEBUG is off unless ``DEBUG=true`` is set (``scripts/run.sh`` and the test suite set it for
local use): a server started with nothing set never shows Django's technical error pages. With
DEBUG off the settings that must not have a default (``SECRET_KEY``, ``ALLOWED_HOSTS``) are
required and start-up stops with a message naming what is missing. Locally (DEBUG on) the
database is an SQLite file under ``var/`` and the server listens on 127.0.0.1 only. See
docs/operations.md.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_CHECKOUT = PACKAGE_DIR.parent
SOURCE_CHECKOUT = (_CHECKOUT / "pyproject.toml").exists()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

DATA_DIR = Path(
    os.environ.get("JUSTCULTURE_DATA_DIR")
    or (_CHECKOUT / "var" if SOURCE_CHECKOUT else Path.cwd() / "var")
).resolve()

_missing: list[str] = []

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        # Only ever used on a developer's own machine; production refuses to start without one.
        SECRET_KEY = "django-insecure-local-development-key-not-for-production"  # noqa: S105
    else:
        _missing.append("SECRET_KEY (a long random string)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    _missing.append("ALLOWED_HOSTS (comma-separated host names the site is served on)")

if _missing:
    raise ImproperlyConfigured(
        "Production settings are incomplete (DEBUG is off; for local use set DEBUG=true). "
        "Set these environment variables: "
        + "; ".join(_missing)
        + ". See docs/operations.md."
    )

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "justculture.core",
    "justculture.factors",
    "justculture.cases",
    "justculture.assessments",
    "justculture.decisions",
    "justculture.actions",
    "justculture.insights",
    "justculture.packs",
    "justculture.fairness",
    "justculture.auditlog",
    "justculture.api",
    # django-ninja's own static files and template, so the API's docs page (/api/docs) needs no CDN.
    "ninja",
    "justculture.retention",
    "justculture.imports",
    "justculture.demo",
    "django_tasks",
    "django_tasks_db",
]

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:sign-in"
LOGIN_REDIRECT_URL = "cases:list"
LOGOUT_REDIRECT_URL = "core:signed-out"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (static files too) and no-referrer on case pages.
    "justculture.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Lets same-origin form posts from no-referrer pages pass CSRF's origin check (see the module).
    "justculture.core.security.SameOriginPostMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL character (%00) in the address is refused before a view looks anything up with it.
    "justculture.core.security.NulCharacterMiddleware",
    # /api/ answers a method it does not take with a JSON error, as it answers everything else.
    "justculture.api.errors.JsonMethodNotAllowedMiddleware",
    # Every page needs a signed-in user unless its view is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Signed-in users who need a second factor see only the two-factor pages until they give it.
    "justculture.core.security.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A change refused because a case is closed (or a record changed meanwhile) is a 409 page.
    "justculture.core.http.ConflictPageMiddleware",
]

ROOT_URLCONF = "justculture.config.urls"
WSGI_APPLICATION = "justculture.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "justculture.config.jinja2.environment"},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'justculture.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not os.environ.get("DATABASE_URL"):
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

# On PostgreSQL, queries are sent with their parameters apart (server-side binding) and a query
# run DATABASE_PREPARE_THRESHOLD times on a connection is prepared, so PostgreSQL plans it once
# rather than on every request: planning was most of the database's time on the busiest pages
# (docs/performance.md). Set DATABASE_PREPARE_THRESHOLD=0 behind a connection pooler in
# transaction mode (PgBouncer before 1.21), which cannot keep prepared statements.
_PREPARE_THRESHOLD = env_int("DATABASE_PREPARE_THRESHOLD", 5)


def _postgres_options(options: dict[str, object]) -> None:
    if _PREPARE_THRESHOLD > 0:
        options.update({"server_side_binding": True, "prepare_threshold": _PREPARE_THRESHOLD})


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _postgres_options(DATABASES["default"].setdefault("OPTIONS", {}))

# A read replica (PostgreSQL streaming replica) for the heavy read-only figures: when
# DATABASE_REPLICA_URL is set, insights and fairness queries run there (core/routers.py) and
# everything else, every write included, stays on the primary. Tests treat it as a mirror.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        _postgres_options(DATABASES["replica"].setdefault("OPTIONS", {}))
DATABASE_ROUTERS = ["justculture.core.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first: passwords stored with an older hasher are re-hashed with Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or DATA_DIR / "static")
# The NHS.UK frontend CSS, JS and icons come from the npm package; see scripts/setup.sh.
NHSUK_FRONTEND_DIR = Path(
    os.environ.get("NHSUK_FRONTEND_DIR") or _CHECKOUT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
)
STATICFILES_DIRS = [("nhsuk", NHSUK_FRONTEND_DIR)] if NHSUK_FRONTEND_DIR.is_dir() else []
# In production the static files are collected (`justculture collectstatic`) with hashed,
# pre-compressed names and WhiteNoise serves them with a far-future cache lifetime.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Uploaded evidence lives outside the web root and is only ever served through a permission check.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or DATA_DIR / "media")

FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True  # no script reads the token from the cookie; forms carry it
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
# Behind a proxy that reports the scheme, redirecting plain HTTP is safe, so production does it.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", BEHIND_HTTPS_PROXY and not DEBUG)
# HSTS is sent only on HTTPS responses (SecurityMiddleware checks request.is_secure()).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
# The addresses (or networks, such as 10.0.0.0/24) of the reverse proxies and load balancers in
# front of the servers: X-Forwarded-For is believed only from them (core.security.client_ip).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (such as 10.0.0.5 or 10.0.0.0/24)."
        ) from exc
# Old secret keys still accepted for sessions, signatures and stored two-factor secrets after a
# rotation (comma-separated, newest first).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
# The key of the audit log's hash chain (core/audit.py): kept outside the database, so someone who
# can write to the database cannot recompute the chain. Unset, a key derived from SECRET_KEY is
# used (then rotating SECRET_KEY needs the old one in SECRET_KEY_FALLBACKS for as long as the log
# is kept). Never change it without moving the old key to AUDIT_CHAIN_KEY_FALLBACKS.
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "")
AUDIT_CHAIN_KEY_FALLBACKS = env_list("AUDIT_CHAIN_KEY_FALLBACKS", [])
# Where `justculture audit checkpoint` appends the signed chain head unless --out says otherwise:
# put it on storage the database's administrators cannot change.
AUDIT_CHECKPOINT_FILE = os.environ.get("AUDIT_CHECKPOINT_FILE", "")

# Sessions end after SESSION_COOKIE_AGE seconds without a request (every request saves the
# session, which moves the expiry on) and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The Content-Security-Policy sent with every response by core.security.SecurityHeadersMiddleware.
# No inline script or style anywhere (the templates have none; keep it that way).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Pages about cases and people: their addresses are not passed on, even within the site.
NO_REFERRER_PATH_PREFIXES = ("/cases/", "/actions/", "/fairness/", "/audit/")

# Sign-in lock-out (core.security): after this many failed attempts within the window for one
# username, or from one IP address, sign-in is refused for the lock time. Attempts are kept in the
# database so every server process sees them.
SIGN_IN_MAX_FAILURES = env_int("SIGN_IN_MAX_FAILURES", 5)
SIGN_IN_MAX_FAILURES_PER_IP = env_int("SIGN_IN_MAX_FAILURES_PER_IP", 5)
SIGN_IN_FAILURE_WINDOW_SECONDS = env_int("SIGN_IN_FAILURE_WINDOW_SECONDS", 15 * 60)
SIGN_IN_LOCK_SECONDS = env_int("SIGN_IN_LOCK_SECONDS", 15 * 60)

# OpenID Connect single sign-on (off unless OIDC_RP_CLIENT_ID is set): users are matched by the
# e-mail address the identity provider vouches for, within the organisation OIDC_ORGANISATION.
# Nobody is created by sign-on; accounts and roles are still given by the organisation.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_ORGANISATION = os.environ.get("OIDC_ORGANISATION", "")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your organisation's account")
OIDC_RP_SCOPES = "openid email"
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "core:sso-callback"
if OIDC_ENABLED:
    _oidc_missing = [
        name for name in ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT",
                          "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT", "OIDC_ORGANISATION")
        if not os.environ.get(name)
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(
            "Single sign-on is on (OIDC_RP_CLIENT_ID is set) but these are missing: " + ", ".join(_oidc_missing)
            + ". See docs/security.md."
        )
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    *(["justculture.core.oidc.OrganisationOIDCBackend"] if OIDC_ENABLED else []),
]

# Background work (pack generation, retention, reminders) runs through a task queue kept in the
# database itself, so no extra server is needed: `justculture db_worker` runs the worker.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# E-mail (action reminders). Local use prints messages to the console; production sets EMAIL_HOST.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "justculture@localhost")

# The product's own settings.
JUSTCULTURE: dict[str, Any] = {
    # Shown in the header until organisations are configured (issue 3 makes this per organisation).
    "SERVICE_NAME": os.environ.get("JUSTCULTURE_SERVICE_NAME", "Just culture case manager"),
    "ORGANISATION_NAME": os.environ.get("JUSTCULTURE_ORGANISATION_NAME", ""),
    # Evidence uploads larger than this are refused with a message.
    "MAX_UPLOAD_BYTES": env_int("JUSTCULTURE_MAX_UPLOAD_MB", 20) * 1024 * 1024,
    # Word, Excel, PowerPoint and OpenDocument files are zip archives. Checking one unpacks it in
    # chunks within these bounds, so a small 'zip bomb' is refused (cases/evidence.py): parts
    # inside it, bytes any one part and all parts unpack to, and how far a part may expand
    # (unpacked size over packed size, judged once a part passes 1 MB).
    "ARCHIVE_MAX_MEMBERS": 1000,
    "ARCHIVE_MAX_MEMBER_BYTES": 100 * 1024 * 1024,
    "ARCHIVE_MAX_TOTAL_BYTES": 200 * 1024 * 1024,
    "ARCHIVE_MAX_RATIO": 100,
    # Folders holding an organisation's own guide definition files (YAML), besides the packaged ones.
    "GUIDE_DIRS": [Path(p) for p in env_list("JUSTCULTURE_GUIDE_DIRS", [])],
    # REST API tokens (docs/api.md): the lifetime of a new token unless one is chosen, and the longest.
    "API_TOKEN_DAYS": env_int("JUSTCULTURE_API_TOKEN_DAYS", 90),
    "API_TOKEN_MAX_DAYS": env_int("JUSTCULTURE_API_TOKEN_MAX_DAYS", 365),
    # The site's public address, used for links in e-mails (for example https://justculture.example.nhs.uk).
    "SITE_URL": os.environ.get("JUSTCULTURE_SITE_URL", "").rstrip("/"),
    # Documentation packs made from the web are written here (outside the web root) by the worker
    # and only handed out through a permission check; they are deleted after PACK_KEEP_HOURS.
    # Unset: MEDIA_ROOT/packs.
    "PACK_DIR": Path(os.environ["JUSTCULTURE_PACK_DIR"]) if os.environ.get("JUSTCULTURE_PACK_DIR") else None,
    "PACK_KEEP_HOURS": env_int("JUSTCULTURE_PACK_KEEP_HOURS", 24),
    # One person cannot tie up the pack worker: at most this many of their packs waiting or being
    # made at once, and at most this many asked for in an hour.
    "PACK_MAX_WAITING_PER_USER": env_int("JUSTCULTURE_PACK_MAX_WAITING_PER_USER", 3),
    "PACK_MAX_PER_USER_PER_HOUR": env_int("JUSTCULTURE_PACK_MAX_PER_USER_PER_HOUR", 20),
    # An audit event whose summary or changes hold the text of a free-text or sensitive field of
    # the record it is about is refused (an error) when on, as in development and tests; in
    # production the text is replaced by its "not recorded" marker and the problem logged
    # (core.audit.record, docs/audit.md).
    "AUDIT_STRICT": env_bool("JUSTCULTURE_AUDIT_STRICT", DEBUG),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
