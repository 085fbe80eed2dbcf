import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess2024.settings")

app = Celery("ess2024")
# Every CELERY_* setting configures the app: JSON only, time limits, beat schedule (see settings.py).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="ess2024.ping")
def ping(value: str = "pong") -> str:
    """A task with no side effect, used to check that a worker answers."""
    return value
