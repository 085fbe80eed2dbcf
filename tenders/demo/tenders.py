"""Creating one planned demo tender: its lots and documents, what structures did with it (interests, questions),
and how it ended (awarded, cancelled, unsuccessful)."""

from __future__ import annotations

import datetime
import random

from django.core.files.base import ContentFile
from django.utils import timezone

from structures.models import Membership
from tenders.models import Award, Interest, Lot, Question, Tender, TenderDocument, TenderStatus
from tenders.services.documents import document_add
from tenders.services.lifecycle import new_tender_slug, tender_award, tender_cancel, tender_mark_unsuccessful
from tenders.validators import validate_cpv

from .awards import _awards
from .pdf import demo_pdf
from .reference import QUESTIONS, REASON_DETAILS


def _spread(start: datetime.datetime, end: datetime.datetime, number: int, count: int) -> datetime.datetime:
    """The `number`-th (from 0) of `count` moments between `start` and `end`: one day apart after `start` when they
    fit, evenly spread otherwise."""
    return min(start + datetime.timedelta(days=number + 1), start + (end - start) * (number + 1) / (count + 1))


def _structures_sample(rng: random.Random, structure_ids: list[int], count: int) -> list[int]:
    return rng.sample(structure_ids, min(count, len(structure_ids)))


def _create_tender(plan: dict, organisation, buyer_user, topics, areas, structure_ids, now) -> Tender:
    rng: random.Random = plan["rng"]
    dates = plan["dates"]
    status = plan["status"]
    # Past tenders are created closed (they were published then), then moved on through the services.
    initial_status = {
        TenderStatus.AWARDED: TenderStatus.CLOSED,
        TenderStatus.UNSUCCESSFUL: TenderStatus.CLOSED,
        TenderStatus.CANCELLED: TenderStatus.PUBLISHED,
    }.get(status, status)
    for code in plan["cpv"]:
        validate_cpv(code)
    tender = Tender.objects.create(
        buyer=organisation,
        reference=plan["reference"],
        title=plan["title"],
        slug=new_tender_slug(plan["title"], plan["reference"]),
        description=plan["description"],
        cpv_codes=plan["cpv"],
        estimated_value=plan["value"],
        procedure=plan["procedure"],
        published_at=dates["published_at"],
        questions_deadline=dates["questions_deadline"],
        bid_deadline=dates["bid_deadline"],
        official_url=plan["official_url"],
        contact_name=plan["contact"][0],
        contact_email=plan["contact"][1],
        status=initial_status,
        status_changed_at=dates["published_at"] or dates["created_at"],
        created_by=buyer_user,
    )
    tender.topics.set([topics[i] for i in plan["topic_indexes"]])
    tender.places.set([areas[code] for code in plan["places"] if code in areas])
    lots = [
        Lot.objects.create(
            tender=tender,
            number=lot["number"],
            title=lot["title"][:250],
            topic=topics[lot["topic_index"]],
            estimated_value=lot["estimated_value"],
            reserved=lot["reserved"],
            insertion_hours=lot["insertion_hours"],
        )
        for lot in plan["lots"]
    ]
    for title in plan["documents"]:
        document_add(
            tender=tender,
            file=ContentFile(demo_pdf(title, plan["reference"]), name=f"{title} - {plan['reference']}.pdf"),
            title=title,
            by=buyer_user,
        )

    # What structures did with it.
    # Answers and questions come between the publication and the deadlines, never after "now".
    published = dates["published_at"] or now
    picked = _structures_sample(rng, structure_ids, plan["interest_count"] + plan["question_count"])
    interested: list[int] = []
    interests = []
    for structure_id in picked[: plan["interest_count"]]:
        if rng.random() < 0.65:
            interest = Interest(tender=tender, structure_id=structure_id, answer=Interest.Answer.INTERESTED)
            interested.append(structure_id)
        else:
            reason = rng.choice(list(REASON_DETAILS))
            interest = Interest(
                tender=tender,
                structure_id=structure_id,
                answer=Interest.Answer.NOT_INTERESTED,
                reason=reason,
                reason_detail=REASON_DETAILS[reason] or "Nous répondrons à la prochaine consultation.",
            )
        interests.append(interest)
    if interests:
        Interest.objects.bulk_create(interests)
        answers_until = min(now, dates["bid_deadline"])
        for number, interest in enumerate(interests):
            interest.created_at = interest.updated_at = _spread(published, answers_until, number, len(interests))
        Interest.objects.bulk_update(interests, ["created_at", "updated_at"])
    askers = picked[plan["interest_count"] :] or interested[:1]
    askers = askers[: plan["question_count"]]
    for number, (structure_id, (text, answer)) in enumerate(
        zip(askers, rng.sample(QUESTIONS, len(askers)), strict=True)
    ):
        asker = Membership.objects.filter(structure_id=structure_id).order_by("pk").values_list("user_id", flat=True)
        answered = status != TenderStatus.PUBLISHED or rng.random() < 0.6
        asked_at = _spread(published, min(now, dates["questions_deadline"]), number, len(askers))
        question = Question.objects.create(
            tender=tender,
            structure_id=structure_id,
            asked_by_id=asker.first(),
            text=text,
            answer=answer if answered else "",
            answered_by=buyer_user if answered else None,
            answered_at=asked_at + min(datetime.timedelta(days=2), (now - asked_at) / 2) if answered else None,
        )
        Question.objects.filter(pk=question.pk).update(created_at=asked_at)

    # How it ended. The services stamp "now"; the dates are put back in the tender's own past just after.
    ended_at = dates["closed_at"]
    if status == TenderStatus.AWARDED:
        awards = tender_award(tender=tender, by=buyer_user, awards=_awards(rng, tender, lots, interested, dates, now))
        # Awarded (the status change) on the award date, which is when the award was recorded too.
        awarded_on = max(award.awarded_on for award in awards)
        ended_at = min(now, timezone.make_aware(datetime.datetime.combine(awarded_on, datetime.time(17, 0))))
        Award.objects.filter(tender=tender).update(created_at=ended_at)
    elif status == TenderStatus.CANCELLED:
        tender_cancel(
            tender=tender,
            by=buyer_user,
            reason="Le besoin a été regroupé avec une autre consultation ; un nouvel avis sera publié.",
        )
    elif status == TenderStatus.UNSUCCESSFUL:
        tender_mark_unsuccessful(tender=tender, by=buyer_user)
    if status in (TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL):
        ended_at = dates["bid_deadline"] + datetime.timedelta(days=rng.randint(10, 40))
    last_change = ended_at or dates["published_at"] or dates["created_at"]
    Tender.objects.filter(pk=tender.pk).update(
        created_at=dates["created_at"], updated_at=last_change, status_changed_at=last_change
    )
    TenderDocument.objects.filter(tender=tender).update(uploaded_at=dates["created_at"])
    return tender
