from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StructuresConfig(AppConfig):
    name = "structures"
    verbose_name = _("Structures")

    def ready(self):
        # The tasks, registered with Celery in every process, since structures/imports/services.py queues them by
        # name (a signature) rather than importing them.
        from structures import tasks  # noqa: F401
