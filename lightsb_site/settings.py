"""One settings module, driven by environment variables.

With no configuration at all the site runs on an SQLite file and local media, with a secret key
generated on first run and kept in ``var/`` (outside git). Production sets ``DJANGO_DEBUG=false``
plus the variables documented in the README; ``manage.py check --deploy`` is then clean.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lightsb_site.env import env_bool, env_float_list, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIGHTSB_VAR_DIR", BASE_DIR / "var"))


DEBUG = env_bool("DJANGO_DEBUG", True)
# pytest-django loads settings before the root conftest.py can set LIGHTSB_TESTING, so a pytest
# process counts as a test run by default; LIGHTSB_TESTING=0 still turns the test profile off.
TESTING = env_bool("LIGHTSB_TESTING", "pytest" in sys.modules)


def _var_file_secret(name: str, make: Callable[[], str]) -> str:
    """A secret generated once and kept in VAR_DIR (next to the SQLite file, never in git)."""
    path = VAR_DIR / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        value = make()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY") or os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    return _var_file_secret("secret_key", lambda: secrets.token_urlsafe(64))


SECRET_KEY = _secret_key()


def _media_master_keys() -> list[bytes]:
    """The key that wraps every person's media data key, then older ones still accepted.

    ``MEDIA_MASTER_KEY`` is 32 bytes, urlsafe base64. Outside DEBUG and test runs it is required;
    a laptop derives one from SECRET_KEY so that no setup is needed.
    """

    def decode(value: str) -> bytes:
        key = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
        if len(key) != 32:
            raise ImproperlyConfigured("MEDIA_MASTER_KEY must be 32 bytes in urlsafe base64")
        return key

    current = os.environ.get("MEDIA_MASTER_KEY", "")
    if current:
        keys = [decode(current)]
    elif DEBUG or TESTING:
        keys = [hashlib.sha256(b"lightsb-media-master-key:" + SECRET_KEY.encode()).digest()]
    elif os.environ.get("SECRET_KEY") or os.environ.get("DJANGO_SECRET_KEY"):
        # A configured deployment: its machines must share one master key from the environment.
        raise ImproperlyConfigured("MEDIA_MASTER_KEY is required when DEBUG is off")
    else:
        # The one-machine setup of `make run` (secret key kept in VAR_DIR): a master key made
        # once beside it, so the service starts with no configuration.
        keys = [
            decode(
                _var_file_secret(
                    "media_master_key",
                    lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                )
            )
        ]
    previous = os.environ.get("MEDIA_MASTER_KEY_PREVIOUS", "")
    keys.extend(decode(value) for value in previous.split(",") if value.strip())
    return keys


MEDIA_MASTER_KEYS = _media_master_keys()

# Values that appear in examples and tutorials; a key anyone can read signs nothing.
PLACEHOLDER_SECRET_KEYS = {"change-me", "changeme", "secret", "django-insecure", "replace-me"}
MIN_SECRET_KEY_LENGTH = 50


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` cannot sign production sessions and tokens, or None when it can."""
    if key.strip().lower() in PLACEHOLDER_SECRET_KEYS or key.startswith("django-insecure-"):
        return "SECRET_KEY is a placeholder from an example"
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        return f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters"
    return None


if not DEBUG and not TESTING and (problem := secret_key_problem(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"{problem}. Generate one with: "
        'python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "stats",
    "generation",
    "integrations",
]

# Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
# e.g. "127.0.0.1,10.0.0.0/8"). Empty: the connection's own address is the client's, and the
# forwarding headers are dropped. See lightsb_site/client_address.py.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

MIDDLEWARE = [
    # Before anything reads the client address (throttles, lockout, session records, logs).
    "lightsb_site.client_address.ClientAddressMiddleware",
    # Request id first, so every later line and the access log carry it; probes next, before
    # host validation and the HTTPS redirect (see lightsb_site/health.py).
    "lightsb_site.request_id.RequestIdMiddleware",
    "lightsb_site.health.ProbeMiddleware",
    "lightsb_site.metrics.RequestMetricsMiddleware",
    # A database outage answers 503 (JSON under /api/), not 500; see db_unavailable.py.
    "lightsb_site.db_unavailable.DatabaseUnavailableMiddleware",
    # RateLimit-* on every answer a throttle or quota counted; Retry-After on every 429/503.
    "lightsb_site.rate_limit_middleware.RateLimitHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (Django 5.2 has none built in) and Permissions-Policy.
    "lightsb_site.csp.ContentSecurityPolicyMiddleware",
    # Refuse oversized bodies (413) before anything reads them.
    "lightsb_site.body_limit.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Every password-hashing slot busy: a friendly 503 page (the API answers JSON itself).
    "accounts.middleware.HashingBusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lightsb_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "lightsb_site.wsgi.application"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        # Fail fast when PostgreSQL is unreachable instead of hanging a worker.
        DATABASES["default"]["OPTIONS"].setdefault(
            "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers run beside a writer; IMMEDIATE transactions plus a busy
                # timeout make concurrent writers queue instead of failing with "locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# auth.W004 asks for unique=True on username; uniqueness is enforced more strictly by the
# case-insensitive UniqueConstraint(Lower("username")), which W004 does not recognise.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# --- Cache (shared by all gunicorn workers: database cache, or Redis when configured) ---------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "lightsb_cache",
        }
    }

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailOrUsernameBackend",
]

