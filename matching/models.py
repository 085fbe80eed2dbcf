"""What matching remembers: who was told about which tender (once), how each person wants to hear, what they follow.

The matching itself is a query (matching/services.py); these rows are the deliveries it leads to. Every "once" is
a unique constraint: one Notification per (tender, user), one Digest per (user, frequency, window), one
DeadlineReminder per (tender, user). The outbox adds its own dedupe key on top, so re-running any task sends
nothing twice.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from structures.models import Structure, Topic
from tenders.models import Tender


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Dès la publication (un e-mail par appel d'offres)")
    DAILY = "daily", _("Un récapitulatif par jour")
    WEEKLY = "weekly", _("Un récapitulatif par semaine")
    NONE = "none", _("Jamais : je ne veux pas d'e-mail")


DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)


class NotificationPreference(models.Model):
    """How one person wants to hear about tenders. No row means the default: immediately, every topic."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    frequency = models.CharField(
        _("fréquence des e-mails"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    ignored_topics = models.ManyToManyField(
        Topic,
        verbose_name=_("thématiques à ignorer"),
        blank=True,
        related_name="+",
        help_text=_("Vous ne recevrez pas d'e-mail pour un appel d'offres qui ne concerne que ces thématiques."),
    )
    unsubscribed_at = models.DateTimeField(_("désabonné le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence d'alerte")
        verbose_name_plural = _("préférences d'alerte")
        constraints = [
            models.CheckConstraint(condition=Q(frequency__in=Frequency.values), name="matching_pref_frequency_valid")
        ]

    def __str__(self):
        return f"{self.user} : {self.get_frequency_display()}"


class SavedSearch(models.Model):
    """ "Suivre cette recherche": the filters of /appels-d-offres/ kept as a querystring, checked on publication."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    querystring = models.CharField(_("filtres"), max_length=2000)
    label = models.CharField(_("intitulé"), max_length=300)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("recherche suivie")
        verbose_name_plural = _("recherches suivies")
        constraints = [models.UniqueConstraint(fields=["user", "querystring"], name="matching_savedsearch_unique")]

    def __str__(self):
        return self.label


class TenderDispatch(models.Model):
    """The record that a tender's publication has been matched and its notifications written.

    The sweep re-runs publications without one (a broker outage at publication time loses nothing).
    """

    tender = models.OneToOneField(Tender, on_delete=models.CASCADE, related_name="matching_dispatch")
    matched_count = models.PositiveIntegerField(_("structures correspondantes"), default=0)
    notification_count = models.PositiveIntegerField(_("personnes à prévenir"), default=0)
    started_at = models.DateTimeField(_("commencé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("diffusion d'un appel d'offres")
        verbose_name_plural = _("diffusions des appels d'offres")

    def __str__(self):
        return str(self.tender)


class Digest(models.Model):
    """One digest email for one person and one window (a day, or an ISO week): never two for the same window."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tender_digests")
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency.choices)
    window = models.CharField(_("période"), max_length=10, help_text=_("AAAA-MM-JJ, ou AAAA-Wss pour une semaine."))
    tender_count = models.PositiveIntegerField(_("appels d'offres"), default=0)
    email = models.ForeignKey(
        "outbox.OutboxEmail",
        verbose_name=_("e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("récapitulatif")
        verbose_name_plural = _("récapitulatifs")
        constraints = [
            models.UniqueConstraint(fields=["user", "frequency", "window"], name="matching_digest_one_per_window"),
            models.CheckConstraint(condition=Q(frequency__in=["daily", "weekly"]), name="matching_digest_frequency"),
        ]

    def __str__(self):
        return f"{self.user} · {self.window}"


class NotificationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Notification.Status.PENDING)

    def immediate(self):
        return self.filter(channel=Frequency.IMMEDIATE)

    def emailed(self):
        return self.filter(status=Notification.Status.EMAILED)


class Notification(models.Model):
    """One person told (or to be told) about one tender, with the score and reasons of the match. Never two."""

    class Source(models.TextChoices):
        MATCH = "match", _("Correspondance avec sa structure")
        SAVED_SEARCH = "saved_search", _("Recherche suivie")

    class Status(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        EMAILED = "emailed", _("Envoyée")
        SKIPPED = "skipped", _("Non envoyée")

    class SkipReason(models.TextChoices):
        NONE = "", _("—")
        TENDER_CLOSED = "tender_closed", _("Appel d'offres clos ou annulé avant l'envoi")
        NOT_INTERESTED = "not_interested", _("La structure a répondu « Pas intéressé »")
        UNSUBSCRIBED = "unsubscribed", _("La personne ne veut plus d'e-mail")
        IGNORED_TOPIC = "ignored_topic", _("Thématiques ignorées par la personne")
        INACTIVE_USER = "inactive_user", _("Compte désactivé")
        STRUCTURE_WITHDRAWN = "structure_out", _("Structure archivée ou qui ne veut plus d'appels d'offres")

    # No index of their own: the (tender, user) constraint and matching_notif_user_idx (user, status) lead with them.
    # Ten indexes to update per row were two too many for a 5,000-recipient dispatch.
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="matching_notifications", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tender_notifications", db_index=False
    )
    structure = models.ForeignKey(
        Structure, null=True, blank=True, on_delete=models.CASCADE, related_name="tender_notifications"
    )
    saved_search = models.ForeignKey(
        SavedSearch, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    source = models.CharField(_("origine"), max_length=12, choices=Source.choices)
    channel = models.CharField(
        _("envoi"), max_length=10, choices=Frequency.choices, help_text=_("La préférence de la personne au moment")
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    reasons = models.JSONField(_("raisons"), default=list, blank=True)
    topic_ids = ArrayField(
        models.BigIntegerField(), verbose_name=_("thématiques concernées"), default=list, blank=True
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(_("motif"), max_length=16, choices=SkipReason.choices, blank=True, default="")
    email = models.ForeignKey(
        "outbox.OutboxEmail",
        verbose_name=_("e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    digest = models.ForeignKey(Digest, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "channel", "created_at"], name="matching_notif_pending_idx"),
            models.Index(fields=["user", "status"], name="matching_notif_user_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tender", "user"], name="matching_notification_once_per_user"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100), name="matching_notif_score_0_100"
            ),
            models.CheckConstraint(
                condition=~Q(source="match") | Q(structure__isnull=False), name="matching_notif_match_has_structure"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", handled_at__isnull=True)
                | (~Q(status="pending") & Q(handled_at__isnull=False)),
                name="matching_notif_handled_iff_done",
            ),
            models.CheckConstraint(
                condition=Q(status="skipped") & ~Q(skip_reason="") | ~Q(status="skipped") & Q(skip_reason=""),
                name="matching_notif_skip_reason_iff_skipped",
            ),
        ]

    def __str__(self):
        return f"{self.tender} → {self.user}"


class DeadlineReminder(models.Model):
    """'Plus que trois jours': sent once to each member of a structure that said it is interested in a tender."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="deadline_reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deadline_reminders")
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="deadline_reminders")
    email = models.ForeignKey(
        "outbox.OutboxEmail",
        verbose_name=_("e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rappel de date limite")
        verbose_name_plural = _("rappels de date limite")
        constraints = [models.UniqueConstraint(fields=["tender", "user"], name="matching_reminder_once_per_user")]

    def __str__(self):
        return f"{self.tender} → {self.user}"
