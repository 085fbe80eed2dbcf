"""The base settings are the production ones: they must pass `check --deploy` and refuse to run without a key."""

import os
import re
import subprocess
import sys

from django.conf import settings
from django.core.management.utils import get_random_secret_key

# Variables the settings read that would change what is checked here; each run sets exactly what it needs.
# DJANGO_ALLOW_ASYNC_UNSAFE is set by tests/conftest.py for Playwright and is rightly refused by check --deploy.
SETTINGS_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run_python(*args, **variables):
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="ess2024.settings", **variables)
    return subprocess.run(  # noqa: S603  (our own interpreter and manage.py)
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy():
    secret_key = get_random_secret_key()
    assert len(secret_key) == 50

    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_does_flag_a_weak_secret_key():
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="too-short",
        ALLOWED_HOSTS="example.org",
    )

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off():
    load = ("-c", "import django; django.setup(); print('loaded')")

    for variables in ({}, {"DEBUG": "0"}, {"DEBUG": "0", "SECRET_KEY": ""}):
        result = run_python(*load, ALLOWED_HOSTS="example.org", **variables)

        assert result.returncode != 0, variables
        assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
        assert "loaded" not in result.stdout


def test_a_secret_key_starting_with_a_dollar_is_kept_as_is():
    result = run_python(
        "-c",
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)",
        SECRET_KEY="$" + "k" * 49,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "$" + "k" * 49


def test_production_defaults_are_safe():
    result = run_python(
        "-c",
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.DATABASES['default']['ATOMIC_REQUESTS'], bool(s.SECURE_CSP))",
        SECRET_KEY=get_random_secret_key(),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"] + ["True"] * 6


def test_every_variable_the_settings_read_is_documented():
    read = set()
    for module in sorted((settings.BASE_DIR / "ess2024").glob("settings*.py")):
        text = module.read_text()
        read |= set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
        read |= set(re.findall(r"\bos\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
    example = (settings.BASE_DIR / ".env.example").read_text()
    readme = (settings.BASE_DIR / "README.md").read_text()

    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"} <= read
    assert not {name for name in read if not re.search(rf"^#? ?{name}=", example, re.MULTILINE)}, ".env.example"
    assert not {name for name in read if f"`{name}`" not in readme}, "README.md configuration table"


def test_collectstatic_succeeds_with_the_production_storage(tmp_path):
    """The Dockerfile runs collectstatic: the manifest storage fails on any missing file a CSS/JS file references."""
    result = run_python(
        "-c",
        "import sys, django; django.setup(); from django.conf import settings; settings.STATIC_ROOT = sys.argv[1]; "
        "from django.core.management import call_command; call_command('collectstatic', interactive=False)",
        str(tmp_path),
        SECRET_KEY=get_random_secret_key(),
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css.gz"))
