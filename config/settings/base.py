"""Settings shared by every environment.

Read from the environment (DATABASE_URL, BIANZHI_*); nothing here touches the
network. Defaults give the embedded SQLite database under ./var/.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("BIANZHI_VAR_DIR", BASE_DIR / "var"))
# Keys live outside the database: someone with only database access must not be
# able to recompute the audit chain or forge a checkpoint (DOMAIN §3.6).
KEY_DIR = Path(os.environ.get("BIANZHI_KEY_DIR", VAR_DIR / "keys"))

SECRET_KEY = os.environ.get("BIANZHI_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = os.environ.get("BIANZHI_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("BIANZHI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(
    ","
)

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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served locally: intranets are offline
    "django_tasks",
    "django_tasks_db",
    "bianzhi.core",
    "bianzhi.approvals",
    "bianzhi.orgs",
    "bianzhi.quota",
    "bianzhi.roster",
    "bianzhi.matters",
    "bianzhi.exchange",
    "bianzhi.documents",
    "bianzhi.stats",
    "bianzhi.reconcile",
    "bianzhi.accounts",
    "bianzhi.web",
    "bianzhi.api",
    "bianzhi.demo",
    "bianzhi.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bianzhi.core.middleware.ClientAddressMiddleware",
]

ROOT_URLCONF = "config.urls"
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
                "bianzhi.web.context.navigation",
                "bianzhi.web.context_approvals.approvals_badge",
                "bianzhi.web.context_warnings.warnings_badge",
            ],
        },
    }
]
WSGI_APPLICATION = "config.wsgi.application"


def database_config(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock at BEGIN, so concurrent
        # writers queue on the busy timeout instead of failing on upgrade.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASE_URL = os.environ.get(
    "DATABASE_URL", f"sqlite:///{VAR_DIR / 'bianzhi.sqlite3'}"
)
DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "bianzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a bad token then answers 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bianzhi.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bianzhi 编制管理平台 API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "bianzhi.orgs.models.UnitKind",
        "UnitRankEnum": "bianzhi.orgs.models.UnitRank",
        "InternalBodyRankEnum": "bianzhi.orgs.models.InternalBody.Rank",
        "RegionLevelEnum": "bianzhi.orgs.models.Region.Level",
        "UnitStatusEnum": "bianzhi.orgs.models.Unit.Status",
        "UnitChangeKindEnum": "bianzhi.orgs.models.UnitChange.Kind",
        "UnitChangeStatusEnum": "bianzhi.orgs.models.UnitChange.Status",
        "MovementKindEnum": "bianzhi.quota.models.MovementKind",
        "MovementStatusEnum": "bianzhi.quota.models.QuotaMovement.Status",
        "LeaderLevelEnum": "bianzhi.quota.models.LeaderLevel",
        "LeaderKindEnum": "bianzhi.quota.models.LeaderKind",
        "FundingEnum": "bianzhi.quota.models.Funding",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Background work (imports, big exports): django-tasks with its database
# backend, so no Redis is needed; `make run` starts `bianzhi db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Uploaded files and generated reports live under var/, outside the database.
MEDIA_ROOT = VAR_DIR / "media"
# VALUES.md: uploads up to 200 MB.
UPLOAD_MAX_BYTES = 200 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Privacy (issue 4 §5): no log line carries a whole 公民身份号码. The mask filter
# (bianzhi.core.logfilter) sits on every handler, and Django's own loggers are
# re-pointed at masked handlers (their defaults in django.utils.log would bypass
# it); same behaviour otherwise: Django's INFO lines in DEBUG only, warnings and
# errors through the root console. AdminEmailHandler is deliberately not
# configured: its report carries the request's data, which no filter can mask.
LOGGING["filters"] = {
    "mask_id_numbers": {"()": "bianzhi.core.logfilter.IdNumberMaskFilter"},
    "require_debug_true": {"()": "django.utils.log.RequireDebugTrue"},
}
LOGGING["formatters"] = {
    "django.server": {
        "()": "django.utils.log.ServerFormatter",
        "format": "[{server_time}] {message}",
        "style": "{",
    }
}
LOGGING["handlers"] = {
    "console": {"class": "logging.StreamHandler", "filters": ["mask_id_numbers"]},
    "django_console": {
        "class": "logging.StreamHandler",
        "level": "INFO",
        "filters": ["require_debug_true", "mask_id_numbers"],
    },
    "django.server": {
        "class": "logging.StreamHandler",
        "level": "INFO",
        "formatter": "django.server",
        "filters": ["mask_id_numbers"],
    },
}
LOGGING["loggers"] = {
    "django": {"handlers": ["django_console"], "level": "INFO"},
    "django.server": {
        "handlers": ["django.server"],
        "level": "INFO",
        "propagate": False,
    },
}

# Documents (DOMAIN §4): the address printed in QR codes and the signer
# (default: PAdES with the office certificate made by `bianzhi setup`).
DOCUMENT_VERIFY_BASE_URL = os.environ.get("BIANZHI_PUBLIC_URL", "")
DOCUMENT_SIGNER = "bianzhi.documents.signing.PadesSigner"
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024

# The roster's permit hook (DOMAIN §3.4, quota-use permits; roster/permit_hook.py):
# on. An intake through a channel that needs a permit (考录, 招聘, 调任/转任/调入,
# 选调生) consumes an active, unexpired permit of the same unit, account and
# channel. Kept as a setting only so that a test may look at the roster
# without permits (tests/enrollment's world turns it off for its plain intakes).
ROSTER_PERMITS_REQUIRED = True
