"""Buyers, their tenders (appels d'offres) with lots and documents, and what structures do with them.

Field names follow the OCDS `tender` section where one exists (see tenders/ocds.py for the mapping).
"""

import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from structures.models import SEARCH_CONFIG, Area, Category, ReservedMarket, Structure, Topic
from tenders.validators import validate_cpv


class BuyerOrganisation(models.Model):
    class Kind(models.TextChoices):
        ORGANISING_COMMITTEE = "cojo", _("Comité d'organisation des Jeux")
        DELIVERY_AUTHORITY = "solideo", _("SOLIDEO (livraison des ouvrages olympiques)")
        CITY = "city", _("Ville")
        DEPARTMENT = "department", _("Département")
        PUBLIC_BODY = "public_body", _("Autre organisme public")
        PRIME_CONTRACTOR = "prime_contractor", _("Titulaire principal (donneur d'ordre privé)")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=220, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    logo = models.ImageField(_("logo"), upload_to="buyers/logos/", blank=True)
    charter_signatory = models.BooleanField(_("signataire de la charte sociale"), default=False)
    charter_signed_on = models.DateField(_("charte signée le"), null=True, blank=True)
    # The buyer's own charter targets (issue 12), shown on its page /charte/<slug>/; empty: the charter's 25 % / 10 %.
    charter_value_target = models.DecimalField(
        _("objectif propre : part ESS/TPE/PME des montants (%)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Laisser vide pour l'objectif de la charte : 25 %."),
    )
    charter_hours_target = models.DecimalField(
        _("objectif propre : part des heures d'insertion (%)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Laisser vide pour l'objectif de la charte : 10 %."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation acheteuse")
        verbose_name_plural = _("organisations acheteuses")
        constraints = [
            models.CheckConstraint(condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"), name="buyer_siret_format"),
            models.CheckConstraint(
                condition=Q(charter_value_target__gt=0, charter_value_target__lte=100)
                & Q(charter_hours_target__gt=0, charter_hours_target__lte=100),
                name="buyer_charter_targets_percent",
                violation_error_message=_("Un objectif est un pourcentage supérieur à 0 et au plus égal à 100."),
            ),
        ]

    def __str__(self):
        return self.name


class BuyerMembership(models.Model):
    """A buyer user belongs to exactly one organisation."""

    organisation = models.ForeignKey(BuyerOrganisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_membership")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre acheteur")
        verbose_name_plural = _("membres acheteurs")

    def __str__(self):
        return f"{self.user} · {self.organisation}"


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publié")
    CLOSED = "closed", _("Clos")
    AWARDED = "awarded", _("Attribué")
    CANCELLED = "cancelled", _("Annulé")
    UNSUCCESSFUL = "unsuccessful", _("Infructueux")


class Procedure(models.TextChoices):
    OPEN = "open", _("Appel d'offres ouvert")
    RESTRICTED = "restricted", _("Appel d'offres restreint")
    NEGOTIATED = "negotiated", _("Procédure négociée")
    ADAPTED = "adapted", _("Procédure adaptée (MAPA)")


class TenderQuerySet(models.QuerySet):
    def published(self):
        """Visible to the public: published once, whatever happened after (closed, awarded…), except drafts."""
        return self.exclude(status=TenderStatus.DRAFT).filter(published_at__isnull=False)

    def open(self):
        """Accepting bids now."""
        return self.filter(status=TenderStatus.PUBLISHED, bid_deadline__gt=timezone.now())

    def for_buyer(self, user):
        """What a buyer user may see and edit in the admin: their organisation's tenders (staff: all)."""
        if getattr(user, "is_platform_staff", False):
            return self.all()
        return self.filter(buyer__memberships__user=user)

    def for_topic(self, topic):
        return self.filter(topics=topic)


class Tender(models.Model):
    buyer = models.ForeignKey(BuyerOrganisation, on_delete=models.PROTECT, related_name="tenders")
    reference = models.CharField(_("référence"), max_length=60)
    title = models.CharField(_("titre"), max_length=250)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=270, unique=True)
    description = models.TextField(_("description"), max_length=20000)
    topics = models.ManyToManyField(Topic, verbose_name=_("thématiques"), related_name="tenders")
    cpv_codes = ArrayField(
        models.CharField(max_length=10, validators=[validate_cpv]),
        verbose_name=_("codes CPV"),
        default=list,
        blank=True,
        size=20,
        help_text=_("Facultatif. Codes CPV (vocabulaire commun des marchés publics), par exemple 45000000-7."),
    )
    estimated_value = models.DecimalField(
        _("montant estimé (€ HT)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    procedure = models.CharField(_("procédure"), max_length=12, choices=Procedure.choices, default=Procedure.OPEN)
    places = models.ManyToManyField(Area, verbose_name=_("lieux d'exécution"), related_name="tenders")
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    questions_deadline = models.DateTimeField(_("date limite des questions"), null=True, blank=True)
    bid_deadline = models.DateTimeField(_("date limite de remise des offres"))
    official_url = models.URLField(_("lien vers la plateforme officielle"), blank=True)
    contact_name = models.CharField(_("contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail du contact"), blank=True)
    status = models.CharField(_("statut"), max_length=12, choices=TenderStatus.choices, default=TenderStatus.DRAFT)
    status_changed_at = models.DateTimeField(_("statut changé le"), null=True, blank=True)
    cancellation_reason = models.TextField(_("motif d'annulation"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=SEARCH_CONFIG)
        + SearchVector("reference", weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = TenderQuerySet.as_manager()

    class Meta:
        ordering = ["bid_deadline"]
        verbose_name = _("appel d'offres")
        verbose_name_plural = _("appels d'offres")
        indexes = [
            GinIndex(fields=["search_vector"], name="tender_search_idx"),
            models.Index(fields=["status", "bid_deadline"], name="tender_status_deadline_idx"),
            models.Index(fields=["-published_at"], name="tender_published_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["buyer", "reference"], name="tender_unique_reference_per_buyer"),
            models.CheckConstraint(
                condition=Q(questions_deadline__isnull=True) | Q(questions_deadline__lte=F("bid_deadline")),
                name="tender_questions_before_bids",
            ),
            # A draft cancelled before publication never had a publication date (and stays invisible).
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(published_at__isnull=False),
                name="tender_published_has_date",
            ),
        ]

    def __str__(self):
        return self.title


class Lot(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("intitulé"), max_length=250)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    topic = models.ForeignKey(Topic, verbose_name=_("thématique"), on_delete=models.PROTECT, related_name="lots")
    estimated_value = models.DecimalField(
        _("montant estimé (€ HT)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    reserved = models.CharField(
        _("marché réservé"), max_length=10, choices=ReservedMarket.choices, default=ReservedMarket.NONE, blank=True
    )
    insertion_hours = models.PositiveIntegerField(
        _("heures d'insertion exigées (clause sociale)"), null=True, blank=True
    )

    class Meta:
        ordering = ["tender", "number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_unique_number")]

    def __str__(self):
        return f"{self.number}. {self.title}"


DOCUMENT_EXTENSIONS = ("pdf", "odt", "docx", "xlsx", "zip")


def document_path(instance, filename):
    """`tenders/<tender id>/<random>.<ext>`: never the name the user sent (see tenders/services/documents.py)."""
    extension = os.path.splitext(filename or "")[1].lower().lstrip(".")
    extension = extension if extension in DOCUMENT_EXTENSIONS else "bin"
    return f"tenders/{instance.tender_id}/{uuid.uuid4().hex}.{extension}"


class TenderDocument(models.Model):
    """A file of the tender's consultation file (DCE). Served as an attachment with a safe name.

    Created only through `tenders.services.documents.document_add`, which checks the content (PDF, ODT, DOCX, XLSX,
    ZIP), the size, and stores the file under a generated name. `original_name` is the user's file name
    SANITISED (no path, no control or reserved character, at most 120 characters, ending with the real type's
    extension): safe to use as is in a download's Content-Disposition. `content_type` is the detected type.
    """

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(_("fichier"), upload_to=document_path, max_length=300)
    original_name = models.CharField(_("nom du fichier"), max_length=255, blank=True)
    content_type = models.CharField(_("type de fichier"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    uploaded_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        ordering = ["tender", "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.title


class Interest(models.Model):
    """A structure's answer to a tender: interested, or not interested with a reason. Reversible."""

    class Answer(models.TextChoices):
        INTERESTED = "interested", _("Intéressé")
        NOT_INTERESTED = "not_interested", _("Pas intéressé")

    class Reason(models.TextChoices):
        TOO_BIG = "too_big", _("Marché trop important pour nous")
        OUT_OF_SCOPE = "out_of_scope", _("Hors de notre activité")
        TOO_FAR = "too_far", _("Lieu d'exécution trop éloigné")
        TOO_SHORT = "too_short", _("Délai trop court")
        NO_CAPACITY = "no_capacity", _("Pas de disponibilité en ce moment")
        OTHER = "other", _("Autre raison")

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="interests")
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="tender_interests")
    answer = models.CharField(_("réponse"), max_length=16, choices=Answer.choices)
    reason = models.CharField(_("raison"), max_length=16, choices=Reason.choices, blank=True)
    reason_detail = models.TextField(_("précisions"), max_length=2000, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("répondu le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("intérêt")
        verbose_name_plural = _("intérêts")
        constraints = [
            models.UniqueConstraint(fields=["tender", "structure"], name="interest_unique_structure"),
            models.CheckConstraint(
                condition=Q(answer="interested", reason="") | Q(answer="not_interested") & ~Q(reason=""),
                name="interest_reason_iff_not_interested",
            ),
        ]

    def __str__(self):
        return f"{self.structure} · {self.tender} : {self.get_answer_display()}"


class PartnerSearch(models.Model):
    """'Je cherche des partenaires': a structure offers to bid jointly (groupement) and says what part it can take."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="partner_searches")
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="partner_searches")
    contribution = models.TextField(_("ce que nous pouvons prendre en charge"), max_length=3000)
    lots = models.ManyToManyField(Lot, verbose_name=_("lots visés"), blank=True, related_name="+")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recherche de partenaires")
        verbose_name_plural = _("recherches de partenaires")
        constraints = [models.UniqueConstraint(fields=["tender", "structure"], name="partnersearch_unique")]

    def __str__(self):
        return f"{self.structure} · {self.tender}"


class PartnerMessage(models.Model):
    """A message between two structures seeking partners on the same tender, delivered by email via the outbox.

    The sender's email address is revealed to the recipient only once the recipient replies (`reply_to` set).
    """

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="partner_messages")
    sender = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="sent_partner_messages")
    sender_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recipient = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="received_partner_messages")
    body = models.TextField(_("message"), max_length=5000)
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("message de groupement")
        verbose_name_plural = _("messages de groupement")
        constraints = [models.CheckConstraint(condition=~Q(sender=F("recipient")), name="partnermessage_not_to_self")]

    def __str__(self):
        return f"{self.sender} → {self.recipient} ({self.tender})"


class Question(models.Model):
    """A structure's question on a tender. Once answered, published for everyone; the asker stays anonymous."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="questions")
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="tender_questions")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("question"), max_length=3000)
    answer = models.TextField(_("réponse"), max_length=5000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    created_at = models.DateTimeField(_("posée le"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""), name="question_answered_has_text"
            )
        ]

    def __str__(self):
        return self.text[:80]


class AwardSource(models.TextChoices):
    PLATFORM = "platform", _("Attribuée sur la plateforme")
    IMPORT = "import", _("Importée (données essentielles)")


class Award(models.Model):
    """Who won a tender (or one of its lots): a structure, a groupement led by a structure, or another company.

    Awards feed the charter: amounts by winner category (target 1) and insertion hours (target 2).
    """

    # Null only for an award imported from the buyer's essential data (source "import"): a contract passed outside
    # the platform has no tender here, but its buyer, title and identifier (issue 12, charter.imports).
    tender = models.ForeignKey(Tender, null=True, blank=True, on_delete=models.CASCADE, related_name="awards")
    buyer = models.ForeignKey(
        BuyerOrganisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="imported_awards",
        verbose_name=_("acheteur (attribution importée)"),
    )
    title = models.CharField(_("objet du marché (attribution importée)"), max_length=500, blank=True)
    external_id = models.CharField(_("identifiant dans les données essentielles"), max_length=100, blank=True)
    cpv_code = models.CharField(_("code CPV"), max_length=12, blank=True)
    place = models.CharField(_("lieu d'exécution"), max_length=200, blank=True)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.CASCADE, related_name="awards")
    winner = models.ForeignKey(
        Structure,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
        help_text=_("La structure titulaire, ou le mandataire du groupement."),
    )
    winner_name = models.CharField(_("titulaire (s'il n'est pas sur la plateforme)"), max_length=200, blank=True)
    co_contractors = models.ManyToManyField(
        Structure, verbose_name=_("membres du groupement"), blank=True, related_name="co_awards"
    )
    winner_category = models.CharField(
        _("catégorie du titulaire"), max_length=16, choices=[*Category.choices, ("large", _("Grande entreprise"))]
    )
    # Frozen at award time (structures.categories.classify): a later profile change does not rewrite history.
    winner_category_reason = models.CharField(_("motif de la catégorie"), max_length=200, blank=True)
    is_active = models.BooleanField(
        _("attribution en vigueur"),
        default=True,
        help_text=_("Une attribution remplacée ou annulée reste dans l'historique mais ne compte plus."),
    )
    source = models.CharField(_("origine"), max_length=12, choices=AwardSource.choices, default=AwardSource.PLATFORM)
    amount = models.DecimalField(
        _("montant (€ HT)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    ess_share_amount = models.DecimalField(
        _("part ESS/TPE/PME déclarée (€ HT)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("Sous-traitance et cotraitance comprises."),
    )
    total_hours_planned = models.PositiveIntegerField(_("heures travaillées prévues"), default=0)
    insertion_hours_planned = models.PositiveIntegerField(_("heures d'insertion prévues"), default=0)
    total_hours_achieved = models.PositiveIntegerField(_("heures travaillées réalisées"), null=True, blank=True)
    insertion_hours_achieved = models.PositiveIntegerField(_("heures d'insertion réalisées"), null=True, blank=True)
    awarded_on = models.DateField(_("attribué le"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-awarded_on"]
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        constraints = [
            models.CheckConstraint(condition=Q(winner__isnull=False) | ~Q(winner_name=""), name="award_has_winner"),
            models.CheckConstraint(condition=Q(ess_share_amount__lte=F("amount")), name="award_share_le_amount"),
            models.CheckConstraint(
                condition=Q(insertion_hours_planned__lte=F("total_hours_planned")),
                name="award_insertion_le_total_hours",
            ),
            # Charter rules (issue 12): the figures can only be as true as these rows.
            models.CheckConstraint(
                condition=Q(insertion_hours_achieved__isnull=True)
                | Q(total_hours_achieved__isnull=False, insertion_hours_achieved__lte=F("total_hours_achieved")),
                name="award_insertion_le_total_hours_achieved",
                violation_error_message=_(
                    "Les heures d'insertion réalisées ne peuvent pas dépasser les heures travaillées réalisées."
                ),
            ),
            models.CheckConstraint(
                # An inactive award keeps its history even when it had no amount (see migration 0009).
                condition=Q(amount__gt=0) | Q(is_active=False),
                name="award_amount_positive",
                violation_error_message=_("Le montant attribué doit être supérieur à zéro."),
            ),
            models.CheckConstraint(
                condition=Q(ess_share_amount__gte=0),
                name="award_share_not_negative",
                violation_error_message=_("La part ESS/TPE/PME déclarée ne peut pas être négative."),
            ),
            models.UniqueConstraint(
                fields=["lot"],
                condition=Q(is_active=True, lot__isnull=False),
                name="award_one_active_per_lot",
                violation_error_message=_(
                    "Ce lot a déjà une attribution en vigueur : un lot n'a qu'un titulaire. "
                    "Rendez l'autre attribution inactive avant d'en enregistrer une nouvelle."
                ),
            ),
            models.CheckConstraint(
                condition=Q(tender__isnull=False, buyer__isnull=True)
                | Q(tender__isnull=True, buyer__isnull=False, source="import") & ~Q(external_id=""),
                name="award_tender_or_imported",
                violation_error_message=_(
                    "Une attribution se rattache à un appel d'offres de la plateforme, ou bien elle est importée "
                    "avec son acheteur et son identifiant."
                ),
            ),
            models.UniqueConstraint(
                fields=["buyer", "external_id"],
                condition=Q(source="import"),
                name="award_imported_once",
                violation_error_message=_("Ce marché a déjà été importé pour cet acheteur."),
            ),
            models.UniqueConstraint(
                fields=["tender"],
                condition=Q(is_active=True, lot__isnull=True),
                name="award_one_active_per_tender",
                violation_error_message=_(
                    "Cet appel d'offres a déjà une attribution en vigueur pour l'ensemble du marché. "
                    "Rendez l'autre attribution inactive avant d'en enregistrer une nouvelle."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.tender or self.title} → {self.winner or self.winner_name}"


# Buyers joining, and how each buyer hears about their tenders (issue 9, part A) -----------------------------------


class BuyerAccessRequest(models.Model):
    """A public buyer asks for an account ("Demander un accès acheteur"); Les Canaux staff approve or refuse it.

    Approving creates (or reuses) the buyer organisation and sends the invitation (tenders.services.buyer_access).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Acceptée")
        REFUSED = "refused", _("Refusée")

    organisation_name = models.CharField(_("nom de l'organisation"), max_length=200)
    siret = models.CharField(
        _("SIRET de l'organisation"), max_length=14, help_text=_("14 chiffres, par exemple 21750001600019.")
    )
    full_name = models.CharField(_("prénom et nom"), max_length=150)
    role = models.CharField(_("fonction"), max_length=150)
    email = models.EmailField(_("adresse e-mail professionnelle"))
    charter_signatory = models.BooleanField(_("l'organisation a signé la charte sociale ESS 2024"), default=False)
    message = models.TextField(_("message"), max_length=3000, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    organisation = models.ForeignKey(
        BuyerOrganisation,
        verbose_name=_("organisation acheteuse"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests",
    )
    refusal_reason = models.TextField(_("motif du refus"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("demande d'accès acheteur")
        verbose_name_plural = _("demandes d'accès acheteur")
        indexes = [models.Index(fields=["status", "created_at"], name="buyer_request_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=r"^[0-9]{14}$"), name="buyer_request_siret_format"),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="buyer_request_refusal_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} · {self.organisation_name}"


class BuyerFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Tout de suite (un e-mail à chaque fois)")
    DAILY = "daily", _("Un récapitulatif par jour")
    NONE = "none", _("Jamais")


class BuyerNotificationPreference(models.Model):
    """How one buyer member hears about their tenders. No row means the defaults below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_notification_preference"
    )
    questions = models.CharField(
        _("nouvelles questions"), max_length=10, choices=BuyerFrequency.choices, default=BuyerFrequency.IMMEDIATE
    )
    interests = models.CharField(
        _("structures intéressées"), max_length=10, choices=BuyerFrequency.choices, default=BuyerFrequency.DAILY
    )
    award_reminders = models.BooleanField(
        _("rappels d'attribution"),
        default=True,
        help_text=_("Après la date limite, un rappel pour attribuer ou déclarer infructueux, puis chaque semaine."),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence d'e-mail acheteur")
        verbose_name_plural = _("préférences d'e-mail acheteur")
        constraints = [
            models.CheckConstraint(
                condition=Q(questions__in=BuyerFrequency.values) & Q(interests__in=BuyerFrequency.values),
                name="buyer_pref_frequency_valid",
            )
        ]

    def __str__(self):
        return str(self.user)


# Amendments ("avis rectificatifs", issue 9, part B) ---------------------------------------------------------------


class TenderAmendment(models.Model):
    """A dated change to a published tender (deadlines, lots, amounts, places, documents, description).

    Recorded by `tenders.services.amendments`; `changes` maps each changed field to its French label and its
    value before and after, as labels: `{"bid_deadline": {"label": …, "before": …, "after": …}}`.
    """

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="amendments")
    created_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("ce qui a changé"), max_length=2000)
    changes = models.JSONField(_("modifications"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("modification publiée")
        verbose_name_plural = _("modifications publiées")
        indexes = [models.Index(fields=["tender", "-created_at"], name="tender_amendment_date_idx")]
        constraints = [models.CheckConstraint(condition=~Q(note=""), name="tender_amendment_has_note")]

    def __str__(self):
        return f"{self.tender} · {self.created_at:%Y-%m-%d}"
