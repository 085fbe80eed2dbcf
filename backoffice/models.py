"""The history of decisions (django-simple-history), kept in this app so that no other app gains a migration.

`simple_history.register(Model, app="backoffice")` creates one historical table per model here
(backoffice_historicalstructure, …). A row is written on every `save()` and `delete()` of the model (not on
`QuerySet.update()` or `bulk_create()`, which the code keeps for imports and counters). Its author is, in order:
`instance._history_user` (set by the services that know who acts), then the request's user
(`simple_history.middleware.HistoryRequestMiddleware`), else nobody (a task).

Generated columns (SIREN, category, eligibilities, search vectors) are left out: they follow from the fields kept.
"""

import simple_history
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetups.models import Meetup
from structures.models import Structure
from tenders.models import Award, Tender

simple_history.register(
    Structure,
    app="backoffice",
    excluded_fields=[
        "siren",
        "category",
        "eligible_l2113_12",
        "eligible_l2113_13",
        "eligible_l2113_15",
        "search_vector",
        "updated_at",
    ],
)
simple_history.register(Tender, app="backoffice", excluded_fields=["search_vector", "updated_at"])
simple_history.register(Award, app="backoffice")
simple_history.register(Meetup, app="backoffice", excluded_fields=["updated_at"])


class ClarificationRequest(models.Model):
    """Staff ask a pending structure for a detail before deciding ("Demander une précision").

    The structure stays pending; its members receive the message by email and see it in their space until staff
    decide (verify or refuse).
    """

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="clarification_requests")
    message = models.TextField(_("message"), max_length=2000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("demande de précision")
        verbose_name_plural = _("demandes de précision")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["structure", "-created_at"], name="clarification_structure_idx")]

    def __str__(self):
        return f"{self.structure} ({self.created_at:%Y-%m-%d})"
