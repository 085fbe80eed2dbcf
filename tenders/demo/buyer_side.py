"""What the demo buyer's side shows: an amendment, a pending buyer access request, an unanswered question."""

from __future__ import annotations

import datetime

from accounts.models import User
from tenders.models import Interest, Question, Tender

from .buyers import _siret
from .reference import DEMO_BUYER


def _demo_amendment(now: datetime.datetime) -> None:
    """One "rectificatif" on an open tender of the demo buyer that structures said they are interested in: its bid
    deadline pushed back a week, with the buyer's note (no email: demo data, not a buyer's action). Idempotent."""
    from tenders.models import TenderAmendment
    from tenders.services.amendments import amendable_state, diff_states

    buyer = User.objects.filter(email=DEMO_BUYER).first()
    if buyer is None or TenderAmendment.objects.filter(tender__buyer__memberships__user=buyer).exists():
        return
    tender = (
        Tender.objects.open()
        .filter(buyer__memberships__user=buyer, interests__answer=Interest.Answer.INTERESTED)
        .order_by("bid_deadline", "pk")
        .first()
    )
    if tender is None:
        return
    before = amendable_state(tender)
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=tender.bid_deadline + datetime.timedelta(days=7), updated_at=now
    )
    TenderAmendment.objects.create(
        tender=tender,
        by=buyer,
        created_at=now - datetime.timedelta(days=1),
        note="La date limite est repoussée d'une semaine pour laisser le temps de constituer des groupements.",
        changes=diff_states(before, amendable_state(tender)),
    )


DEMO_ACCESS_REQUEST_EMAIL = "achats@ville-saint-ouen.demo.ess2024.fr"


def _demo_buyer_side(now: datetime.datetime, structure_ids: list[int]) -> None:
    """The buyer's home has something to show (issue 9): a pending "Demander un accès acheteur" request for staff,
    and on the demo buyer's first open tender an unanswered question asked yesterday. Idempotent."""
    from tenders.models import BuyerAccessRequest

    if not BuyerAccessRequest.objects.filter(email=DEMO_ACCESS_REQUEST_EMAIL).exists():
        request = BuyerAccessRequest.objects.create(
            organisation_name="Ville de Saint-Ouen-sur-Seine",
            siret=_siret(9001),
            full_name="Claire Martin",
            role="Responsable de la commande publique",
            email=DEMO_ACCESS_REQUEST_EMAIL,
            charter_signatory=True,
            message="Nous préparons trois marchés de restauration et d'entretien pour les sites des Jeux.",
        )
        BuyerAccessRequest.objects.filter(pk=request.pk).update(created_at=now - datetime.timedelta(days=2))
    tender = Tender.objects.open().filter(buyer__memberships__user__email=DEMO_BUYER).order_by("bid_deadline").first()
    if tender is None or not structure_ids:
        return
    text = "Les repas des équipes de nuit sont-ils compris dans le volume annoncé ?"
    if not Question.objects.filter(tender=tender, text=text).exists():
        question = Question.objects.create(tender=tender, structure_id=structure_ids[0], text=text)
        Question.objects.filter(pk=question.pk).update(created_at=now - datetime.timedelta(days=1))
