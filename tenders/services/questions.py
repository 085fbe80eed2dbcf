"""Questions and answers on a tender.

A structure asks before the questions deadline (or, without one, before the bid deadline). The buyer answers in
the admin (`question_answer`); the answer is then published on the tender page for everyone, without the asking
structure's name, and the person who asked gets an email (once, even if the answer is later corrected).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from outbox.services import queue_email
from structures.models import Membership, Structure
from tenders.models import Question, Tender
from tenders.perms import can_manage_tender
from tenders.services.buyer_notifications import notify_new_question
from tenders.services.participation import ParticipationRefused, ensure_member, refusal_reason

QUESTION_MAX_LENGTH = 4000


def questions_deadline(tender: Tender):
    """When questions stop being accepted: the questions deadline, or the bid deadline when there is none."""
    return tender.questions_deadline or tender.bid_deadline


def questions_refusal_reason(tender: Tender) -> str | None:
    """Why this tender does not take questions now (a French sentence), or None when it does."""
    reason = refusal_reason(tender)
    if reason:
        return reason
    deadline = questions_deadline(tender)
    if deadline <= timezone.now():
        when = date_format(timezone.localtime(deadline), "DATETIME_FORMAT")
        return _(
            "La date limite pour poser des questions est passée (%(when)s) : l'acheteur ne reçoit plus de "
            "questions sur cet appel d'offres. Les réponses déjà publiées restent consultables."
        ) % {"when": when}
    return None


@transaction.atomic
def question_ask(*, tender: Tender, structure: Structure, user, text: str) -> Question:
    """Ask the buyer a question. Other structures never see who asked."""
    ensure_member(user=user, structure=structure)
    reason = questions_refusal_reason(tender)
    if reason:
        raise ParticipationRefused(reason, code="questions_closed")
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Écrivez votre question.")})
    if len(text) > QUESTION_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Votre question est trop longue (%(max)s caractères au plus).") % {"max": QUESTION_MAX_LENGTH}}
        )
    question = Question.objects.create(tender=tender, structure=structure, asked_by=user, text=text)
    notify_new_question(question=question)  # the buyer's contacts, per their preferences (buyer_notifications)
    return question


def _asker_addresses(question: Question) -> list[str]:
    if question.asked_by is not None and question.asked_by.is_active:
        return [question.asked_by.email]
    admins = Membership.objects.filter(
        structure_id=question.structure_id, role=Membership.Role.ADMIN, user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted(set(admins))


@transaction.atomic
def question_answer(*, question: Question, answer: str, by) -> Question:
    """The buyer answers (or corrects its answer). Publishes it on the tender page; emails the asker once.

    `by` must be a member of the tender's buyer organisation, or platform staff.
    """
    tender = question.tender
    if not can_manage_tender(by, tender):
        raise PermissionDenied("Only the tender's buyer answers its questions.")
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Écrivez la réponse.")})
    question = Question.objects.select_for_update(of=("self",)).get(pk=question.pk)
    first_answer = question.answered_at is None
    question.answer = answer
    question.answered_by = by
    if first_answer:
        question.answered_at = timezone.now()
    question.save(update_fields=["answer", "answered_by", "answered_at"])
    if first_answer:
        url = reverse("tenders:detail", kwargs={"slug": tender.slug}) + f"#question-{question.pk}"
        for address in _asker_addresses(question):
            queue_email(
                to=address,
                template="tenders/emails/question_answered",
                context={"tender": tender, "question_text": question.text, "answer": answer, "url": url},
                dedupe_key=f"tenders-question-answered-{question.pk}-{address}",
                kind="tender_question_answered",
            )
    return question
