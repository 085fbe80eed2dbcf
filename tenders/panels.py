"""`/espace/` panels: the buyer's home (what needs doing, open tenders) and, for structure members, their tenders,
groupements and questions (accounts.views.dashboard)."""

from collections import defaultdict

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from structures.models import Structure
from tenders.models import (
    Award,
    BuyerMembership,
    BuyerOrganisation,
    Interest,
    PartnerMessage,
    PartnerSearch,
    Question,
    Tender,
    TenderStatus,
)

PANEL_LIMIT = 10


def my_tenders_panel(request):
    """The tenders the user's structures are interested in (closest deadline first), their partner searches with
    the messages received, and their questions (answered or not). None for a user without a structure."""
    if not request.user.is_authenticated:
        return None
    structures = list(Structure.objects.for_member(request.user).active().only("pk", "name", "slug"))
    if not structures:
        return None
    ids = [structure.pk for structure in structures]
    tender_fields = ("id", "slug", "title", "bid_deadline", "status", "buyer__name")
    interests = list(
        Interest.objects.filter(structure_id__in=ids, answer=Interest.Answer.INTERESTED)
        .exclude(tender__published_at=None)
        .select_related("tender__buyer", "structure")
        .only("pk", "structure__name", "structure__slug", *(f"tender__{f}" for f in tender_fields))
        .order_by("tender__bid_deadline")[:PANEL_LIMIT]
    )
    searches = list(
        PartnerSearch.objects.filter(structure_id__in=ids, is_active=True)
        .exclude(tender__published_at=None)
        .select_related("tender", "structure")
        .only(
            "pk",
            "contribution",
            "structure__name",
            "structure__slug",
            "tender__slug",
            "tender__title",
            "tender__bid_deadline",
            "tender__status",
        )
        .annotate(
            others=Count(
                "tender__partner_searches",
                filter=Q(tender__partner_searches__is_active=True)
                & ~Q(tender__partner_searches__structure_id__in=ids),
            )
        )
        .order_by("tender__bid_deadline")[:PANEL_LIMIT]
    )
    received = list(
        PartnerMessage.objects.filter(recipient_id__in=ids)
        .select_related("tender", "sender", "recipient")
        .only("pk", "created_at", "body", "sender__name", "recipient__name", "tender__slug", "tender__title")
        .order_by("-created_at")[:PANEL_LIMIT]
    )
    questions = list(
        Question.objects.filter(structure_id__in=ids)
        .select_related("tender")
        .only("pk", "text", "answered_at", "created_at", "tender__slug", "tender__title")
        .order_by("-created_at")[:PANEL_LIMIT]
    )
    return {
        "template": "tenders/_panel_my_tenders.html",
        "structures": structures,
        "interests": interests,
        "searches": searches,
        "received_messages": received,
        "questions": questions,
    }


# The buyer's home: what needs doing today, and where each open tender stands ------------------------------------

OPEN_LIMIT = 50
TODO_LIMIT = 10


