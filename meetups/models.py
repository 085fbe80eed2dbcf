"""Meet-ups run by Les Canaux: information sessions and "speed meetings" between buyers and ESS structures.

A structure registers (confirmed while seats remain, then waitlisted), says which attending buyers it wants to
meet (MeetingRequest), and staff build the schedule: short one-to-one meetings (Meeting) at the buyer's table.
The database itself forbids double-booking a buyer or a structure at the same time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from structures.models import Structure, Topic
from tenders.models import BuyerOrganisation


def validate_breaks(value) -> None:
    """A list of slot start times written "HH:MM" (24-hour clock)."""
    import re

    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or not all(
        isinstance(item, str) and re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", item) for item in value
    ):
        raise ValidationError(
            _('Indiquez une liste d\'heures au format HH:MM, par exemple ["10:30", "12:00"].'), code="invalid_breaks"
        )


class MeetupStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")
    CANCELLED = "cancelled", _("Annulée")


class MeetupQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=MeetupStatus.PUBLISHED)

    def upcoming(self, now=None):
        """Not over yet (a meet-up under way is still listed)."""
        return self.filter(ends_at__gte=now or timezone.now())

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now())

    def with_seat_counts(self):
        """Annotates `confirmed_count` and `waitlist_count` (one aggregate, no per-row query)."""
        return self.annotate(
            confirmed_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
            waitlist_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
        )


class Meetup(models.Model):
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=220, unique=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("thématiques"), blank=True, related_name="meetups")
    buyers = models.ManyToManyField(
        BuyerOrganisation,
        verbose_name=_("acheteurs présents"),
        blank=True,
        related_name="meetups",
        help_text=_("Les organisations acheteuses qui tiennent une table de rendez-vous."),
    )
    venue = models.CharField(_("lieu"), max_length=200)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    registration_deadline = models.DateTimeField(_("date limite d'inscription"))
    capacity = models.PositiveIntegerField(
        _("places pour les structures"), help_text=_("Au-delà, les inscriptions vont en liste d'attente.")
    )
    meeting_minutes = models.PositiveSmallIntegerField(
        _("durée d'un rendez-vous (minutes)"), default=15, help_text=_("Entre 10 et 15 minutes.")
    )
    status = models.CharField(_("statut"), max_length=16, choices=MeetupStatus.choices, default=MeetupStatus.DRAFT)
    schedule_built_at = models.DateTimeField(_("planning construit le"), null=True, blank=True)
    tables = models.PositiveSmallIntegerField(
        _("nombre de tables"),
        null=True,
        blank=True,
        help_text=_("Rendez-vous simultanés au plus. Vide : une table par acheteur."),
    )
    breaks = models.JSONField(
        _("pauses"),
        default=list,
        blank=True,
        validators=[validate_breaks],
        help_text=_("Heures de début des créneaux sans rendez-vous, au format HH:MM (par exemple 10:30)."),
    )
    requests_need_acceptance = models.BooleanField(
        _("demandes soumises à acceptation"),
        default=False,
        help_text=_("Si coché, une demande de rendez-vous n'est planifiée qu'une fois acceptée par l'autre partie."),
    )
    schedule_published_at = models.DateTimeField(_("planning publié le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = MeetupQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "title"]
        verbose_name = _("rencontre")
        verbose_name_plural = _("rencontres")
        indexes = [models.Index(fields=["status", "ends_at"], name="meetup_status_ends_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meetup_ends_after_start"),
            models.CheckConstraint(
                condition=Q(registration_deadline__lte=models.F("starts_at")), name="meetup_deadline_before_start"
            ),
            models.CheckConstraint(
                condition=Q(meeting_minutes__gte=10, meeting_minutes__lte=15), name="meetup_meeting_10_to_15_min"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="meetup_capacity_positive"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def registration_open(self) -> bool:
        return self.status == MeetupStatus.PUBLISHED and timezone.now() <= self.registration_deadline

    @property
    def seats_left(self) -> int | None:
        """Needs `with_seat_counts()`; None otherwise."""
        confirmed = getattr(self, "confirmed_count", None)
        return None if confirmed is None else max(self.capacity - confirmed, 0)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmée")
    WAITLISTED = "waitlisted", _("Liste d'attente")
    CANCELLED = "cancelled", _("Annulée")


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        """Confirmed or waitlisted."""
        return self.exclude(status=RegistrationStatus.CANCELLED)

    def for_member(self, user):
        """Registrations of the structures the user belongs to."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(structure__memberships__user=user)

    def waitlist(self):
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("position", "pk")


