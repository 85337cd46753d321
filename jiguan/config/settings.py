"""Jiguan settings: everything configurable by environment variables, safe in production by default.

Development and the demo opt out of production strictness explicitly (``JIGUAN_DEMO=1`` or
``DEBUG=1``); nothing insecure is the default.
"""

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("JIGUAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("JIGUAN_TESTING")
DEMO = env_bool("JIGUAN_DEMO")
DEBUG = env_bool("DEBUG", default=DEMO)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or DEMO or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set in production (see docs/deploy.md).")
    SECRET_KEY = "jiguan-insecure-development-key-do-not-use-in-production"

# Key for personal data encrypted at rest (SM4-GCM). 32 hex characters (128 bits).
DATA_ENCRYPTION_KEY = os.environ.get("JIGUAN_DATA_KEY", "")
if not DATA_ENCRYPTION_KEY:
    if not (DEBUG or DEMO or TESTING):
        raise ImproperlyConfigured("JIGUAN_DATA_KEY must be set in production (see docs/deploy.md).")
    DATA_ENCRYPTION_KEY = "6a696775616e2d64656d6f2d6b657921"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or DEMO or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its Swagger UI templates and static files, served locally (/api/v1/docs)
    "jiguan.core",
    "jiguan.api",
    "jiguan.portals.manage",
    "jiguan.portals.service",
    "jiguan.datahub",  # 数据治理中心
    "jiguan.monitor",  # 综合运行监测中心
    # The N business modules; each registers itself in the module registry.
    "jiguan.modules.officespace",
    "jiguan.modules.housing",
    "jiguan.modules.warehouse",
] + env_list("JIGUAN_EXTRA_APPS")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiguan.monitor.middleware.RequestRateMiddleware",
    "jiguan.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jiguan.core.middleware.IdleTimeoutMiddleware",
    "jiguan.core.middleware.SecondFactorMiddleware",
    "jiguan.core.middleware.PasswordExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiguan.config.urls"
WSGI_APPLICATION = "jiguan.config.wsgi.application"
ASGI_APPLICATION = "jiguan.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiguan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "jiguan.core.context_processors.platform",
            ],
        },
    },
]

# --- Database: SQLite (WAL, IMMEDIATE writes) unless DATABASE_URL names PostgreSQL. -----------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "jiguan.sqlite3")),
            # A file, not shared memory, so concurrent writers in tests queue as they do in production;
            # one per test process, so parallel runs never share it.
            "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"jiguan-test-{os.getpid()}.sqlite3")},
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
                    " PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jiguan"}
    )
}

# --- Accounts and security (等保2.0 三级 baseline) ------------------------------------------------
AUTH_USER_MODEL = "core.Account"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "service:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "jiguan.core.validators.PasswordComplexityValidator"},
]
LOGIN_MAX_FAILURES = int(os.environ.get("JIGUAN_LOGIN_MAX_FAILURES", 5))
LOGIN_LOCKOUT = timedelta(minutes=int(os.environ.get("JIGUAN_LOCKOUT_MINUTES", 30)))
SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("JIGUAN_IDLE_MINUTES", 30)))
PASSWORD_MAX_AGE = timedelta(days=int(os.environ.get("JIGUAN_PASSWORD_MAX_AGE_DAYS", 90)))
# Administrators must use a TOTP second factor; the demo relaxes it so demo accounts log in by password.
REQUIRE_ADMIN_2FA = env_bool("JIGUAN_REQUIRE_ADMIN_2FA", default=not DEMO)
AUTH_RATE_LIMIT = (int(os.environ.get("JIGUAN_AUTH_RATE_LIMIT", 10)), 60)  # attempts per seconds, per IP
# API calls are access-logged in batches this many seconds apart (0: each call at once, as in tests).
API_LOG_FLUSH_SECONDS = float(os.environ.get("JIGUAN_API_LOG_FLUSH_SECONDS", 0 if TESTING else 1))
API_TOKEN_LIFETIME = timedelta(days=int(os.environ.get("JIGUAN_API_TOKEN_DAYS", 30)))

SESSION_COOKIE_AGE = int(SESSION_IDLE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HTTPS = env_bool("JIGUAN_HTTPS", default=not (DEBUG or DEMO or TESTING))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env_bool("JIGUAN_SSL_REDIRECT", default=False)  # usually done by the proxy
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("JIGUAN_HSTS_SECONDS", 31536000))
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("JIGUAN_AUDIT_RETENTION_DAYS", 180)))

