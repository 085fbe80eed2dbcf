"""Imports of awards made outside the platform (the buyers' essential procurement data), for the charter."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenders.models import BuyerOrganisation


class AwardImportQuerySet(models.QuerySet):
    def for_user(self, user):
        """Staff see every import; a buyer their organisation's; anyone else none."""
        from tenders import perms  # tenders.perms reads tenders.models, which this app's models may not import first

        if perms.is_platform_staff(user):
            return self.all()
        organisation_id = perms.buyer_organisation_id(user)
        return self.filter(buyer_id=organisation_id) if organisation_id is not None else self.none()


class AwardImport(models.Model):
    """One file of awards (CSV or XLSX, in the shape of the données essentielles): checked, then applied by Celery.

    `rows` keeps the checked rows to write (the file itself is not kept); `report` says, row by row, what the dry
    run found: {"line", "outcome": create|match|duplicate|refuse, "id", "title", "winner", "amount", "reasons"}.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("Vérifié, prêt à appliquer")
        APPLYING = "applying", _("Import en cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    buyer = models.ForeignKey(
        BuyerOrganisation, on_delete=models.CASCADE, related_name="award_imports", verbose_name=_("acheteur")
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(_("fichier"), max_length=255)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.CHECKED)
    total_rows = models.PositiveIntegerField(_("lignes"), default=0)
    to_write = models.PositiveIntegerField(_("attributions à créer"), default=0)
    processed_rows = models.PositiveIntegerField(_("attributions écrites"), default=0)
    created_count = models.PositiveIntegerField(_("créées"), default=0)
    matched_count = models.PositiveIntegerField(_("rapprochées d'une structure"), default=0)
    duplicate_count = models.PositiveIntegerField(_("doublons"), default=0)
    refused_count = models.PositiveIntegerField(_("refusées"), default=0)
    rows = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=list, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = AwardImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import d'attributions")
        verbose_name_plural = _("imports d'attributions")
        constraints = [
            models.CheckConstraint(condition=Q(processed_rows__lte=models.F("to_write")), name="award_import_progress")
        ]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        """Percent of the rows to write that are written."""
        return 100 if not self.to_write else self.processed_rows * 100 // self.to_write