class Registration(models.Model):
    meetup = models.ForeignKey(Meetup, on_delete=models.CASCADE, related_name="registrations")
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="meetup_registrations"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inscrite par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("statut"), max_length=16, choices=RegistrationStatus.choices)
    position = models.PositiveIntegerField(
        _("rang en liste d'attente"), null=True, blank=True, help_text=_("Le plus petit passe en premier.")
    )
    created_at = models.DateTimeField(_("inscrite le"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["meetup", "created_at", "pk"]
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["meetup", "structure"],
                condition=~Q(status=RegistrationStatus.CANCELLED),
                name="registration_one_active_per_structure",
            ),
            models.UniqueConstraint(
                fields=["meetup", "position"],
                condition=Q(status=RegistrationStatus.WAITLISTED),
                name="registration_unique_waitlist_position",
            ),
            models.CheckConstraint(
                condition=Q(status=RegistrationStatus.WAITLISTED, position__isnull=False)
                | (~Q(status=RegistrationStatus.WAITLISTED) & Q(position__isnull=True)),
                name="registration_position_iff_waitlisted",
            ),
        ]

    def __str__(self):
        return f"{self.structure} · {self.meetup} ({self.get_status_display()})"


class RequestDirection(models.TextChoices):
    STRUCTURE = "structure", _("La structure demande l'acheteur")
    BUYER = "buyer", _("L'acheteur demande la structure")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("En attente de réponse")
    ACCEPTED = "accepted", _("Acceptée")
    DECLINED = "declined", _("Déclinée")


