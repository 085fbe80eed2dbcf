"""ESS 2024 settings.

Everything comes from the environment (see `.env.example`). These base settings are the production ones and are
safe by default: DEBUG off, secure cookies, HSTS, a Content Security Policy. `settings_dev` and `settings_test`
loosen only what they must.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# Read as is: django-environ takes a value starting with "$" for the name of another variable, and Django's own
# key generator uses "$".
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Open Contracting Data Standard (/appels-d-offres/ocds.json): the prefix of our ocids (tenders/ocds.py).
OCDS_PREFIX = env.str("OCDS_PREFIX", default="ocds-ess2024-")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.contrib.syndication",
    "allauth",
    "allauth.account",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "ess2024",
    "accounts",
    "outbox",
    "structures",
    "tenders",
    "matching",
    "meetups",
    "charter",
    "simple_history",
    "backoffice",
    "geo",
    "shortlists",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A NUL byte, an oversized search or an impossible admin filter is a 400 page, not a 500 (issue 8).
    "ess2024.middleware.BadInputMiddleware",
]

ROOT_URLCONF = "ess2024.urls"
WSGI_APPLICATION = "ess2024.wsgi.application"
ASGI_APPLICATION = "ess2024.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ess2024.context_processors.site",
            ],
        },
    },
]

# Database: PostgreSQL only. `make run` / `make test` start an embedded server when DATABASE_URL is unset.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/ess2024")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT compilation: the ranked searches (structures.search) are estimated costly enough to trigger it, and
# compiling takes ~0.5 s for queries that run in ~30 ms (bench/bench_search.py).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth: log in by email, email verification is mandatory, login attempts are rate-limited.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ESS 2024] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# allauth's emails are queued in the outbox like every other email (accounts/adapter.py).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Our subclasses reword allauth's forms in plain French (accounts/forms.py).
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "add_email": "accounts.forms.AddEmailForm",
}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/key,20/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    # Wrong passwords on the account-deletion form (accounts/forms.py AccountDeleteForm), counted per account.
    "delete_account_failed": "5/15m/user",
    # The contact form (ess2024/contact.py), per client address.
    "contact": "5/h/ip",
}
# Behind a reverse proxy, how many X-Forwarded-For hops to trust when finding the client's address (rate limits).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)

# Internationalisation: French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# DATETIME_FORMAT and TIME_FORMAT per language ("12 mars 2026 à 12 h 00" / "12 March 2026 at 12:00"): use
# |date:"DATETIME_FORMAT" and |time:"TIME_FORMAT", never a literal "H:i".
FORMAT_MODULE_PATH = ["ess2024.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest tender document (DCE file) a buyer may upload.
TENDER_DOCUMENT_MAX_BYTES = env.int("TENDER_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
# A structure's profile below this completeness (in %) gets a monthly reminder (structures.services.reminders).
STRUCTURE_COMPLETENESS_THRESHOLD = env.int("STRUCTURE_COMPLETENESS_THRESHOLD", default=80)
# Time limit of the meet-up scheduler (meetups/scheduling), in seconds; the Celery task stays under the soft limit.
MEETUPS_SCHEDULE_SECONDS = env.int("MEETUPS_SCHEDULE_SECONDS", default=30)
# A published tender's deadline moved to fewer days from now than this needs an explicit confirmation.
TENDER_AMENDMENT_MIN_NOTICE_DAYS = 5

# Email: every product email goes through the outbox app (a row first, then a Celery task sends it).
# EMAIL_URL: smtp://user:password@host:port (smtp+tls:// for STARTTLS, smtp+ssl:// for implicit TLS),
# or consolemail:// to print emails. Django 6.1's MAILERS replaces the EMAIL_* settings.
_email = env.email_url("EMAIL_URL", default="smtp://127.0.0.1:1025")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            key: value
            for key, value in {
                "host": _email.get("EMAIL_HOST"),
                "port": _email.get("EMAIL_PORT"),
                "username": _email.get("EMAIL_HOST_USER"),
                "password": _email.get("EMAIL_HOST_PASSWORD"),
                "use_tls": _email.get("EMAIL_USE_TLS"),
                "use_ssl": _email.get("EMAIL_USE_SSL"),
                "timeout": 20,
            }.items()
            if value not in (None, "")
        }
        if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ESS 2024 <ne-pas-repondre@ess2024.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Email bodies (other than personal links, which go as soon as the email has left) are kept this many days, then
# emptied by the beat task outbox.tasks.purge_old_bodies; the row's metadata stays.
OUTBOX_BODY_RETENTION_DAYS = env.int("OUTBOX_BODY_RETENTION_DAYS", default=90)
# Seconds a worker keeps its SMTP connection open unused between two tasks (outbox.tasks.KeptMailer).
OUTBOX_SMTP_IDLE = env.int("OUTBOX_SMTP_IDLE", default=60)
# Development only: the folder of the emails `make run`'s SMTP server caught, listed at /dev/courriels/
# (ess2024/devmail.py). settings_dev sets it; here it stays None, so production has neither the pages nor the banner.
DEVMAIL_DIR = None

# The legal notice (/mentions-legales/) names these; the contact form (/contact/) writes to CONTACT_EMAIL, or, when
# it is empty, to every member of the staff group "Équipe Les Canaux".
LEGAL_PUBLISHER = env.str(
    "LEGAL_PUBLISHER", default="Les Canaux, maison des économies solidaires et innovantes, 75019 Paris"
)
LEGAL_PUBLICATION_DIRECTOR = env.str("LEGAL_PUBLICATION_DIRECTOR", default="")
LEGAL_HOST = env.str("LEGAL_HOST", default="")
CONTACT_EMAIL = env.str("CONTACT_EMAIL", default="")

# The sign-up wizard offers to fill a structure's identity from its SIRET when this is set: the search endpoint of
# the public "API Recherche d'entreprises" (structures/services/directory_lookup.py). Empty (the default): no lookup.
SIRET_LOOKUP_URL = env.str("SIRET_LOOKUP_URL", default="")
SIRET_LOOKUP_TIMEOUT = env.float("SIRET_LOOKUP_TIMEOUT", default=3.0)

# Celery: Redis broker; tasks are queued only once the transaction commits.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "redis://127.0.0.1:6379/0"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# Each app adds its periodic tasks here (name -> {"task", "schedule"}).
CELERY_BEAT_SCHEDULE = {
    "outbox-requeue-stale": {"task": "outbox.tasks.requeue_stale", "schedule": 60.0},
    "outbox-purge-old-bodies": {"task": "outbox.tasks.purge_old_bodies", "schedule": crontab(hour=3, minute=30)},
    "tenders-close-expired": {"task": "tenders.tasks.close_expired_tenders", "schedule": 60.0},
    "matching-sweep": {"task": "matching.tasks.sweep", "schedule": 60.0},
    "matching-deadline-reminders": {"task": "matching.tasks.send_deadline_reminders", "schedule": 3600.0},
    "meetups-agenda-reminders": {"task": "meetups.tasks.send_agenda_reminders", "schedule": 3600.0},
    "matching-daily-digests": {"task": "matching.tasks.send_daily_digests", "schedule": crontab(hour=7, minute=0)},
    "matching-weekly-digests": {
        "task": "matching.tasks.send_weekly_digests",
        "schedule": crontab(day_of_week="mon", hour=7, minute=30),
    },
    "tenders-buyer-daily-digests": {
        "task": "tenders.tasks.send_buyer_daily_digests",
        "schedule": crontab(hour=7, minute=15),
    },
    "tenders-buyer-award-reminders": {
        "task": "tenders.tasks.send_buyer_award_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "charter-resume-award-imports": {"task": "charter.tasks.resume_stalled_award_imports", "schedule": 300.0},
    "structures-completeness-reminders": {
        "task": "structures.send_completeness_reminders",
        "schedule": crontab(day_of_month="1", hour=10, minute=0),
    },
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Security (production defaults).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Every asset is served from our own origin: no CDN, no third party.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# The directory's map (geo): tiles from GEO_TILES_URL ("https://{s}.tiles.example.org/{z}/{x}/{y}.png"); none by
# default (markers on a plain background, so the site works offline). Its host becomes the one image origin allowed.
GEO_TILES_URL = env.str("GEO_TILES_URL", default="")
GEO_TILES_ATTRIBUTION = env.str("GEO_TILES_ATTRIBUTION", default="")
if GEO_TILES_URL:
    _tiles = GEO_TILES_URL.split("/")  # scheme:, "", host
    SECURE_CSP["img-src"].append(f"{_tiles[0]}//{_tiles[2].replace('{s}', '*')}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# /espace/: each entry is a callable (request) -> {"template": name, **context} or None, rendered in order.
DASHBOARD_PANELS = [
    "backoffice.panels.staff_home_panel",
    "tenders.panels.buyer_home_panel",
    "shortlists.panels.shortlists_panel",
    "structures.panels.structure_panel",
    "matching.panels.for_you_panel",
    "tenders.panels.my_tenders_panel",
    "meetups.panels.my_meetups_panel",
    "accounts.panels.account_panel",
]

# /espace/mes-donnees/: each entry is a callable (user) -> dict, merged into the JSON a user downloads
# (accounts.services.user_personal_data). Apps add theirs here.
PERSONAL_DATA_PROVIDERS = [
    "accounts.services.account_personal_data",
    "structures.services.personal_data",
    "tenders.services.buyers.personal_data",
]
# Account deletion: each entry is a callable (user) -> str | None; a string is a French message explaining why the
# account cannot be deleted yet (e.g. the user is the only administrator of a structure).
ACCOUNT_DELETION_CHECKS = [
    "structures.services.account_deletion_check",
]

# The staff home (/espace/ for Les Canaux staff): each entry is a callable (request) -> list of queue dicts
# {"key": str, "label": str, "count": int, "oldest": datetime | None, "url": str, "detail": str (optional)},
# shown in order, each count linking to its list. Apps add theirs here.
STAFF_QUEUES: list[str] = [
    "backoffice.queues.platform_queues",
    "tenders.queues.buyer_access_requests",
    "meetups.queues.upcoming_meetups",
]

# The open API (/api/v1/, the api app): read-only JSON, a buyer organisation's token for the buyer-only fields,
# rate limits counted in the cache (Redis with REDIS_URL: shared by every worker), cursor pagination.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousRateThrottle", "api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "token": "600/min"},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "UNAUTHENTICATED_TOKEN": None,
    # Anonymous limits count per client address: the same trusted proxy hops as allauth's limits (0: REMOTE_ADDR,
    # so an X-Forwarded-For header sent by the client itself is not trusted).
    "NUM_PROXIES": ALLAUTH_TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API ouverte ESS 2024",
    "DESCRIPTION": "Appels d'offres publiés, structures vérifiées et chiffres de la charte sociale, en lecture seule. "
    "Sans jeton : les champs publics. Avec le jeton d'une organisation acheteuse (`Authorization: Token <clé>`) : "
    "aussi les coordonnées des structures.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}
