"""Meet-ups run by Les Canaux: information sessions and "speed meetings" between buyers and ESS structures.

A structure registers (confirmed while seats remain, then waitlisted), says which attending buyers it wants to
meet (MeetingRequest), and staff build the schedule: short one-to-one meetings (Meeting) at the buyer's table.
The database itself forbids double-booking a buyer or a structure at the same time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from structures.models import Structure, Topic
from tenders.models import BuyerOrganisation


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
    description = models.TextField(_("description"), blank=True)
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


class MeetingRequest(models.Model):
    """A registered structure wants to meet one of the meet-up's buyers."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="meeting_requests")
    buyer = models.ForeignKey(
        BuyerOrganisation, verbose_name=_("acheteur"), on_delete=models.CASCADE, related_name="meeting_requests"
    )
    note = models.CharField(_("ce que vous voulez présenter"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["registration", "created_at", "pk"]
        verbose_name = _("demande de rendez-vous")
        verbose_name_plural = _("demandes de rendez-vous")
        constraints = [
            models.UniqueConstraint(fields=["registration", "buyer"], name="meeting_request_unique_buyer"),
        ]

    def __str__(self):
        return f"{self.registration.structure} → {self.buyer}"


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
        return f"{self.buyer} × {self.structure} ({self.starts_at:%H:%M})"