class MeetingRequest(models.Model):
    """One side of a meet-up asks to meet the other: a registered structure asks a buyer (direction "structure"),
    or a buyer asks a registered structure (direction "buyer").

    `priority` orders each requester's wishes (1 = first wish). When the meet-up says requests need acceptance, a
    request starts "pending" and is scheduled only once the other side accepts it; otherwise it starts "accepted".
    """

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="meeting_requests")
    buyer = models.ForeignKey(
        BuyerOrganisation, verbose_name=_("acheteur"), on_delete=models.CASCADE, related_name="meeting_requests"
    )
    direction = models.CharField(
        _("sens"), max_length=16, choices=RequestDirection.choices, default=RequestDirection.STRUCTURE
    )
    status = models.CharField(_("statut"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    priority = models.PositiveSmallIntegerField(_("priorité"), default=1, help_text=_("1 : premier souhait."))
    note = models.CharField(_("ce que vous voulez présenter"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("réponse de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decline_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["registration", "direction", "priority", "created_at", "pk"]
        verbose_name = _("demande de rendez-vous")
        verbose_name_plural = _("demandes de rendez-vous")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "buyer", "direction"], name="meeting_request_unique_per_direction"
            ),
            models.CheckConstraint(condition=Q(priority__gte=1), name="meeting_request_priority_positive"),
        ]
        indexes = [models.Index(fields=["buyer", "status"], name="meeting_request_buyer_idx")]

    def __str__(self):
        if self.direction == RequestDirection.BUYER:
            return f"{self.buyer} → {self.registration.structure}"
        return f"{self.registration.structure} → {self.buyer}"


class Unavailability(models.Model):
    """A participant (a buyer, or a registered structure) cannot attend the slot starting at `starts_at`."""

    meetup = models.ForeignKey(Meetup, on_delete=models.CASCADE, related_name="unavailabilities")
    buyer = models.ForeignKey(
        BuyerOrganisation,
        verbose_name=_("acheteur"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meetup_unavailabilities",
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("inscription"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="unavailabilities",
    )
    starts_at = models.DateTimeField(_("créneau"))

    class Meta:
        ordering = ["meetup", "starts_at", "pk"]
        verbose_name = _("indisponibilité")
        verbose_name_plural = _("indisponibilités")
        constraints = [
            models.CheckConstraint(
                condition=Q(buyer__isnull=False, registration__isnull=True)
                | Q(buyer__isnull=True, registration__isnull=False),
                name="unavailability_one_participant",
            ),
            models.UniqueConstraint(
                fields=["meetup", "buyer", "starts_at"],
                condition=Q(buyer__isnull=False),
                name="unavailability_unique_buyer_slot",
            ),
            models.UniqueConstraint(
                fields=["meetup", "registration", "starts_at"],
                condition=Q(registration__isnull=False),
                name="unavailability_unique_registration_slot",
            ),
        ]

    def __str__(self):
        who = self.buyer if self.buyer_id else self.registration.structure
        return f"{who} · {formats.time_format(timezone.localtime(self.starts_at), 'TIME_FORMAT')}"


class NoShow(models.TextChoices):
    BUYER = "buyer", _("Acheteur absent")
    STRUCTURE = "structure", _("Structure absente")
    BOTH = "both", _("Les deux absents")


class Meeting(models.Model):
    """One slot of the schedule: a buyer and a structure at a table. Nobody is in two places at once."""

    meetup = models.ForeignKey(Meetup, on_delete=models.CASCADE, related_name="meetings")
    buyer = models.ForeignKey(
        BuyerOrganisation, verbose_name=_("acheteur"), on_delete=models.CASCADE, related_name="meetup_meetings"
    )
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="meetup_meetings"
    )
    request = models.ForeignKey(
        MeetingRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    table = models.PositiveSmallIntegerField(_("table"))
    pinned = models.BooleanField(
        _("confirmé"),
        default=False,
        help_text=_("Un rendez-vous confirmé ne bouge plus quand le planning est refait."),
    )
    no_show = models.CharField(_("absence"), max_length=16, choices=NoShow.choices, blank=True, default="")

    class Meta:
        ordering = ["meetup", "starts_at", "table"]
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        constraints = [
            models.UniqueConstraint(fields=["meetup", "buyer", "starts_at"], name="meeting_buyer_not_double_booked"),
            models.UniqueConstraint(
                fields=["meetup", "structure", "starts_at"], name="meeting_structure_not_double_booked"
            ),
            models.UniqueConstraint(fields=["meetup", "table", "starts_at"], name="meeting_table_not_double_booked"),
            models.UniqueConstraint(fields=["meetup", "buyer", "structure"], name="meeting_once_per_pair"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
        ]

    def __str__(self):
        at = formats.time_format(timezone.localtime(self.starts_at), "TIME_FORMAT")
        return f"{self.buyer} × {self.structure} ({at})"


class CheckIn(models.Model):
    """A participant (a buyer, or a registered structure) arrived on the day; staff marked it at the door."""

    meetup = models.ForeignKey(Meetup, on_delete=models.CASCADE, related_name="check_ins")
    buyer = models.ForeignKey(
        BuyerOrganisation,
        verbose_name=_("acheteur"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("inscription"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    checked_in_at = models.DateTimeField(_("arrivée"), default=timezone.now)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pointé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["meetup", "checked_in_at"]
        verbose_name = _("arrivée")
        verbose_name_plural = _("arrivées")
        constraints = [
            models.CheckConstraint(
                condition=Q(buyer__isnull=False, registration__isnull=True)
                | Q(buyer__isnull=True, registration__isnull=False),
                name="checkin_one_participant",
            ),
            models.UniqueConstraint(
                fields=["meetup", "buyer"], condition=Q(buyer__isnull=False), name="checkin_unique_buyer"
            ),
            models.UniqueConstraint(
                fields=["meetup", "registration"],
                condition=Q(registration__isnull=False),
                name="checkin_unique_registration",
            ),
        ]

    def __str__(self):
        who = self.buyer if self.buyer_id else self.registration.structure
        return f"{who} · {self.meetup}"


class AgendaNotice(models.Model):
    """The last agenda emailed to a participant: its digest tells whether their agenda changed since."""

    meetup = models.ForeignKey(Meetup, on_delete=models.CASCADE, related_name="agenda_notices")
    buyer = models.ForeignKey(BuyerOrganisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.CASCADE, related_name="agenda_notices"
    )
    digest = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agenda envoyé")
        verbose_name_plural = _("agendas envoyés")
        constraints = [
            models.CheckConstraint(
                condition=Q(buyer__isnull=False, registration__isnull=True)
                | Q(buyer__isnull=True, registration__isnull=False),
                name="agenda_notice_one_participant",
            ),
            models.UniqueConstraint(
                fields=["meetup", "buyer"], condition=Q(buyer__isnull=False), name="agenda_notice_unique_buyer"
            ),
            models.UniqueConstraint(
                fields=["meetup", "registration"],
                condition=Q(registration__isnull=False),
                name="agenda_notice_unique_registration",
            ),
        ]

    def __str__(self):
        return f"{self.meetup} · {self.buyer_id or self.registration_id} · {self.sent_at:%Y-%m-%d %H:%M}"


class RatingSide(models.TextChoices):
    BUYER = "buyer", _("Acheteur")
    STRUCTURE = "structure", _("Structure")


class MeetingRating(models.Model):
    """After the event, each side says whether a meeting was useful and whether a follow-up is planned."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="ratings")
    side = models.CharField(_("côté"), max_length=16, choices=RatingSide.choices)
    useful = models.BooleanField(_("rendez-vous utile"))
    follow_up = models.BooleanField(_("suite prévue"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(_("noté le"), auto_now=True)

    class Meta:
        ordering = ["meeting", "side"]
        verbose_name = _("avis sur un rendez-vous")
        verbose_name_plural = _("avis sur les rendez-vous")
        constraints = [models.UniqueConstraint(fields=["meeting", "side"], name="meeting_rating_once_per_side")]

    def __str__(self):
        return f"{self.meeting} · {self.get_side_display()}"
