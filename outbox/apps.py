from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Courriels")

    def ready(self):
        # The system checks; and the tasks, registered with Celery in every process, since outbox/services.py queues
        # them by name (a signature) rather than importing them.
        from outbox import checks, tasks  # noqa: F401
