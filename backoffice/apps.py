from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Back office de l'équipe")
    default_auto_field = "django.db.models.BigAutoField"