def _admin(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def buyer_home(organisation_id: int) -> dict:
    """The organisation's to-do and open tenders, in seven queries whatever the number of tenders.

    - one window query: open tenders (up to OPEN_LIMIT, closest deadline first), drafts and closed-not-awarded
      (up to TODO_LIMIT each), with the count per status;
    - four grouped counts over the open tenders: interests by answer and reason, questions answered/open, active
      partner searches, structures matched/emailed (matching's notifications);
    - the oldest unanswered questions; the awards missing achieved figures (with their count).
    """
    from django.apps import apps

    from tenders.services.buyer_notifications import interested_url

    now = timezone.now()
    rows = list(
        Tender.objects.filter(
            buyer_id=organisation_id,
            status__in=[TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.CLOSED],
        )
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("status")], order_by=[F("bid_deadline").asc(), F("pk").asc()]),
            status_total=Window(Count("pk"), partition_by=[F("status")]),
        )
        .filter(Q(status=TenderStatus.PUBLISHED, rank__lte=OPEN_LIMIT) | Q(rank__lte=TODO_LIMIT))
        .only("pk", "title", "slug", "status", "bid_deadline", "questions_deadline", "updated_at")
        .order_by("status", "rank")
    )
    by_status = {status: [t for t in rows if t.status == status] for status in TenderStatus.values}
    totals = {status: (items[0].status_total if items else 0) for status, items in by_status.items()}
    open_tenders = by_status[TenderStatus.PUBLISHED]
    published = Q(tender__buyer_id=organisation_id, tender__status=TenderStatus.PUBLISHED)

    interests = defaultdict(lambda: {"interested": 0, "not_interested": 0, "reasons": defaultdict(int)})
    for row in Interest.objects.filter(published).values("tender_id", "answer", "reason").annotate(n=Count("pk")):
        figures = interests[row["tender_id"]]
        figures[row["answer"]] += row["n"]
        if row["answer"] == Interest.Answer.NOT_INTERESTED:
            figures["reasons"][row["reason"]] += row["n"]
    questions = {
        row["tender_id"]: row
        for row in Question.objects.filter(published)
        .values("tender_id")
        .annotate(
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            unanswered=Count("pk", filter=Q(answered_at__isnull=True)),
        )
    }
    searches = {
        row["tender_id"]: row["n"]
        for row in PartnerSearch.objects.filter(published, is_active=True).values("tender_id").annotate(n=Count("pk"))
    }
    Notification = apps.get_model("matching", "Notification")
    matched = {
        row["tender_id"]: row
        for row in Notification.objects.filter(published, structure__isnull=False)
        .values("tender_id")
        .annotate(
            matched=Count("structure_id", distinct=True),
            emailed=Count("structure_id", distinct=True, filter=Q(status="emailed")),
        )
    }
    reason_labels = dict(Interest.Reason.choices)
    questions_url = "admin:tenders_question_changelist"
    interests_url = "admin:tenders_interest_changelist"
    open_rows = []
    for tender in open_tenders:
        figures = interests.get(tender.pk, {"interested": 0, "not_interested": 0, "reasons": {}})
        q = questions.get(tender.pk, {"answered": 0, "unanswered": 0})
        m = matched.get(tender.pk, {"matched": 0, "emailed": 0})
        change_url = _admin("admin:tenders_tender_change", tender.pk)
        open_rows.append(
            {
                "tender": tender,
                "change_url": change_url,
                "days_left": max(0, (timezone.localdate(tender.bid_deadline) - timezone.localdate(now)).days),
                "matched": m["matched"],
                "emailed": m["emailed"],
                "figures_url": change_url + "#matching-figures",
                "interested": figures["interested"],
                "interested_url": interested_url(tender.pk),
                "not_interested": figures["not_interested"],
                "not_interested_url": _admin(
                    interests_url, tender__id__exact=tender.pk, answer__exact="not_interested"
                ),
                "reasons": [
                    {
                        "label": reason_labels.get(code, code),
                        "count": n,
                        "url": _admin(interests_url, tender__id__exact=tender.pk, reason__exact=code),
                    }
                    for code, n in sorted(figures["reasons"].items(), key=lambda item: -item[1])
                ],
                "answered": q["answered"],
                "answered_url": _admin(questions_url, tender__id__exact=tender.pk, repondu="oui"),
                "unanswered": q["unanswered"],
                "unanswered_url": _admin(questions_url, tender__id__exact=tender.pk, repondu="non"),
                "searches": searches.get(tender.pk, 0),
                "searches_url": reverse("tenders:detail", kwargs={"slug": tender.slug}) + "#groupement",
            }
        )

    unanswered = list(
        Question.objects.filter(published, answered_at__isnull=True)
        .select_related("tender")
        .only("pk", "text", "created_at", "tender__title", "tender__questions_deadline", "tender__bid_deadline")
        .order_by("created_at", "pk")[:TODO_LIMIT]
    )
    for question in unanswered:
        question.deadline = question.tender.questions_deadline or question.tender.bid_deadline
        question.answer_url = _admin("admin:tenders_question_change", question.pk)
        question.deadline_passed = question.deadline <= now
    from charter.selectors import hours_reported  # the charter's own rule for "achieved hours reported"

    awards = list(
        # Active awards only: a replaced one stays as history and is no longer the buyer's to-do (issue 12).
        Award.objects.filter(tender__buyer_id=organisation_id, is_active=True, awarded_on__lte=timezone.localdate(now))
        .exclude(hours_reported())
        .annotate(total=Window(Count("pk")))
        .select_related("tender")
        .only("pk", "awarded_on", "winner_name", "tender__title")
        .order_by("awarded_on", "pk")[:TODO_LIMIT]
    )
    for award in awards:
        award.change_url = _admin("admin:tenders_award_change", award.pk)
    tender_list = "admin:tenders_tender_changelist"
    todo_count = sum(q["unanswered"] for q in questions.values())
    return {
        "unanswered_questions": unanswered,
        "unanswered_count": todo_count,
        "unanswered_url": _admin(questions_url, repondu="non"),
        "drafts": by_status[TenderStatus.DRAFT],
        "drafts_count": totals[TenderStatus.DRAFT],
        "drafts_url": _admin(tender_list, status__exact=TenderStatus.DRAFT),
        "closed": by_status[TenderStatus.CLOSED],
        "closed_count": totals[TenderStatus.CLOSED],
        "closed_url": _admin(tender_list, status__exact=TenderStatus.CLOSED),
        "awards_missing": awards,
        "awards_missing_count": awards[0].total if awards else 0,
        "awards_url": _admin("admin:tenders_award_changelist"),
        "open_tenders": open_rows,
        "open_count": totals[TenderStatus.PUBLISHED],
        "open_url": _admin(tender_list, status__exact=TenderStatus.PUBLISHED),
        "nothing_to_do": not (todo_count or totals[TenderStatus.DRAFT] or totals[TenderStatus.CLOSED] or awards),
        "add_url": _admin("admin:tenders_tender_add"),
        "preferences_url": reverse("tenders:buyer_preferences"),
    }


def buyer_organisation_of(user) -> BuyerOrganisation | None:
    """The organisation `user` buys for (one query), or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    membership = (
        BuyerMembership.objects.filter(user=user)
        .select_related("organisation")
        .only("pk", "organisation__id", "organisation__name")
        .first()
    )
    return membership.organisation if membership else None


def buyer_home_panel(request):
    """`/espace/` for a buyer: their organisation's home, first. None for anyone who does not buy."""
    organisation = buyer_organisation_of(request.user)
    if organisation is None:
        return None
    return {"template": "tenders/buyers/_panel_home.html", "organisation": organisation, **buyer_home(organisation.pk)}
