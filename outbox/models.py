"""The email outbox: every email the product sends is first a row here (see outbox/services.py)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEmailQuerySet(models.QuerySet):
    def queued(self) -> "OutboxEmailQuerySet":
        return self.filter(status=OutboxEmail.Status.QUEUED)

    def failed(self) -> "OutboxEmailQuerySet":
        return self.filter(status=OutboxEmail.Status.FAILED)

    def sent(self) -> "OutboxEmailQuerySet":
        return self.filter(status=OutboxEmail.Status.SENT)

    def resendable(self) -> "OutboxEmailQuerySet":
        """Rows that may be sent again: their body is whole (not a masked personal link, not purged)."""
        return self.filter(sensitive=False, body_purged_at__isnull=True)

    def with_body_older_than(self, cutoff) -> "OutboxEmailQuerySet":
        """Rows done with (sent or failed) created before `cutoff` whose body is still kept (the retention purge)."""
        return self.exclude(status=OutboxEmail.Status.QUEUED).filter(
            body_purged_at__isnull=True, created_at__lt=cutoff
        )

    def stale(self, *, before) -> "OutboxEmailQuerySet":
        """Queued rows whose sending should have happened before `before` (their task was lost or is late)."""
        return self.queued().filter(next_attempt_at__lt=before)


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("En attente d'envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")


class OutboxEmail(models.Model):
    Status = OutboxStatus

    to = models.EmailField(_("destinataire"), max_length=254)
    from_email = models.CharField(_("expéditeur"), max_length=320)
    reply_to = models.CharField(_("adresse de réponse"), max_length=320, blank=True)
    subject = models.CharField(_("objet"), max_length=998)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("en-têtes"), default=dict, blank=True)
    kind = models.CharField(_("type"), max_length=64, blank=True)
    dedupe_key = models.CharField(
        _("clé d'unicité"),
        max_length=500,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Un second envoi avec la même clé ne crée rien : le courriel part une seule fois."),
    )
    status = models.CharField(_("statut"), max_length=10, choices=OutboxStatus, default=OutboxStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    # Secrets (outbox/redaction.py): a row carrying a personal link keeps its real body only until it leaves or
    # finally fails; then its body and headers are replaced by their masked form. Nobody ever reads it in the admin.
    sensitive = models.BooleanField(
        _("contient un lien personnel"),
        default=False,
        help_text=_(
            "Lien de réinitialisation, de confirmation, d'invitation ou de désabonnement : il n'est jamais affiché "
            "et il est effacé dès l'envoi."
        ),
    )
    secret_values = models.JSONField(_("valeurs secrètes"), default=list, blank=True, editable=False)
    secrets_removed_at = models.DateTimeField(_("lien personnel effacé le"), null=True, blank=True)
    body_purged_at = models.DateTimeField(_("contenu effacé le"), null=True, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("courriel")
        verbose_name_plural = _("courriels")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep (requeue_stale) and the admin's status filter.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_next_idx"),
            models.Index(fields=["status", "created_at"], name="outbox_status_created_idx"),
            # The retention purge (purge_bodies): rows whose body is still kept, oldest first.
            models.Index(fields=["created_at"], name="outbox_body_kept_idx", condition=Q(body_purged_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OutboxStatus.values), name="outbox_status_valid"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outbox_sent_at_iff_sent",
            ),
            models.CheckConstraint(condition=~Q(dedupe_key=""), name="outbox_dedupe_key_not_empty"),
            models.CheckConstraint(condition=~Q(to=""), name="outbox_to_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(attempts__gte=1), name="outbox_sent_after_an_attempt"
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.get_status_display()})"
