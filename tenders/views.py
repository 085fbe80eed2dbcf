"""Public tender pages: the list with its filters, a tender's page, and what structures do there.

Writes go through tenders/services/ (participation, questions); a view checks access, binds a form, calls one
service, adds a message and redirects. A signed-in user acts for one of their structures: the first by name, or
the one chosen with `?structure=<slug>` (the POST forms carry it as a hidden field).
"""

import functools
import os
import re
import unicodedata

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.templatetags.ess_ui import active_filter_chips
from ess2024 import fragment_cache
from ess2024.templatetags.french import a
from matching.services import match_for
from structures.models import Area, Structure, Topic
from structures.search import names_array
from tenders import ocds
from tenders.filters import STATUS_OPEN, TenderFilter
from tenders.forms import InterestForm, PartnerMessageForm, PartnerSearchForm, QuestionForm, ReplyForm
from tenders.models import (
    Interest,
    Lot,
    PartnerMessage,
    PartnerSearch,
    Question,
    Tender,
    TenderAmendment,
    TenderDocument,
)
from tenders.services import participation, questions

PAGE_SIZE = 20
OCDS_PAGE_SIZE = 500

# Document types the buyer side accepts; anything else is served as opaque bytes.
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}


# Acting structure --------------------------------------------------------------------------------------------------


def member_structures(request) -> list[Structure]:
    if not request.user.is_authenticated:
        return []
    return list(Structure.objects.for_member(request.user).active().order_by("name"))


def acting_structure(request, structures: list[Structure]) -> Structure | None:
    chosen = request.POST.get("structure") or request.GET.get("structure")
    for structure in structures:
        if structure.slug == chosen:
            return structure
    return structures[0] if structures else None


def _structure_or_404(request) -> Structure:
    structure = acting_structure(request, member_structures(request))
    if structure is None:
        raise Http404("No structure")
    return structure


def _detail_url(tender: Tender, structure: Structure | None, anchor: str = "") -> str:
    url = reverse("tenders:detail", kwargs={"slug": tender.slug})
    if structure is not None and structure.slug:
        url += "?" + urlencode({"structure": structure.slug})
    return url + (f"#{anchor}" if anchor else "")


# List ----------------------------------------------------------------------------------------------------------------


