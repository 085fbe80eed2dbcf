"""Development settings (`make run`): DEBUG on, plain HTTP on 127.0.0.1."""

import os

os.environ.setdefault("DEBUG", "1")

from ess2024.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *ALLOWED_HOSTS]  # noqa: F405
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# Every email `make run` sends is caught by its development SMTP server (scripts/services.py --mail), which keeps
# them in DEVMAIL_DIR; /dev/courriels/ lists them, and the layout shows a banner "N courriels envoyés"
# (ess2024/devmail.py). Set by `make run`; the default is where `make run` puts them.
DEVMAIL_DIR = os.environ.get("DEVMAIL_DIR") or str(BASE_DIR / ".data" / "mail" / "messages")  # noqa: F405
TEMPLATES = [
    {
        **TEMPLATES[0],  # noqa: F405
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],  # noqa: F405
            "context_processors": [*TEMPLATES[0]["OPTIONS"]["context_processors"], "ess2024.devmail.banner"],  # noqa: F405
        },
    }
]
