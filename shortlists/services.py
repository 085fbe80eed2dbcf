"""Writes on shortlists: create, rename, delete a list; add, annotate, remove a structure; invite a list to a tender.

Each service checks its rule and raises `ShortlistError` (a French message for the user) without changing anything.
Views fetch the list through `Shortlist.objects.for_user(user)` first, so another organisation's list never gets
here. Inviting a list to a tender that is already published notifies its structures now: the notifications are
written here (matching.delivery) and their emails queued on commit through matching's own task.
"""

from __future__ import annotations

from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shortlists.models import NAME_MAX_LENGTH, NOTE_MAX_LENGTH, Shortlist, ShortlistEntry, TenderInvitation
from structures.models import Structure
from structures.visibility import directory_structures
from tenders.models import Tender, TenderStatus
from tenders.perms import buyer_organisation_id, is_platform_staff


class ShortlistError(Exception):
    """A refused write, with the French message to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ShortlistError(_("Donnez un nom à la liste."))
    if len(name) > NAME_MAX_LENGTH:
        raise ShortlistError(
            _("Le nom de la liste doit faire au plus %(max)s caractères (il en fait %(n)s).")
            % {"max": NAME_MAX_LENGTH, "n": len(name)}
        )
    return name


def _owner_organisation_id(user) -> int | None:
    """The organisation a new list of `user` belongs to (None: a staff list). Refuses anyone else."""
    if is_platform_staff(user):
        return None
    organisation_id = buyer_organisation_id(user)
    if organisation_id is None:
        raise ShortlistError(_("Les listes de structures sont réservées aux acheteurs et à l'équipe Les Canaux."))
    return organisation_id


def _name_taken(organisation_id: int | None, name: str, *, exclude: int | None = None) -> bool:
    lists = Shortlist.objects.filter(organisation_id=organisation_id, name__iexact=name)
    if exclude is not None:
        lists = lists.exclude(pk=exclude)
    return lists.exists()


def _taken_message(name: str) -> str:
    return _("Une liste « %(name)s » existe déjà : choisissez un autre nom.") % {"name": name}


@transaction.atomic
def shortlist_create(*, by, name: str) -> Shortlist:
    organisation_id = _owner_organisation_id(by)
    name = _clean_name(name)
    if _name_taken(organisation_id, name):
        raise ShortlistError(_taken_message(name))
    try:
        with transaction.atomic():
            return Shortlist.objects.create(name=name, organisation_id=organisation_id, created_by=by)
    except IntegrityError as error:  # the same name created at the same moment by a colleague
        raise ShortlistError(_taken_message(name)) from error


@transaction.atomic
def shortlist_rename(*, shortlist: Shortlist, name: str, by) -> Shortlist:
    name = _clean_name(name)
    if _name_taken(shortlist.organisation_id, name, exclude=shortlist.pk):
        raise ShortlistError(_taken_message(name))
    shortlist.name = name
    try:
        with transaction.atomic():
            shortlist.save(update_fields=["name", "updated_at"])
    except IntegrityError as error:
        raise ShortlistError(_taken_message(name)) from error
    return shortlist


@transaction.atomic
def shortlist_delete(*, shortlist: Shortlist, by) -> None:
    shortlist.delete()


@transaction.atomic
def entry_add(*, shortlist: Shortlist, structure: Structure, by, note: str = "") -> tuple[ShortlistEntry, bool]:
    """Put a structure in a list (once). Only the directory's structures: verified and not archived."""
    if not directory_structures().filter(pk=structure.pk).exists():
        raise ShortlistError(
            _("Seules les structures vérifiées et présentes dans l'annuaire peuvent être ajoutées à une liste.")
        )
    entry, created = ShortlistEntry.objects.get_or_create(
        shortlist=shortlist, structure=structure, defaults={"added_by": by, "note": _clean_note(note)}
    )
    if created:
        Shortlist.objects.filter(pk=shortlist.pk).update(updated_at=timezone.now())
    return entry, created


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ShortlistError(
            _("La note doit faire au plus %(max)s caractères (elle en fait %(n)s).")
            % {"max": NOTE_MAX_LENGTH, "n": len(note)}
        )
    return note


@transaction.atomic
def entry_set_note(*, entry: ShortlistEntry, note: str, by) -> ShortlistEntry:
    entry.note = _clean_note(note)
    entry.save(update_fields=["note"])
    return entry


@transaction.atomic
def entry_remove(*, entry: ShortlistEntry, by) -> None:
    entry.delete()


# --------------------------------------------------------------------------------------------------------------
# Inviting a list to a tender


def invitable_tenders(user) -> QuerySet[Tender]:
    """The tenders `user` may invite a list to: their organisation's drafts, and published ones still open."""
    return (
        Tender.objects.for_buyer(user)
        .filter(Q(status=TenderStatus.DRAFT) | Q(status=TenderStatus.PUBLISHED, bid_deadline__gt=timezone.now()))
        .order_by("-created_at", "-pk")
    )


@transaction.atomic
def shortlist_invite(*, shortlist: Shortlist, tender: Tender, by) -> tuple[TenderInvitation, int]:
    """Invite the list's structures to the tender. -> (invitation, people notified now).

    A draft: they will hear of it at publication (matching.delivery.dispatch_tender). Published: if its dispatch
    already ran, their notifications are written now and the immediate ones emailed through matching's task; if it
    has not run yet, it will include this list (it takes the same lock).
    """
    from matching import delivery
    from matching.models import Notification, TenderDispatch
    from matching.tasks import fan_out

    if not invitable_tenders(by).filter(pk=tender.pk).exists():
        raise ShortlistError(
            _("Choisissez un appel d'offres de votre organisation en brouillon ou publié et encore ouvert.")
        )
    if not shortlist.entries.exists():
        raise ShortlistError(_("Cette liste est vide : ajoutez-y des structures avant de l'inviter."))
    invitation, created = TenderInvitation.objects.get_or_create(
        tender=tender, shortlist=shortlist, defaults={"invited_by": by}
    )
    if not created:
        raise ShortlistError(
            _("Cette liste est déjà invitée à l'appel d'offres « %(title)s ».") % {"title": tender.title}
        )
    if tender.status != TenderStatus.PUBLISHED:
        return invitation, 0
    dispatch, _created = TenderDispatch.objects.get_or_create(tender=tender)
    dispatch = TenderDispatch.objects.select_for_update().get(pk=dispatch.pk)  # the lock dispatch_tender takes
    if dispatch.finished_at is None:
        return invitation, 0
    written = delivery.write_invitation_notifications(tender)
    if written:
        pending = Notification.objects.pending().immediate().filter(tender=tender)
        ids = list(pending.order_by("pk").values_list("pk", flat=True))
        transaction.on_commit(partial(fan_out, ids), robust=True)
    return invitation, written