def list_queryset():
    """What a card needs, in one query whatever the page size: the topics' and places' names in the active
    language come as arrays (`topic_names`, `place_names`), the lots as `lot_count` and `has_reserved_lot`."""
    return (
        Tender.objects.published()
        .select_related("buyer")
        .defer("search_vector", "cancellation_reason", "contact_name", "contact_email", "official_url")
        .annotate(
            has_reserved_lot=Exists(Lot.objects.filter(tender=OuterRef("pk")).exclude(reserved="")),
            lot_count=Coalesce(
                Subquery(
                    Lot.objects.filter(tender=OuterRef("pk"))
                    .order_by()
                    .values("tender")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            topic_names=names_array(Topic.objects.filter(tenders=OuterRef("pk")).order_by("position", "name")),
            place_names=names_array(Area.objects.filter(tenders=OuterRef("pk")).order_by("position", "code")),
        )
    )


def filter_chips(filterset, query: QueryDict) -> list[dict]:
    """The removable chips of the filters in use, leaving out the defaults (status "open") and the sort order,
    which is kept when a chip is removed."""
    shown = query.copy()
    if shown.get("status") == STATUS_OPEN:
        shown.pop("status")
    sort = shown.pop("sort", None)
    chips = active_filter_chips(filterset, shown)
    if sort:
        for chip in chips:
            params = QueryDict(chip["remove_url"].lstrip("?"), mutable=True)
            params.setlist("sort", sort)
            chip["remove_url"] = "?" + params.urlencode()
    return chips


def next_deadline():
    """The next bid deadline of a published tender: when it passes, the "open" and "closed" lists change. Cached
    while the tenders are the same (one query per deadline passed or tender written)."""

    def compute() -> dict:
        moment = (
            Tender.objects.published().filter(bid_deadline__gt=timezone.now()).aggregate(m=Min("bid_deadline"))["m"]
        )
        return {"value": moment, "valid_until": moment}

    return fragment_cache.get_or_render("tenders.next_deadline", scopes=[fragment_cache.TENDERS], render=compute)[
        "value"
    ]


def _list_context(request, structure: Structure | None) -> dict:
    filterset = TenderFilter(request.GET, queryset=list_queryset(), structure=structure)
    fragment_cache.load_references(filterset.form)  # topics, places and buyers in one query
    queryset = filterset.qs
    # The count and the next deadline of a published tender (when the "open" and "closed" lists change) in one query.
    upcoming = Tender.objects.published().filter(bid_deadline__gt=timezone.now()).order_by("bid_deadline")
    figures = queryset.aggregate(count=Count("pk"), next_deadline=Min(Subquery(upcoming.values("bid_deadline")[:1])))
    paginator = Paginator(queryset, PAGE_SIZE)
    paginator.count = figures["count"]
    page_obj = paginator.get_page(request.GET.get("page"))
    return {
        "next_deadline": figures["next_deadline"] if figures["count"] else next_deadline(),
        "filter": filterset,
        "chips": filter_chips(filterset, request.GET),
        "form": filterset.form,
        "page_obj": page_obj,
        "tenders": page_obj.object_list,
        "filters_in_use": any(key not in ("page", "sort") and value for key, value in request.GET.items()),
    }


def _list_parts(request, structure: Structure | None) -> dict:
    """The filter panel, the search box and the results as HTML, for the cache (nothing about the visitor but the
    acting structure, which is part of the key)."""
    context = _list_context(request, structure)
    paginator = context["page_obj"].paginator
    parts = {
        name: fragment_cache.render_fragment(f"tenders/list.html#{name}", context, request)
        for name in ("filter_panel", "search", "results")
    }
    parts["count"] = paginator.count
    # A deadline window ("in the next 7 days") slides with the clock: such a list is not kept.
    parts["valid_until"] = timezone.now() if request.GET.get("deadline") else context["next_deadline"]
    return parts


@require_GET
def index(request):
    """`/appels-d-offres/`: the panel and the results come from the cache (ess2024/fragment_cache.py) while no
    tender, topic, area or buyer changed; the rest of the page (header, "Suivre cette recherche") is the visitor's."""
    structures = member_structures(request)
    structure = acting_structure(request, structures)
    parts = fragment_cache.get_or_render(
        "tenders.list",
        scopes=[fragment_cache.TENDERS, fragment_cache.REFERENCE],
        query=request.GET,
        extra=[structure.pk if structure is not None else None],
        render=lambda: _list_parts(request, structure),
    )
    query = request.GET.copy()
    query.pop("page", None)
    querystring = query.urlencode()
    context = {
        "parts": parts,
        "structure": structure,
        "feed_url": reverse("tenders:feed") + (f"?{querystring}" if querystring else ""),
    }
    # The list's filterset, form, chips and page stay in the context for the code that reads it (tests), computed
    # only when read: the page itself uses the cached parts.
    list_context = functools.cache(lambda: _list_context(request, structure))
    for key in ("filter", "form", "chips", "page_obj"):
        context[key] = SimpleLazyObject(lambda key=key: list_context()[key])
    return render(request, "tenders/list.html", context)


# Tender page -----------------------------------------------------------------------------------------------------


def _published_tender(slug: str) -> Tender:
    queryset = (
        Tender.objects.published()
        .select_related("buyer")
        .defer("search_vector")
        .prefetch_related(
            Prefetch("topics", queryset=Topic.objects.only("pk", "name", "name_en", "slug")),
            Prefetch("places", queryset=Area.objects.only("pk", "code", "name", "name_en")),
            Prefetch("lots", queryset=Lot.objects.select_related("topic").order_by("number")),
            Prefetch("documents", queryset=TenderDocument.objects.order_by("title", "pk")),
        )
    )
    return get_object_or_404(queryset, slug=slug)


def _conversations(tender: Tender, structure: Structure) -> list[dict]:
    """The structure's groupement conversations on this tender, one per other structure, latest first."""
    messages_ = (
        PartnerMessage.objects.filter(tender=tender)
        .filter(Q(sender=structure) | Q(recipient=structure))
        .select_related("sender", "recipient")
        .order_by("created_at", "pk")
    )
    by_other: dict[int, dict] = {}
    for message in messages_:
        other = message.recipient if message.sender_id == structure.pk else message.sender
        entry = by_other.setdefault(other.pk, {"other": other, "messages": []})
        entry["messages"].append(message)
    result = []
    for entry in by_other.values():
        last = entry["messages"][-1]
        entry.update(last=last, awaiting_us=last.recipient_id == structure.pk, count=len(entry["messages"]))
        result.append(entry)
    return sorted(result, key=lambda entry: entry["last"].created_at, reverse=True)


def _render_detail(request, tender: Tender, *, status: int = 200, **forms):
    structures = member_structures(request)
    structure = acting_structure(request, structures)
    context = {
        "tender": tender,
        "preview": False,
        "answered_questions": list(
            Question.objects.filter(tender=tender)
            .exclude(answered_at=None)
            .only("pk", "tender_id", "text", "answer", "answered_at")
            .order_by("answered_at", "pk")
        ),
        "structures": structures,
        "structure": structure,
        "refusal": participation.refusal_reason(tender),
        "questions_refusal": questions.questions_refusal_reason(tender),
        "questions_deadline": questions.questions_deadline(tender),
        "amendments": list(TenderAmendment.objects.filter(tender=tender).only("pk", "created_at", "note", "changes")),
    }
    if structure is not None:
        interest = Interest.objects.filter(tender=tender, structure=structure).first()
        search = PartnerSearch.objects.filter(tender=tender, structure=structure).prefetch_related("lots").first()
        others = []
        if search is not None and search.is_active:
            others = list(
                PartnerSearch.objects.filter(tender=tender, is_active=True)
                .exclude(structure=structure)
                .select_related("structure")
                .prefetch_related(Prefetch("lots", queryset=Lot.objects.order_by("number")))
                .order_by("created_at")
            )
        conversations = _conversations(tender, structure)
        talked_to = {entry["other"].pk: entry for entry in conversations}
        for other in others:
            other.conversation = talked_to.get(other.structure_id)
        not_interested_form = forms.get("interest_form") or InterestForm(
            initial={
                "answer": Interest.Answer.NOT_INTERESTED,
                "reason": interest.reason if interest else "",
                "reason_detail": interest.reason_detail if interest else "",
            }
        )
        context.update(
            interest=interest,
            partner_search=search,
            other_searches=others,
            conversations=conversations,
            my_questions=list(Question.objects.filter(tender=tender, structure=structure).order_by("created_at")),
            match=match_for(tender=tender, structure=structure),
            interest_form=not_interested_form,
            partner_form=forms.get("partner_form")
            or PartnerSearchForm(
                tender=tender,
                initial={"contribution": search.contribution, "lots": list(search.lots.all())} if search else None,
            ),
            message_form=forms.get("message_form") or PartnerMessageForm(),
            message_recipient=forms.get("message_recipient"),
            question_form=forms.get("question_form") or QuestionForm(),
        )
    return render(request, "tenders/detail.html", context, status=status)


@require_GET
def detail(request, slug):
    return _render_detail(request, _published_tender(slug))


@require_GET
def document(request, slug, pk):
    """A document of a published tender, always as an attachment, under a safe file name."""
    tender = get_object_or_404(Tender.objects.published().only("pk", "slug"), slug=slug)
    doc = get_object_or_404(TenderDocument.objects.filter(tender=tender), pk=pk)
    filename = safe_filename(doc.original_name or os.path.basename(doc.file.name), fallback=doc.title)
    try:
        handle = doc.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("Missing file") from error
    content_type = DOCUMENT_TYPES.get(os.path.splitext(filename)[1].lower(), "application/octet-stream")
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def safe_filename(name: str, *, fallback: str = "document", max_length: int = 120) -> str:
    """A file name safe to offer for download: no path, no control characters, no quotes, a sane length.

    The buyer side already stores a sanitised `original_name`; this is the second lock, at the door.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = re.sub(r'[<>:"|?*;,%]+', "_", name)
    name = re.sub(r"\s+", " ", name).strip()
    stem, ext = os.path.splitext(name)
    if not ext and stem.startswith("."):
        stem, ext = "", stem
    ext = re.sub(r"[^\w.]", "", ext)[:10]
    stem = stem.strip(" .")
    if not stem:
        stem = re.sub(r"[^\w\- ]+", "", fallback or "").strip() or "document"
    return stem[: max(1, max_length - len(ext))] + ext


# Structure actions -------------------------------------------------------------------------------------------------


def _refused(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@login_required
@require_POST
def interest(request, slug):
    tender = _published_tender(slug)
    structure = _structure_or_404(request)
    if request.POST.get("withdraw"):
        participation.interest_withdraw(tender=tender, structure=structure, user=request.user)
        messages.success(request, _("Votre réponse a été retirée."))
        return redirect(_detail_url(tender, structure, "votre-reponse"))
    form = InterestForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, tender, interest_form=form, status=400)
    try:
        participation.interest_set(
            tender=tender,
            structure=structure,
            user=request.user,
            answer=form.cleaned_data["answer"],
            reason=form.cleaned_data["reason"],
            reason_detail=form.cleaned_data["reason_detail"],
        )
    except participation.ParticipationRefused as error:
        _refused(request, error)
    else:
        if form.cleaned_data["answer"] == Interest.Answer.INTERESTED:
            messages.success(request, _("C'est noté : l'acheteur sait que votre structure est intéressée."))
        else:
            messages.success(request, _("C'est noté : merci, votre raison aide l'acheteur."))
    return redirect(_detail_url(tender, structure, "votre-reponse"))


@login_required
@require_POST
def partners(request, slug):
    tender = _published_tender(slug)
    structure = _structure_or_404(request)
    if request.POST.get("stop"):
        participation.partner_search_stop(tender=tender, structure=structure, user=request.user)
        messages.success(request, _("Vous ne figurez plus parmi les structures qui cherchent des partenaires."))
        return redirect(_detail_url(tender, structure, "groupement"))
    form = PartnerSearchForm(request.POST, tender=tender)
    if not form.is_valid():
        return _render_detail(request, tender, partner_form=form, status=400)
    try:
        participation.partner_search_start(
            tender=tender,
            structure=structure,
            user=request.user,
            contribution=form.cleaned_data["contribution"],
            lots=form.cleaned_data.get("lots") or [],
        )
    except participation.ParticipationRefused as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("C'est noté : les autres structures qui cherchent des partenaires peuvent vous écrire.")
        )
    return redirect(_detail_url(tender, structure, "groupement"))


@login_required
@require_POST
def partner_message(request, slug, structure_slug):
    tender = _published_tender(slug)
    structure = _structure_or_404(request)
    search = get_object_or_404(
        PartnerSearch.objects.filter(tender=tender, is_active=True)
        .exclude(structure=structure)
        .select_related("structure"),
        structure__slug=structure_slug,
    )
    form = PartnerMessageForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, tender, message_form=form, message_recipient=search.structure_id, status=400)
    try:
        participation.partner_message_send(
            tender=tender,
            sender=structure,
            user=request.user,
            recipient=search.structure,
            body=form.cleaned_data["body"],
        )
    except participation.ParticipationRefused as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Votre message a été envoyé %(a_name)s. Vous recevrez sa réponse par e-mail.")
            % {"a_name": a(search.structure.name)},
        )
    return redirect(_detail_url(tender, structure, "groupement"))


@login_required
def conversation(request, slug, pk):
    """A groupement conversation, seen by either side. Addresses are shown once the recipient has replied."""
    tender = _published_tender(slug)
    structures = member_structures(request)
    mine = {s.pk: s for s in structures}
    message = get_object_or_404(
        PartnerMessage.objects.filter(tender=tender).filter(Q(sender_id__in=mine) | Q(recipient_id__in=mine)),
        pk=pk,
    )
    # The side the user is on (if on both, the recipient's: they are the one who can answer).
    structure = mine.get(message.recipient_id) or mine[message.sender_id]
    other_id = message.sender_id if structure.pk == message.recipient_id else message.recipient_id
    other = get_object_or_404(Structure, pk=other_id)
    thread = list(participation.conversation(tender=tender, first=structure, second=other))
    last_received = next((m for m in reversed(thread) if m.recipient_id == structure.pk), None)
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if last_received is None:
            raise Http404("Nothing to reply to")
        if form.is_valid():
            try:
                reply = participation.partner_message_reply(
                    message=last_received, structure=structure, user=request.user, body=form.cleaned_data["body"]
                )
            except participation.ParticipationRefused as error:
                _refused(request, error)
            else:
                messages.success(
                    request,
                    _("Votre réponse a été envoyée %(a_name)s, avec votre adresse e-mail.")
                    % {"a_name": a(other.name)},
                )
                return redirect("tenders:conversation", slug=tender.slug, pk=reply.pk)
    return render(
        request,
        "tenders/conversation.html",
        {
            "tender": tender,
            "structure": structure,
            "other": other,
            "thread": thread,
            "revealed": participation.addresses_revealed(thread),
            "can_reply": last_received is not None,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def question(request, slug):
    tender = _published_tender(slug)
    structure = _structure_or_404(request)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, tender, question_form=form, status=400)
    try:
        questions.question_ask(tender=tender, structure=structure, user=request.user, text=form.cleaned_data["text"])
    except participation.ParticipationRefused as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Votre question a été transmise à l'acheteur. Vous recevrez un e-mail quand il y répondra.")
        )
    return redirect(_detail_url(tender, structure, "questions"))


# Open data -------------------------------------------------------------------------------------------------------


@require_GET
def ocds_package(request):
    """The OCDS release package of published tenders, OCDS_PAGE_SIZE releases per page (`?page=2`)."""
    paginator = Paginator(ocds.package_queryset(), getattr(settings, "OCDS_PAGE_SIZE", OCDS_PAGE_SIZE))
    page = paginator.get_page(request.GET.get("page"))
    base = request.build_absolute_uri(reverse("tenders:ocds"))

    def page_uri(number):
        return f"{base}?page={number}" if number > 1 else base

    package = ocds.release_package(
        page.object_list,
        uri=page_uri(page.number),
        next_uri=page_uri(page.next_page_number()) if page.has_next() else None,
        prev_uri=page_uri(page.previous_page_number()) if page.has_previous() else None,
    )
    response = JsonResponse(package, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
