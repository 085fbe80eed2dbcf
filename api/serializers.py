"""What the API answers: plain read-only serializers (never `fields = "__all__"`: a new model field is not published
until someone adds it here on purpose).

Buyer-only fields (a structure's contact details, which the HTML profile shows to signed-in buyers and staff only,
`structures.visibility.can_see_contact`) are in `StructureSerializer` only, declared `required=False` so that the
OpenAPI document says they may be absent; without a token the view uses `StructurePublicSerializer`, so they are
absent from the answer (not null).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from charter import selectors
from structures.models import Headcount, LegalForm, ReservedMarket, Turnover
from tenders import ocds
from tenders.models import Procedure, TenderStatus

# A slug-like stand-in, reversed once per URL name: a page of 100 tenders then costs 100 string replacements rather
# than 100 `reverse()` calls in a switched language (measured: a third of the page's time).
_PLACEHOLDER = "ess-api-placeholder"


@functools.cache
def _path_template(name: str, kwarg: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(name, kwargs={kwarg: _PLACEHOLDER})


def _origin(request) -> str:
    """`http(s)://host` of the request, worked out once per request."""
    origin = getattr(request, "_api_origin", None)
    if origin is None:
        origin = request.build_absolute_uri("/").removesuffix("/")
        request._api_origin = origin
    return origin


def site_url(request, name: str, **kwargs) -> str:
    """The absolute URL of an HTML page, in French (the API is not translated, the site's default language is).

    Slugs and ids need no quoting (ASCII letters, digits, hyphens, underscores)."""
    if len(kwargs) == 1:
        [(kwarg, value)] = kwargs.items()
        path = _path_template(name, kwarg).replace(_PLACEHOLDER, str(value))
    else:
        with translation.override(settings.LANGUAGE_CODE):
            path = reverse(name, kwargs=kwargs)
    return _origin(request) + path if request is not None else path


class _SiteUrlField(serializers.Field):
    """The object's HTML page: `view_name` with `lookups` {url kwarg: attribute}."""

    def __init__(self, view_name: str, lookups: dict[str, str], **kwargs):
        self.view_name = view_name
        self.lookups = lookups
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        kwargs = {name: getattr(value, attribute) for name, attribute in self.lookups.items()}
        return site_url(self.context.get("request"), self.view_name, **kwargs)


SiteUrlField = extend_schema_field(OpenApiTypes.URI)(_SiteUrlField)


class _ApiUrlField(serializers.Field):
    def __init__(self, view_name: str, lookup: str = "slug", **kwargs):
        self.view_name = view_name
        self.lookup = lookup
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return site_url(self.context.get("request"), self.view_name, **{self.lookup: getattr(value, self.lookup)})


ApiUrlField = extend_schema_field(OpenApiTypes.URI)(_ApiUrlField)


# Reference data -----------------------------------------------------------------------------------------------------


class TopicSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class AreaSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("Code INSEE (département, arrondissement) ou FR."))
    name = serializers.CharField(read_only=True)


class BuyerSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    charter_signatory = serializers.BooleanField(read_only=True)
    charter_url = SiteUrlField("charter:buyer", {"slug": "slug"})


# Tenders ------------------------------------------------------------------------------------------------------------


class LotSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    topic = TopicSerializer(read_only=True)
    estimated_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, help_text=_("€ HT.")
    )
    reserved_market = serializers.ChoiceField(
        source="reserved",
        choices=ReservedMarket.choices,
        read_only=True,
        help_text=_("Article du code de la commande publique qui réserve le lot, ou vide."),
    )
    insertion_hours = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Heures d'insertion exigées (clause sociale).")
    )


class DocumentSerializer(serializers.Serializer):
    title = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text=_("En octets."))
    url = SiteUrlField("tenders:document", {"slug": "tender_slug", "pk": "pk"})


class TenderSerializer(serializers.Serializer):
    ocid = serializers.SerializerMethodField(
        help_text=_("Identifiant OCDS (le même que dans /appels-d-offres/ocds.json).")
    )
    slug = serializers.SlugField(read_only=True)
    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=TenderStatus.choices, read_only=True)
    ocds_status = serializers.SerializerMethodField(help_text=_("Statut OCDS (liste de codes tenderStatus)."))
    is_open = serializers.SerializerMethodField(help_text=_("Publié et la date limite n'est pas passée."))
    procedure = serializers.ChoiceField(choices=Procedure.choices, read_only=True)
    buyer = BuyerSerializer(read_only=True)
    topics = TopicSerializer(many=True, read_only=True)
    places = AreaSerializer(many=True, read_only=True)
    cpv_codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    estimated_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, help_text=_("€ HT.")
    )
    currency = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(read_only=True)
    questions_deadline = serializers.DateTimeField(read_only=True, allow_null=True)
    bid_deadline = serializers.DateTimeField(read_only=True)
    lots = LotSerializer(many=True, read_only=True)
    contact_name = serializers.CharField(read_only=True)
    contact_email = serializers.CharField(read_only=True)
    official_url = serializers.CharField(read_only=True, help_text=_("La plateforme officielle où répondre, ou vide."))
    url = SiteUrlField("tenders:detail", {"slug": "slug"}, help_text=_("La page de l'appel d'offres sur le site."))
    api_url = ApiUrlField("api:tender-detail")

    def get_ocid(self, tender) -> str:
        return ocds.ocid(tender)

    def get_ocds_status(self, tender) -> str:
        return ocds.TENDER_STATUS.get(tender.status, "")

    def get_is_open(self, tender) -> bool:
        now = self.context.get("now")
        return tender.status == TenderStatus.PUBLISHED and (now is None or tender.bid_deadline > now)

    def get_currency(self, tender) -> str:
        return "EUR"


