"""Shortlists: the structures a buyer (or Les Canaux staff) keeps in named lists while sourcing, with a note each.

A list belongs to one buyer organisation and is shared by all its buyers; a list without an organisation belongs
to Les Canaux staff. Nobody else sees it (`Shortlist.objects.for_user`: another organisation's list is a 404). A
list can be invited to a tender (`TenderInvitation`): at publication the matching also notifies its structures
(matching.delivery.write_invitation_notifications).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from structures.models import Structure
from tenders.models import BuyerOrganisation, Tender
from tenders.perms import buyer_organisation_id, is_platform_staff

NAME_MAX_LENGTH = 120
NOTE_MAX_LENGTH = 2000


class ShortlistQuerySet(models.QuerySet):
    def for_user(self, user) -> ShortlistQuerySet:
        """The lists `user` may see and change: staff, the staff's lists; a buyer, their organisation's; else none."""
        if is_platform_staff(user):
            return self.filter(organisation__isnull=True)
        organisation_id = buyer_organisation_id(user)
        if organisation_id is None:
            return self.none()
        return self.filter(organisation_id=organisation_id)


class Shortlist(models.Model):
    name = models.CharField(_("nom de la liste"), max_length=NAME_MAX_LENGTH)
    organisation = models.ForeignKey(
        BuyerOrganisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shortlists",
        help_text=_("Vide : une liste de l'équipe Les Canaux."),
    )
    structures = models.ManyToManyField(Structure, through="ShortlistEntry", related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = ShortlistQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name"), "pk"]
        verbose_name = _("liste de structures")
        verbose_name_plural = _("listes de structures")
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "organisation", nulls_distinct=False, name="shortlists_name_unique_per_owner"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="shortlists_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class ShortlistEntry(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="entries")
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="shortlist_entries")
    note = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("structure d'une liste")
        verbose_name_plural = _("structures d'une liste")
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "structure"], name="shortlists_entry_once_per_list"),
        ]

    def __str__(self):
        return f"{self.shortlist} · {self.structure}"


class TenderInvitation(models.Model):
    """A whole list invited to a tender: its structures hear of it at publication (or now, if already published)."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="shortlist_invitations")
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("invitée le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("liste invitée à un appel d'offres")
        verbose_name_plural = _("listes invitées à des appels d'offres")
        constraints = [
            models.UniqueConstraint(fields=["tender", "shortlist"], name="shortlists_invitation_once"),
        ]

    def __str__(self):
        return f"{self.shortlist} → {self.tender}"
