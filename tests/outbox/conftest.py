"""Outbox test helpers: the real SMTP server (tests/smtp.py) and email templates written inline by a test."""

import copy

import pytest

from tests.smtp import SMTPServer, free_port, smtp_server  # noqa: F401 - fixtures and helpers for this package


@pytest.fixture
def email_templates(settings):
    """install({"name": "source", ...}): templates served from memory, ahead of the project's own."""

    def install(templates: dict[str, str]) -> None:
        config = copy.deepcopy(settings.TEMPLATES)
        config[0]["APP_DIRS"] = False
        config[0]["OPTIONS"]["loaders"] = [
            ("django.template.loaders.locmem.Loader", templates),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ]
        settings.TEMPLATES = config

    return install


@pytest.fixture
def refused_port(settings):
    """The default mailer points at a local port where nothing listens (connection refused)."""
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    return port