# Argon2id at OWASP's 19 MiB / t=2 / p=1 line, behind a per-process gate (accounts/hashers.py).
# It verifies any argon2 hash (the parameters are in the hash), so a hash made with Django's
# defaults (100 MiB, p=8) still verifies, through the gate, and is re-encoded at the next log-in.
# Django's own Argon2PasswordHasher must not be listed too: both are named "argon2" and Django
# would pick the last one to verify, outside the gate.
PASSWORD_HASHERS = [
    "accounts.hashers.LightSBArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; the suite registers hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Hashes running at once per process. Each takes one core for ~30-60 ms; half the cores (at least
# one) leaves the rest to request threads. gunicorn runs CPU count + 1 workers, so on 2 cores at
# most 3 hashes run machine-wide, in threads whose niceness is raised. A hash that would wait
# longer than PASSWORD_HASHING_WAIT_SECONDS answers 503 hashing_busy with Retry-After.
PASSWORD_HASHING_CONCURRENCY = max(1, (os.cpu_count() or 1) // 2)
PASSWORD_HASHING_WAIT_SECONDS = 3.0

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"

# Remember-me: unchecked -> browser-session cookie; checked -> 30 days.
REMEMBER_ME_SECONDS = 30 * 24 * 3600
SESSION_COOKIE_AGE = REMEMBER_ME_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: 5 failures for one (identifier, IP) pair lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_identifier"
AXES_RESET_ON_SUCCESS = True
# Attempts made while locked are not counted, so the lock ends 15 minutes after the 5th failure
# (and retry_after counts down) instead of being pushed back by every retry.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# REMOTE_ADDR is the client address settled by ClientAddressMiddleware (TRUSTED_PROXIES).
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Per account (over every address) failures slow logins down instead of locking them: from the
# LOGIN_SLOWDOWN_AFTER-th failure on, an address that has itself failed waits 2, 4, 8 ... s
# (at most LOGIN_SLOWDOWN_MAX_SECONDS) after the account's latest failure; an address with no
# failures is never slowed, so the real user gets in during an attack.
LOGIN_SLOWDOWN_AFTER = env_int("LOGIN_SLOWDOWN_AFTER", 5)
LOGIN_SLOWDOWN_MAX_SECONDS = env_int("LOGIN_SLOWDOWN_MAX_SECONDS", 120)
AXES_VERBOSE = False
CSRF_FAILURE_VIEW = "lightsb_site.views.csrf_failure"

# --- REST framework / JWT / OpenAPI ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.SessionBoundJWTAuthentication",
        "integrations.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lightsb_site.api_errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {
        "register": os.environ.get("THROTTLE_REGISTER", "20/hour"),
        "login": os.environ.get("THROTTLE_LOGIN", "60/min"),
        "refresh": os.environ.get("THROTTLE_REFRESH", "120/min"),
        # Forms that check the password again (change password, delete account), per account.
        "password_check": os.environ.get("THROTTLE_PASSWORD_CHECK", "5/15m"),
        # Reading a photo's faces before a job (runs the face detector in the web process).
        "estimate": os.environ.get("THROTTLE_ESTIMATE", "30/min"),
        # Public share pages and their images, per client address.
        "share": os.environ.get("THROTTLE_SHARE", "120/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT: dict[str, Any] = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY", SECRET_KEY),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
REFRESH_REMEMBER_ME_LIFETIME = timedelta(days=30)
REFRESH_COOKIE_NAME = "lightsb_refresh"
REFRESH_COOKIE_PATH = "/api/auth/"
# A rotated refresh token presented again within this many seconds (parallel refreshes: a double
# click, two tabs) gets the same successor; later, reuse still revokes the whole session.
REFRESH_REUSE_GRACE_SECONDS = env_int("REFRESH_REUSE_GRACE_SECONDS", 10)

SPECTACULAR_SETTINGS = {
    "TITLE": "LightSB Service API",
    "DESCRIPTION": (
        "Translate portraits with LightSB (Light Schrödinger Bridge): adult/child and "
        "male/female, several stochastic variants per photo. Authenticate with a JWT access "
        "token from /api/auth/login (Authorization: Bearer <token>)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # JSON bodies are documented as JSON only (the form encodings DRF also parses stay
    # accepted, undocumented): one content type per body is what generated clients handle
    # (openapi-python-client emits broken code for a body offered in three encodings).
    # Uploads declare multipart/form-data themselves.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # One enum for every field that takes a direction (the job's and a hint's suggestion).
    "ENUM_NAME_OVERRIDES": {
        "DirectionEnum": "generation.models.Direction",
        "GenerationStatusEnum": "generation.models.Status",
        "WebhookDeliveryStatusEnum": "integrations.models.DeliveryStatus",
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never routed: images are served by views that check ownership

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    AWS_DEFAULT_ACL = None  # private bucket: objects inherit the bucket's (private) policy
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 300)
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE", "path")

# Uploads: the generation views enforce 10 MB themselves; keep Django's own limits above it.
LIGHTSB_MAX_UPLOAD_BYTES = env_int("LIGHTSB_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = LIGHTSB_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Generation jobs (see docs/api-generation.md) --------------------------------------------
GENERATION_MAX_PIXELS = env_int("GENERATION_MAX_PIXELS", 40_000_000)
# Cap on the work of one job: photo pixels x (variants + journey frames). See generation.limits.
GENERATION_MAX_JOB_PIXELS = env_int("GENERATION_MAX_JOB_PIXELS", 200_000_000)
GENERATION_DAILY_LIMIT = env_int("GENERATION_DAILY_LIMIT", 200)
# Photos one batch upload may hold (each becomes its own generation and counts on the quota).
GENERATION_BATCH_MAX = env_int("GENERATION_BATCH_MAX", 10)
GENERATION_RETENTION_DAYS = env_int("GENERATION_RETENTION_DAYS", 30)
# A running job whose worker has not reported for this long is presumed dead and is retried.
GENERATION_LEASE_SECONDS = env_int("GENERATION_LEASE_SECONDS", 120)
GENERATION_MAX_ATTEMPTS = env_int("GENERATION_MAX_ATTEMPTS", 3)
# Immediate backend only: a job still queued after this long lost its process; it is failed.
GENERATION_QUEUED_TIMEOUT_SECONDS = env_int("GENERATION_QUEUED_TIMEOUT_SECONDS", 600)
GENERATION_WEIGHTS_DIR = os.environ.get("GENERATION_WEIGHTS_DIR", "")

# --- Background tasks -----------------------------------------------------------------------
# Embedded default: run jobs in the web process right after the request commits.
# Production: TASKS_BACKEND=database and `python manage.py db_worker`.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASKS_BACKEND == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

# --- Webhooks (integrations/webhooks.py, docs/api-integrators.md) -----------------------------
# Besides https to public addresses, accept http and https to loopback (127.0.0.1, ::1):
# development and tests only. Private, link-local and reserved addresses are always refused.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", DEBUG or TESTING)
# Seconds before each retry of a failed delivery; len + 1 attempts in all (5 within ~6.5 min).
WEBHOOK_RETRY_DELAYS = env_float_list("WEBHOOK_RETRY_DELAYS", [10.0, 30.0, 90.0, 270.0])
# One attempt's limit for connecting and for each read of the receiver's answer.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)

# --- Email (password reset) -----------------------------------------------------------------
# Default: mails are printed to the console (or written to EMAIL_FILE_PATH); EMAIL_HOST sends
# them over SMTP instead, as production does.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST_USER))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "LightSB <no-reply@localhost>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 60 * 60)

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    if TRUSTED_PROXIES:
        # Only a listed proxy's header survives ClientAddressMiddleware; without a proxy a
        # client could otherwise claim HTTPS for a plain-HTTP request.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Browsers drop Secure cookies on plain http: `make run` on loopback turns them off.
    SESSION_COOKIE_SECURE = env_bool("LIGHTSB_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# json: one object per line with request_id/generation_id (production default); plain: for people.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json").lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "lightsb_site.log.ContextFilter"},
        "one_line_warning": {"()": "lightsb_site.log.OneLineWarningFilter"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "lightsb_site.log.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # A bad Host header is a client's mistake or a scanner: one warning line, no traceback.
        "django.security.DisallowedHost": {
            "handlers": ["console"],
            "filters": ["one_line_warning"],
            "propagate": False,
        },
    },
}

ADMINS: list[tuple[str, str]] = []

# --- Operations: metrics and probes ------------------------------------------------------------
# /metrics is open in development; in production only to staff or `Authorization: Bearer
# <METRICS_TOKEN>` (what Prometheus sends with `authorization: {credentials: ...}`).
METRICS_PUBLIC = env_bool("METRICS_PUBLIC", DEBUG)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Prometheus scrapes over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
