"""What a structure does with a published tender: say it is interested or not, look for partners, write to them.

Rules shared by every service here:
- only a published tender whose bid deadline has not passed accepts a new answer, a partner search or a first
  message (a draft, a closed, awarded, cancelled or unsuccessful tender refuses with a clear French message,
  `ParticipationRefused`);
- the acting user must belong to the acting structure (views fetch the structure through
  `Structure.objects.for_member(user)`; the services check again, so a command or a task cannot get it wrong).

Groupement messages and email addresses (who learns whose address, and when)
---------------------------------------------------------------------------
A conversation is every `PartnerMessage` between two structures on one tender. Structures are public (the
directory shows their name, city and activity), people's email addresses are not.

1. **First contact** (`partner_message_send`): structure A writes to structure B, both seeking partners on the
   tender. B's administrators (or, without administrators, its members; without members, its public contact
   address) get an email with A's name, A's message and what A can take on, and a link to answer on the
   platform. The email carries **no address of A**: no sender address in the body, no Reply-To (the From is the
   platform's no-reply address). A cannot write again to B on this tender until B answers (no pestering).
2. **B replies** (`partner_message_reply`): replying is B's consent to be reached directly, and A consented when
   it wrote first. So from B's first reply on, the two sides' addresses are exchanged:
   - A's writer gets B's reply by email, with the address of B's replier in the body and as Reply-To;
   - B's replier gets an email with the address of A's writer (the `sender_user` of the message answered);
   - the conversation page shows each message's writer address to the other side.
   Before that, the conversation page shows no address at all.
3. Replies are accepted after the deadline (a groupement being formed may still need to talk); new partner
   searches and first contacts are not.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ess2024.templatetags.french import a
from outbox.services import queue_email
from structures.models import Membership, Structure
from tenders.models import Interest, Lot, PartnerMessage, PartnerSearch, Tender, TenderStatus
from tenders.services.buyer_notifications import notify_new_interest


class ParticipationRefused(ValidationError):
    """The tender, or the state of the conversation, does not allow this action. The message says why, in French."""


def refusal_reason(tender: Tender) -> str | None:
    """Why this tender does not accept answers now (a French sentence), or None when it does."""
    if tender.status == TenderStatus.DRAFT or tender.published_at is None:
        return _("Cet appel d'offres n'est pas publié.")
    if tender.status == TenderStatus.CANCELLED:
        return _("Cet appel d'offres a été annulé : il n'est plus possible d'y répondre.")
    if tender.status in (TenderStatus.AWARDED, TenderStatus.UNSUCCESSFUL):
        return _("Cet appel d'offres est terminé : il n'est plus possible d'y répondre.")
    if tender.status == TenderStatus.CLOSED or tender.bid_deadline <= timezone.now():
        return _("La date limite de cet appel d'offres est passée : il n'est plus possible d'y répondre.")
    return None


def ensure_open(tender: Tender) -> None:
    reason = refusal_reason(tender)
    if reason:
        raise ParticipationRefused(reason, code="tender_not_open")


def ensure_member(*, user, structure: Structure) -> None:
    if user is None or not Membership.objects.filter(user=user, structure=structure).exists():
        raise PermissionDenied("The user does not belong to this structure.")


# Interest ------------------------------------------------------------------------------------------------------


@transaction.atomic
def interest_set(
    *,
    tender: Tender,
    structure: Structure,
    user,
    answer: str,
    reason: str = "",
    reason_detail: str = "",
) -> Interest:
    """Say "interested" or "not interested" (with a reason). Answering again replaces the previous answer.

    The buyer sees these rows (tender's interests) in the admin.
    """
    ensure_member(user=user, structure=structure)
    ensure_open(tender)
    if answer not in Interest.Answer.values:
        raise ValidationError(_("Réponse inconnue."), code="invalid_answer")
    if answer == Interest.Answer.INTERESTED:
        reason, reason_detail = "", ""
    else:
        if not reason:
            raise ValidationError(
                {"reason": _("Indiquez la raison pour laquelle cet appel d'offres ne vous convient pas.")}
            )
        if reason not in Interest.Reason.values:
            raise ValidationError({"reason": _("Choisissez une raison dans la liste.")})
        if reason == Interest.Reason.OTHER and not reason_detail.strip():
            raise ValidationError({"reason_detail": _("Précisez la raison en quelques mots.")})
    interest, _created = Interest.objects.update_or_create(
        tender=tender,
        structure=structure,
        defaults={"answer": answer, "reason": reason, "reason_detail": reason_detail.strip(), "user": user},
    )
    notify_new_interest(interest=interest)  # the buyer's contacts who chose "immediately" (buyer_notifications)
    return interest


@transaction.atomic
def interest_withdraw(*, tender: Tender, structure: Structure, user) -> None:
    """Take back one's answer, whatever it was (the structure has no answer any more)."""
    ensure_member(user=user, structure=structure)
    Interest.objects.filter(tender=tender, structure=structure).delete()


# Partner search (groupement) -------------------------------------------------------------------------------------


@transaction.atomic
def partner_search_start(
    *, tender: Tender, structure: Structure, user, contribution: str, lots: Iterable[Lot] = ()
) -> PartnerSearch:
    """ "Je cherche des partenaires": publish (or update) what the structure can take on, to the other seekers."""
    ensure_member(user=user, structure=structure)
    ensure_open(tender)
    contribution = contribution.strip()
    if not contribution:
        raise ValidationError({"contribution": _("Dites ce que votre structure peut prendre en charge.")})
    lots = list(lots)
    if any(lot.tender_id != tender.pk for lot in lots):
        raise ValidationError({"lots": _("Ces lots n'appartiennent pas à cet appel d'offres.")})
    search, created = PartnerSearch.objects.update_or_create(
        tender=tender,
        structure=structure,
        defaults={"contribution": contribution, "is_active": True},
        create_defaults={"contribution": contribution, "is_active": True, "created_by": user},
    )
    search.lots.set(lots)
    return search


@transaction.atomic
def partner_search_stop(*, tender: Tender, structure: Structure, user) -> None:
    """Stop looking for partners: the structure disappears from the other seekers' list. Messages stay."""
    ensure_member(user=user, structure=structure)
    PartnerSearch.objects.filter(tender=tender, structure=structure).update(is_active=False)


def conversation(*, tender: Tender, first: Structure, second: Structure):
    """Every message between two structures on a tender, oldest first."""
    return (
        PartnerMessage.objects.filter(tender=tender)
        .filter(Q(sender=first, recipient=second) | Q(sender=second, recipient=first))
        .select_related("sender", "recipient", "sender_user")
        .order_by("created_at", "pk")
    )


def addresses_revealed(messages: Iterable[PartnerMessage]) -> bool:
    """True once the structure that received the first message has written back (see the module docstring)."""
    messages = list(messages)
    if not messages:
        return False
    first = messages[0]
    return any(message.sender_id == first.recipient_id for message in messages[1:])


def _recipient_addresses(structure: Structure) -> list[str]:
    """Where to deliver a message to a structure: its administrators, else its members, else its contact address."""
    memberships = Membership.objects.filter(structure=structure, user__is_active=True).select_related("user")
    admins = [m.user.email for m in memberships if m.role == Membership.Role.ADMIN]
    members = [m.user.email for m in memberships]
    addresses = admins or members or ([structure.contact_email] if structure.contact_email else [])
    return sorted(set(addresses))


def _message_url(message: PartnerMessage) -> str:
    return reverse("tenders:conversation", kwargs={"slug": message.tender.slug, "pk": message.pk})


@transaction.atomic
def partner_message_send(
    *, tender: Tender, sender: Structure, user, recipient: Structure, body: str
) -> PartnerMessage:
    """First contact from `sender` to `recipient`, both seeking partners on `tender`. See the module docstring."""
    ensure_member(user=user, structure=sender)
    ensure_open(tender)
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Écrivez votre message.")})
    if sender.pk == recipient.pk:
        raise ParticipationRefused(_("Vous ne pouvez pas vous écrire à vous-même."), code="self")
    seeking = PartnerSearch.objects.filter(tender=tender, is_active=True)
    if not seeking.filter(structure=sender).exists():
        raise ParticipationRefused(
            _("Indiquez d'abord que vous cherchez des partenaires sur cet appel d'offres."), code="not_seeking"
        )
    search = seeking.filter(structure=recipient).first()
    if search is None:
        raise ParticipationRefused(_("Cette structure ne cherche plus de partenaires."), code="recipient_not_seeking")
    previous = list(conversation(tender=tender, first=sender, second=recipient))
    if previous and not any(m.sender_id == recipient.pk for m in previous):
        raise ParticipationRefused(
            _("Vous avez déjà écrit %(a_name)s : vous pourrez lui écrire de nouveau quand elle vous aura répondu.")
            % {"a_name": a(recipient.name)},
            code="awaiting_reply",
        )
    message = PartnerMessage.objects.create(
        tender=tender, sender=sender, sender_user=user, recipient=recipient, body=body
    )
    sender_search = seeking.get(structure=sender)
    for address in _recipient_addresses(recipient):
        queue_email(
            to=address,
            template="tenders/emails/partner_message",
            context={
                "tender": tender,
                "sender_name": sender.name,
                "sender_city": sender.city,
                "sender_contribution": sender_search.contribution,
                "recipient_name": recipient.name,
                "body": body,
                "reply_url": _message_url(message),
            },
            dedupe_key=f"tenders-partner-message-{message.pk}-{address}",
            kind="tender_partner_message",
        )
    return message


@transaction.atomic
def partner_message_reply(*, message: PartnerMessage, structure: Structure, user, body: str) -> PartnerMessage:
    """`structure` (the recipient of `message`) answers it. Exchanges the two sides' addresses (module docstring)."""
    ensure_member(user=user, structure=structure)
    if message.recipient_id != structure.pk:
        raise PermissionDenied("Only the recipient of a message can reply to it.")
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Écrivez votre réponse.")})
    tender = message.tender
    if tender.status == TenderStatus.DRAFT:
        raise ParticipationRefused(_("Cet appel d'offres n'est pas publié."), code="tender_not_open")
    first_reply = not PartnerMessage.objects.filter(
        tender=tender, sender=structure, recipient_id=message.sender_id
    ).exists()
    reply = PartnerMessage.objects.create(
        tender=tender,
        sender=structure,
        sender_user=user,
        recipient_id=message.sender_id,
        body=body,
        in_reply_to=message,
    )
    original_writer = message.sender_user
    to_original = (
        [original_writer.email]
        if original_writer is not None and original_writer.is_active
        else _recipient_addresses(message.sender)
    )
    for address in to_original:
        queue_email(
            to=address,
            template="tenders/emails/partner_reply",
            context={
                "tender": tender,
                "replier_name": structure.name,
                "replier_email": user.email,
                "body": body,
                "conversation_url": _message_url(reply),
            },
            reply_to=user.email,
            dedupe_key=f"tenders-partner-reply-{reply.pk}-{address}",
            kind="tender_partner_reply",
        )
    # On its first reply, the replier learns who wrote to them (the writer's address, or the structure's contact).
    original_address = original_writer.email if original_writer is not None else message.sender.contact_email
    if first_reply and original_address:
        queue_email(
            to=user.email,
            template="tenders/emails/partner_contact",
            context={
                "tender": tender,
                "other_name": message.sender.name,
                "other_email": original_address,
                "conversation_url": _message_url(reply),
            },
            dedupe_key=f"tenders-partner-contact-{reply.pk}",
            kind="tender_partner_contact",
        )
    return reply