class TenderDetailSerializer(TenderSerializer):
    documents = DocumentSerializer(many=True, read_only=True)


# Structures ---------------------------------------------------------------------------------------------------------


class StructurePublicSerializer(serializers.Serializer):
    """A verified structure's public profile: what `/structures/<slug>/` shows everyone."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    siret = serializers.CharField(read_only=True)
    legal_form = serializers.ChoiceField(choices=LegalForm.choices, read_only=True)
    legal_form_label = serializers.CharField(source="get_legal_form_display", read_only=True)
    category = serializers.CharField(read_only=True, help_text=_("Catégorie pour la charte : ess, siae, disability…"))
    category_label = serializers.CharField(read_only=True)
    esus_accredited = serializers.BooleanField(read_only=True)
    reserved_markets = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("Les marchés réservés auxquels elle peut répondre (articles L2113-12, -13, -15)."),
    )
    city = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    references = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)
    logo_url = serializers.SerializerMethodField()
    topics = TopicSerializer(many=True, read_only=True)
    sectors = TopicSerializer(many=True, read_only=True)
    areas = AreaSerializer(many=True, read_only=True)
    headcount = serializers.ChoiceField(choices=Headcount.choices, read_only=True, allow_blank=True)
    turnover = serializers.ChoiceField(choices=Turnover.choices, read_only=True, allow_blank=True)
    insertion_people_per_year = serializers.IntegerField(read_only=True, allow_null=True)
    insertion_hours_per_year = serializers.IntegerField(read_only=True, allow_null=True)
    verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    url = SiteUrlField("structures:detail", {"slug": "slug"}, help_text=_("Le profil de la structure sur le site."))
    api_url = ApiUrlField("api:structure-detail")

    def get_logo_url(self, structure) -> str | None:
        if not structure.logo:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(structure.logo.url) if request is not None else structure.logo.url


class StructureSerializer(StructurePublicSerializer):
    """The profile with a buyer organisation's token: the contact details too (absent without a token)."""

    contact_name = serializers.CharField(required=False, help_text=_("Avec un jeton acheteur seulement."))
    contact_email = serializers.CharField(required=False, help_text=_("Avec un jeton acheteur seulement."))
    contact_phone = serializers.CharField(required=False, help_text=_("Avec un jeton acheteur seulement."))
    address = serializers.CharField(required=False, help_text=_("Avec un jeton acheteur seulement."))
    postcode = serializers.CharField(required=False, help_text=_("Avec un jeton acheteur seulement."))


# Charter ------------------------------------------------------------------------------------------------------------


class ShareSerializer(serializers.Serializer):
    value = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        help_text=_("Part en %, tronquée au dixième ; null sans données."),
    )
    target = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True)
    met = serializers.BooleanField(
        read_only=True, allow_null=True, help_text=_("Objectif atteint ; null sans données.")
    )
    gap = serializers.DecimalField(
        max_digits=4, decimal_places=1, read_only=True, help_text=_("Points manquant pour atteindre l'objectif.")
    )


class FiguresSerializer(serializers.Serializer):
    award_count = serializers.IntegerField(read_only=True)
    awarded_amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    counted_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, help_text=_("Montant compté pour l'objectif de 25 %.")
    )
    value_share = ShareSerializer(source="value", read_only=True)
    total_hours = serializers.IntegerField(read_only=True)
    insertion_hours = serializers.IntegerField(read_only=True)
    hours_share = ShareSerializer(source="hours", read_only=True)
    reported_hours_share = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        help_text=_("Part des heures comptées qui sont des heures réalisées (et non prévues), en %."),
    )
    no_hours_count = serializers.IntegerField(read_only=True, help_text=_("Attributions sans heures renseignées."))
    no_hours_amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    imported_count = serializers.IntegerField(read_only=True)
    last_awarded_on = serializers.DateField(read_only=True, allow_null=True)


class CategoryRowSerializer(serializers.Serializer):
    category = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    counts_fully = serializers.BooleanField(read_only=True)
    figures = FiguresSerializer(read_only=True)
    share_of_amount = serializers.DecimalField(max_digits=6, decimal_places=1, read_only=True, allow_null=True)


class QuarterRowSerializer(serializers.Serializer):
    start = serializers.DateField(read_only=True)
    label = serializers.CharField(read_only=True)
    figures = FiguresSerializer(read_only=True)
    cumulative = FiguresSerializer(read_only=True)


class BuyerRowSerializer(serializers.Serializer):
    buyer = BuyerSerializer(read_only=True)
    charter_signed_on = serializers.DateField(source="buyer.charter_signed_on", read_only=True, allow_null=True)
    figures = FiguresSerializer(read_only=True)


class TargetsSerializer(serializers.Serializer):
    value = serializers.DecimalField(
        max_digits=4, decimal_places=1, read_only=True, help_text=_("Part des montants à des TPE/PME et à l'ESS (%).")
    )
    hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        read_only=True,
        help_text=_("Part des heures faites par des personnes en insertion (%)."),
    )


class CharterSerializer(serializers.Serializer):
    targets = serializers.SerializerMethodField()
    figures = FiguresSerializer(read_only=True)
    categories = CategoryRowSerializer(many=True, read_only=True)
    quarters = QuarterRowSerializer(many=True, read_only=True)
    buyers = BuyerRowSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(TargetsSerializer)
    def get_targets(self, overview):
        return TargetsSerializer({"value": selectors.VALUE_TARGET, "hours": selectors.HOURS_TARGET}).data

    def get_url(self, overview) -> str:
        return site_url(self.context.get("request"), "charter:index")
