"""The open API, version 1: read-only (GET, HEAD, OPTIONS; anything else is 405).

- `/api/v1/appels-d-offres/`: published tenders (never a draft), the public list's filters (api/filters.py), cursor
  pagination by publication date; `/api/v1/appels-d-offres/<slug>/` one of them, with its documents.
- `/api/v1/structures/`: the directory's structures (verified, not archived: `structures.visibility`), its filters;
  a buyer organisation's token adds the contact details (api/serializers.py).
- `/api/v1/charte/`: the figures of `/charte/` (`charter.selectors.overview`).
- `/api/v1/schema/` the OpenAPI 3 document (drf-spectacular; `?format=json`), `/api/v1/docs/` a page generated from it.

Each list answers in a fixed number of queries whatever the page size (select_related and prefetches).
"""

from __future__ import annotations

from django.db.models import F, Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import token_of
from api.filters import ApiStructureFilter, ApiTenderFilter
from api.pagination import StructurePagination, TenderPagination
from api.serializers import (
    CharterSerializer,
    StructurePublicSerializer,
    StructureSerializer,
    TenderDetailSerializer,
    TenderSerializer,
)
from charter import selectors
from structures.models import Area, Sector, Topic
from structures.visibility import directory_structures
from tenders.models import Lot, Tender, TenderDocument


class ReadOnlyApiMixin:
    """French messages for the answers every endpoint may give."""

    http_method_names = ["get", "head", "options"]

    def throttled(self, request, wait):
        raise exceptions.Throttled(
            wait,
            detail=gettext_now("Trop de requêtes : réessayez dans quelques secondes (voir l'en-tête Retry-After)."),
        )

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(
            request.method, detail=gettext_now("L'API est en lecture seule : seules les requêtes GET sont acceptées.")
        )


def published_tenders():
    """Published tenders (`Tender.objects.published()`: never a draft) with what the API shows, in fixed queries."""
    return (
        Tender.objects.published()
        .filter(published_at__lte=timezone.now())  # a publication date in the future is not public yet
        .select_related("buyer")
        .defer("search_vector", "cancellation_reason")
        .prefetch_related(
            Prefetch("topics", queryset=Topic.objects.only("pk", "name", "slug")),
            Prefetch("places", queryset=Area.objects.only("pk", "code", "name")),
            Prefetch("lots", queryset=Lot.objects.select_related("topic").order_by("number")),
        )
    )


TENDER_LIST_DESCRIPTION = _(
    """Les appels d'offres publiés (jamais un brouillon), les plus récemment publiés d'abord.

Mêmes filtres que la liste du site (/appels-d-offres/) : par défaut, les appels d'offres **ouverts** ;
`status=all` pour tous. Pagination par curseur : suivez le lien `next`."""
)


@extend_schema_view(
    list=extend_schema(summary=_("Appels d'offres publiés"), description=TENDER_LIST_DESCRIPTION),
    retrieve=extend_schema(
        summary=_("Un appel d'offres publié"),
        description=_("Avec ses documents (DCE). 404 pour un brouillon ou un identifiant inconnu."),
        responses=TenderDetailSerializer,
    ),
)
class TenderViewSet(ReadOnlyApiMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiTenderFilter
    pagination_class = TenderPagination
    serializer_class = TenderSerializer

    def get_queryset(self):
        queryset = published_tenders()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "documents",
                    queryset=TenderDocument.objects.annotate(tender_slug=F("tender__slug")).order_by("title", "pk"),
                )
            )
        return queryset

    def filter_queryset(self, queryset):
        if self.action == "retrieve":  # a tender is found by its slug whatever the list's filters
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        return TenderDetailSerializer if self.action == "retrieve" else TenderSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


STRUCTURE_LIST_DESCRIPTION = _(
    """Les structures de l'annuaire : vérifiées par l'équipe Les Canaux, non archivées.

Mêmes filtres que l'annuaire du site (/structures/). Avec le jeton d'une organisation acheteuse
(`Authorization: Token <clé>`), chaque structure porte aussi ses coordonnées (`contact_name`, `contact_email`,
`contact_phone`, `address`, `postcode`) ; sans jeton, ces champs sont absents."""
)


@extend_schema_view(
    list=extend_schema(summary=_("Structures vérifiées"), description=STRUCTURE_LIST_DESCRIPTION),
    retrieve=extend_schema(
        summary=_("Le profil public d'une structure vérifiée"),
        description=_(
            "Coordonnées avec un jeton acheteur seulement. 404 pour une structure non vérifiée ou archivée."
        ),
    ),
)
class StructureViewSet(ReadOnlyApiMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiStructureFilter
    pagination_class = StructurePagination

    def get_queryset(self):
        return (
            directory_structures()
            .defer("search_vector", "rejection_reason")
            .prefetch_related(
                Prefetch("topics", queryset=Topic.objects.only("pk", "name", "slug")),
                Prefetch("sectors", queryset=Sector.objects.only("pk", "name", "slug")),
                Prefetch("areas", queryset=Area.objects.only("pk", "name", "code")),
            )
        )

    def filter_queryset(self, queryset):
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        # The OpenAPI document describes the full profile (its contact fields marked optional).
        if getattr(self, "swagger_fake_view", False) or token_of(self.request) is not None:
            return StructureSerializer
        return StructurePublicSerializer


class CharterView(ReadOnlyApiMixin, APIView):
    @extend_schema(
        summary=_("Les chiffres de la charte sociale"),
        description=_(
            "Les deux objectifs (25 % des montants à des TPE/PME et à l'ESS, 10 % des heures en insertion) "
            "et les chiffres de la page /charte/ : ensemble, par catégorie de titulaire, par trimestre, par acheteur."
        ),
        responses=CharterSerializer,
    )
    def get(self, request, *args, **kwargs):
        overview = selectors.overview()
        return Response(CharterSerializer(overview, context={"request": request}).data)


# Documentation ------------------------------------------------------------------------------------------------------

_schema_cache: dict = {}


def openapi_document() -> dict:
    """The OpenAPI document in the active language, generated once per process (it only changes with the code)."""
    language = get_language()
    if language not in _schema_cache:
        _schema_cache[language] = SchemaGenerator().get_schema(request=None, public=True)
    return _schema_cache[language]


def _resolve(schema: dict, document: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


@require_safe
@extend_schema(exclude=True)
def docs(request):
    """`/api/v1/docs/`: the endpoints, their parameters and fields, read from the OpenAPI document (no JavaScript)."""
    document = openapi_document()
    endpoints = []
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        response = operation.get("responses", {}).get("200", {})
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        schema = _resolve(schema, document)
        if "results" in schema.get("properties", {}):  # a paginated list: describe one item
            schema = _resolve(schema["properties"]["results"].get("items", {}), document)
        required = set(schema.get("required", []))
        fields = [
            {
                "name": name,
                "type": prop.get("type", "object"),
                "description": prop.get("description", ""),
                "optional": name not in required,
            }
            for name, prop in schema.get("properties", {}).items()
        ]
        endpoints.append(
            {
                "path": path,
                "id": operation.get("operationId", path),
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": operation.get("parameters", []),
                "fields": fields,
            }
        )
    return render(request, "api/docs.html", {"endpoints": endpoints, "info": document.get("info", {})})