# --- Files --------------------------------------------------------------------------------------
MEDIA_ROOT = Path(os.environ.get("JIGUAN_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# The data center's analytical store: published dataset versions as Parquet files, read with DuckDB.
DATAHUB_ROOT = Path(os.environ.get("JIGUAN_DATAHUB_ROOT", VAR_DIR / "datahub"))
# The demo's stand-ins for the business systems its pull sources read (SQLite files written by the seed);
# a test run keeps its own apart from the project's var/.
DATAHUB_DEMO_SOURCES = Path(os.environ.get("JIGUAN_DEMO_SOURCES", (
    Path(tempfile.gettempdir()) / f"jiguan-test-{os.getpid()}-sources" if TESTING else VAR_DIR / "demo-sources")))
DATAHUB_THREADS = int(os.environ.get("JIGUAN_DATAHUB_THREADS", "2"))
DATAHUB_MEMORY = os.environ.get("JIGUAN_DATAHUB_MEMORY", "1GB")
# Reporting packages between installations: this installation's id and its Ed25519 signing key, either a
# PEM file (JIGUAN_PACKAGE_KEY_FILE) or the base64 of the 32-byte private key (JIGUAN_PACKAGE_KEY). Without
# them packages cannot be exported (importing needs only the peers' public keys); the fixed development
# key below is for DEBUG, the demo and tests only.
DATAHUB_INSTALLATION_ID = os.environ.get("JIGUAN_INSTALLATION_ID", "")
DATAHUB_PACKAGE_KEY_FILE = os.environ.get("JIGUAN_PACKAGE_KEY_FILE", "")
DATAHUB_PACKAGE_KEY = os.environ.get("JIGUAN_PACKAGE_KEY", "")
if not (DATAHUB_PACKAGE_KEY_FILE or DATAHUB_PACKAGE_KEY) and (DEBUG or DEMO or TESTING):
    DATAHUB_PACKAGE_KEY = "amlndWFuLWluc2VjdXJlLXBhY2thZ2Uta2V5LWRldiE="  # base64 of a public 32-byte string
    DATAHUB_INSTALLATION_ID = DATAHUB_INSTALLATION_ID or "jiguan-development"
ATTACHMENT_MAX_BYTES = int(os.environ.get("JIGUAN_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".ofd": "application/ofd",
    ".txt": "text/plain",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Static files: front-end libraries come from npm (package-lock.json), served locally. -------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("JIGUAN_STATIC_ROOT", VAR_DIR / "static"))  # filled by collectstatic
if DEBUG or TESTING:  # served from the finders; the empty root only keeps WhiteNoise from warning
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
TABLER = NODE_MODULES / "@tabler" / "core" / "dist"
# Only the parts the pages use: some bundled libraries ship source maps they do not include, which the
# production storage (hashed names, compressed copies) refuses.
STATICFILES_DIRS = [
    ("vendor/tabler/css", TABLER / "css"),
    ("vendor/tabler/js", TABLER / "js"),
    ("vendor/tabler/img", TABLER / "img"),
    ("vendor/tabler/libs/tom-select", TABLER / "libs" / "tom-select"),
    ("vendor/tabler-icons", NODE_MODULES / "@tabler" / "icons-webfont" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Internationalisation: Chinese first, English available. --------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each area keeps its own catalogue (jiguan/locale/<area>/), so parallel work never edits one file.
LOCALE_PATHS = sorted(p for p in (BASE_DIR / "jiguan" / "locale").glob("*") if p.is_dir())
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
FORMAT_MODULE_PATH = ["jiguan.config.formats"]
USE_TZ = True

# --- Background tasks (Django Tasks API) -----------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        )
    }
}
WORKER_HEARTBEAT_STALE = timedelta(seconds=90)

# --- Notifications: SMS and e-mail behind an interface (logging backends by default). -------------
NOTIFY_CHANNELS = {
    "sms": os.environ.get("JIGUAN_SMS_BACKEND", "jiguan.core.notify.LoggingChannel"),
    "email": os.environ.get("JIGUAN_EMAIL_BACKEND", "jiguan.core.notify.LoggingChannel"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
}

PLATFORM_NAME = _("Jiguan Government Offices Administration")
