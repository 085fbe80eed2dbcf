"""ESS structures and the reference data they are described with (topics, sectors, intervention areas).

The category and the reserved markets a structure is eligible for are generated columns whose expressions come
from structures.categories (the platform's one "who counts as what" rule), so the database answers "which
structures may bid on a lot reserved under L2113-13" or "which are ESS" by itself.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# A text search configuration created by migration 0001: French stemming on unaccented words, so that
# "dechet", "déchet" and "Déchets" all match. Its 2-argument to_tsvector is immutable, hence usable in a
# generated column and an index.
SEARCH_CONFIG = "fr_unaccent"


class LocalizedName:
    """Reference data with an English name (`name_en`, issue 15 item 3): `str()` and `localized_name` give it on
    English pages and emails (the active language), the French `name` otherwise or when no English name is set."""

    @property
    def localized_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def __str__(self):
        return self.localized_name


class Topic(LocalizedName, models.Model):
    """One of the charter's 18 strategic purchase topics (editable by staff)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    name_en = models.CharField(_("nom en anglais"), max_length=120, blank=True)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("thématique stratégique")
        verbose_name_plural = _("thématiques stratégiques")


class Sector(LocalizedName, models.Model):
    """An ESS sector of activity (environment, responsible consumption, …), editable by staff."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    name_en = models.CharField(_("nom en anglais"), max_length=120, blank=True)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("secteur d'activité")
        verbose_name_plural = _("secteurs d'activité")


class Area(LocalizedName, models.Model):
    """Where a structure works or a tender is performed: a Paris arrondissement, an IDF department, or France."""

    class Kind(models.TextChoices):
        ARRONDISSEMENT = "arrondissement", _("Arrondissement de Paris")
        DEPARTMENT = "department", _("Département")
        NATIONAL = "national", _("Toute la France")

    code = models.CharField(_("code"), max_length=5, unique=True, help_text=_("Code INSEE, ou FR pour la France."))
    name = models.CharField(_("nom"), max_length=80)
    name_en = models.CharField(_("nom en anglais"), max_length=80, blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("zone parente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("zone d'intervention")
        verbose_name_plural = _("zones d'intervention")


class LegalForm(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    SCOP = "scop", _("SCOP (société coopérative et participative)")
    SCIC = "scic", _("SCIC (société coopérative d'intérêt collectif)")
    CAE = "cae", _("CAE (coopérative d'activité et d'emploi)")
    MUTUAL = "mutual", _("Mutuelle")
    FOUNDATION = "foundation", _("Fondation")
    ESUS = "esus", _("Entreprise agréée ESUS")
    EI = "ei", _("EI (entreprise d'insertion)")
    ETTI = "etti", _("ETTI (entreprise de travail temporaire d'insertion)")
    ACI = "aci", _("ACI (atelier et chantier d'insertion)")
    AI = "ai", _("AI (association intermédiaire)")
    EITI = "eiti", _("EITI (entreprise d'insertion par le travail indépendant)")
    EA = "ea", _("EA (entreprise adaptée)")
    ESAT = "esat", _("ESAT (établissement et service d'accompagnement par le travail)")
    TPE = "tpe", _("TPE (très petite entreprise)")
    PME = "pme", _("PME (petite ou moyenne entreprise)")
    OTHER = "other", _("Autre")


class Category(models.TextChoices):
    ESS = "ess", _("ESS")
    SIAE = "siae", _("Insertion (SIAE)")
    DISABILITY = "disability", _("Handicap (EA/ESAT)")
    SME = "sme", _("TPE/PME")
    OTHER = "other", _("Autre")


ESS_FORMS = [
    LegalForm.ASSOCIATION,
    LegalForm.SCOP,
    LegalForm.SCIC,
    LegalForm.CAE,
    LegalForm.MUTUAL,
    LegalForm.FOUNDATION,
    LegalForm.ESUS,
]
SIAE_FORMS = [LegalForm.EI, LegalForm.ETTI, LegalForm.ACI, LegalForm.AI, LegalForm.EITI]
DISABILITY_FORMS = [LegalForm.EA, LegalForm.ESAT]
SME_FORMS = [LegalForm.TPE, LegalForm.PME]


class ReservedMarket(models.TextChoices):
    """Reserved markets of the French public procurement code."""

    NONE = "", _("Aucun")
    L2113_12 = "L2113-12", _("Réservé aux EA et ESAT (art. L2113-12)")
    L2113_13 = "L2113-13", _("Réservé aux SIAE (art. L2113-13)")
    L2113_15 = "L2113-15", _("Réservé aux entreprises de l'ESS (art. L2113-15)")


class Headcount(models.TextChoices):
    NONE = "0", _("Aucun salarié")
    MICRO = "1-9", _("1 à 9 salariés")
    SMALL = "10-49", _("10 à 49 salariés")
    MEDIUM = "50-249", _("50 à 249 salariés")
    LARGE = "250+", _("250 salariés ou plus")


class Turnover(models.TextChoices):
    """Annual turnover bands. TURNOVER_CEILING gives each band's upper bound in euros (matching uses it)."""

    UNDER_100K = "lt100k", _("Moins de 100 000 €")
    UNDER_500K = "100k-500k", _("100 000 à 500 000 €")
    UNDER_2M = "500k-2m", _("500 000 € à 2 M€")
    UNDER_10M = "2m-10m", _("2 à 10 M€")
    UNDER_50M = "10m-50m", _("10 à 50 M€")
    OVER_50M = "gt50m", _("Plus de 50 M€")


TURNOVER_CEILING = {
    Turnover.UNDER_100K: 100_000,
    Turnover.UNDER_500K: 500_000,
    Turnover.UNDER_2M: 2_000_000,
    Turnover.UNDER_10M: 10_000_000,
    Turnover.UNDER_50M: 50_000_000,
    Turnover.OVER_50M: None,
}


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("En attente de vérification")
    VERIFIED = "verified", _("Vérifiée")
    REJECTED = "rejected", _("Refusée")


class StructureQuerySet(models.QuerySet):
    def active(self):
        """Not archived."""
        return self.filter(archived_at__isnull=True)

    def verified(self):
        return self.filter(verification_status=VerificationStatus.VERIFIED)

    def listed(self):
        """What the public directory shows: not archived, not rejected."""
        return self.active().exclude(verification_status=VerificationStatus.REJECTED)

    def for_member(self, user):
        """Structures the user belongs to (any role)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def administered_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)

    def with_proofs(self):
        """Prefetch what a profile proves (references, labels, photos, offers): four queries for any number."""
        return self.prefetch_related(
            "client_references",
            models.Prefetch("structure_labels", queryset=StructureLabel.objects.select_related("label")),
            "photos",
            "offers",
        )


def _rule(name: str, *args):
    """A rule of structures.categories, read when the Structure class is built (imported here, not at the top:
    categories reads the choices defined above in this module)."""
    from structures import categories

    return getattr(categories, name)(*args)


def logo_path(instance, filename):
    return f"structures/logos/{instance.siren}.webp"


class Structure(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=220, unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, unique=True)
    siren = models.GeneratedField(
        expression=Substr("siret", 1, 9),
        output_field=models.CharField(max_length=9),
        db_persist=True,
        verbose_name=_("SIREN"),
    )
    legal_form = models.CharField(_("forme juridique"), max_length=16, choices=LegalForm.choices)
    esus_accredited = models.BooleanField(_("agrément ESUS"), default=False)
    # Who counts as what (structures.categories, the platform's one rule): the category shown in the directory, on
    # the structure's page and in the admin is the charter's (ESS by legal form *or* ESUS accreditation, SIAE,
    # EA/ESAT, TPE/PME or large by size bands), and the reserved markets are the matching's.
    category = models.GeneratedField(
        expression=_rule("category_expression"),
        output_field=models.CharField(max_length=16, choices=_rule("category_choices")),
        db_persist=True,
        verbose_name=_("catégorie"),
    )
    eligible_l2113_12 = models.GeneratedField(
        expression=_rule("eligibility_expression", ReservedMarket.L2113_12.value),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("éligible L2113-12 (EA/ESAT)"),
    )
    eligible_l2113_13 = models.GeneratedField(
        expression=_rule("eligibility_expression", ReservedMarket.L2113_13.value),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("éligible L2113-13 (SIAE)"),
    )
    # ESS companies in the sense of the 2014 ESS law: associations, cooperatives, mutuals, foundations, and
    # commercial companies holding the ESUS accreditation. ACI and AI are associations by law.
    eligible_l2113_15 = models.GeneratedField(
        expression=_rule("eligibility_expression", ReservedMarket.L2113_15.value),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("éligible L2113-15 (ESS)"),
    )

    sectors = models.ManyToManyField(Sector, verbose_name=_("secteurs d'activité"), blank=True, related_name="+")
    topics = models.ManyToManyField(Topic, verbose_name=_("thématiques"), blank=True, related_name="structures")
    areas = models.ManyToManyField(Area, verbose_name=_("zones d'intervention"), blank=True, related_name="structures")

    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=120, blank=True)
    headcount = models.CharField(_("effectif"), max_length=8, choices=Headcount.choices, blank=True)
    turnover = models.CharField(_("chiffre d'affaires"), max_length=12, choices=Turnover.choices, blank=True)
    insertion_people_per_year = models.PositiveIntegerField(
        _("personnes en insertion accueillies par an"), null=True, blank=True
    )
    insertion_hours_per_year = models.PositiveIntegerField(_("heures d'insertion par an"), null=True, blank=True)
    description = models.TextField(_("description de l'activité"), max_length=5000, blank=True)
    references = models.TextField(_("références (clients passés)"), max_length=3000, blank=True)
    website = models.URLField(_("site web"), blank=True)
    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    contact_name = models.CharField(_("nom du contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=20, blank=True)

    verification_status = models.CharField(
        _("vérification"), max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    rejection_reason = models.TextField(_("motif du refus"), max_length=2000, blank=True)
    verified_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matching_opt_out = models.BooleanField(
        _("ne pas recevoir d'appels d'offres"),
        default=False,
        help_text=_("La structure ne veut être rapprochée d'aucun appel d'offres."),
    )
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    search_vector = models.GeneratedField(
        expression=SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=SEARCH_CONFIG)
        + SearchVector("references", weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = StructureQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        indexes = [
            GinIndex(fields=["search_vector"], name="structure_search_idx"),
            models.Index(fields=["verification_status", "archived_at"], name="structure_status_idx"),
            # The directory's default and "newest" sorts read an index instead of sorting every row.
            models.Index(fields=["name", "id"], name="structure_name_idx"),
            models.Index(fields=["created_at", "id"], name="structure_created_idx"),
            # The staff's verification queue (backoffice): its count, oldest item and newest-first page read this
            # small index only, however many verified structures there are.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(verification_status="pending", archived_at__isnull=True),
                name="structure_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=r"^[0-9]{14}$"), name="structure_siret_14_digits"),
            models.CheckConstraint(
                condition=~Q(verification_status=VerificationStatus.REJECTED) | ~Q(rejection_reason=""),
                name="structure_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def category_label(self) -> str:
        """`category` is a generated column: Django gives it no get_category_display()."""
        labels = dict(self._meta.get_field("category").output_field.choices)
        return str(labels.get(self.category, "")) if self.category else ""

    def get_category_display(self) -> str:
        return self.category_label

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def reserved_markets(self) -> list[str]:
        """The reserved markets this structure is eligible for (ReservedMarket values)."""
        return [
            market
            for market, eligible in (
                (ReservedMarket.L2113_12, self.eligible_l2113_12),
                (ReservedMarket.L2113_13, self.eligible_l2113_13),
                (ReservedMarket.L2113_15, self.eligible_l2113_15),
            )
            if eligible
        ]


class StructureToVerify(Structure):
    """The staff's verification queue in the admin: the same rows, a separate admin page (pending ones)."""

    class Meta:
        proxy = True
        verbose_name = _("structure à vérifier")
        verbose_name_plural = _("structures à vérifier")


class Membership(models.Model):
    """A user's place in a structure's team. The creator is an administrator."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrateur")
        MEMBER = "member", _("Membre")

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="structure_memberships")
    role = models.CharField(_("rôle"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    # The monthly "complete your profile" email (structures.services.reminders); the email's link turns it off.
    completeness_reminders = models.BooleanField(_("rappel mensuel de complétude"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [models.UniqueConstraint(fields=["structure", "user"], name="membership_unique_user")]

    def __str__(self):
        return f"{self.user} · {self.structure} ({self.get_role_display()})"


class Invitation(models.Model):
    """An administrator invites a teammate by email. The link carries a signed token (see structures.services)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse e-mail invitée"))
    role = models.CharField(_("rôle"), max_length=8, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.structure}"


class JoinRequest(models.Model):
    """Someone asks to join a structure that already exists (same SIRET); its administrators or staff decide."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        ACCEPTED = "accepted", _("Acceptée")
        REFUSED = "refused", _("Refusée")

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(_("statut"), max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("demande d'adhésion")
        verbose_name_plural = _("demandes d'adhésion")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "user"], condition=Q(status="pending"), name="joinrequest_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.structure} ({self.get_status_display()})"


class ImportJob(models.Model):
    """A staff CSV import of structures: uploaded, checked row by row (dry run), then applied in Celery."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Fichier reçu")
        CHECKING = "checking", _("Vérification en cours")
        CHECKED = "checked", _("Vérifié, prêt à appliquer")
        APPLYING = "applying", _("Import en cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    file = models.FileField(_("fichier CSV"), upload_to="imports/")
    file_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("créées"), default=0)
    updated_count = models.PositiveIntegerField(_("mises à jour"), default=0)
    unchanged_count = models.PositiveIntegerField(_("inchangées"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejetées"), default=0)
    # One entry per row: {"line": 12, "action": "create|update|unchanged|reject", "siret": "...", "errors": [...]}
    report = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import de structures")
        verbose_name_plural = _("imports de structures")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file.name} ({self.get_status_display()})"


# --- Profiles that prove (issue 14): client references, labels, photos, offers -----------------------------------


class AmountBand(models.TextChoices):
    """The amount of a past contract, in bands (buyers compare orders of magnitude, not exact figures)."""

    UNDISCLOSED = "", _("Non communiqué")
    UNDER_40K = "lt40k", _("Moins de 40 000 €")
    UNDER_100K = "40k-100k", _("40 000 à 100 000 €")
    UNDER_250K = "100k-250k", _("100 000 à 250 000 €")
    UNDER_1M = "250k-1m", _("250 000 € à 1 M€")
    OVER_1M = "gt1m", _("Plus de 1 M€")


class ProofQuerySet(models.QuerySet):
    def for_structure(self, structure):
        return self.filter(structure=structure)


def client_logo_path(instance, filename):
    return f"structures/references/{instance.structure_id}/{filename}"


class ClientReference(models.Model):
    """A past contract a structure shows buyers: who the client was, when, what was done, roughly for how much."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="client_references")
    client = models.CharField(_("client"), max_length=200)
    year = models.PositiveSmallIntegerField(_("année"))
    description = models.TextField(_("ce qui a été fait"), max_length=1000)
    amount_band = models.CharField(_("montant"), max_length=10, choices=AmountBand.choices, blank=True)
    client_logo = models.ImageField(_("logo du client"), upload_to=client_logo_path, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProofQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-created_at", "-pk"]  # newest first
        verbose_name = _("référence client")
        verbose_name_plural = _("références clients")
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=1900, year__lte=2100), name="clientreference_year_range")
        ]

    def __str__(self):
        return f"{self.client} ({self.year})"


class LabelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Label(models.Model):
    """A label or certification (ESUS, RGE, Qualiopi…): a reference list maintained by staff in the admin."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    url = models.URLField(_("page de référence"), blank=True)
    is_active = models.BooleanField(
        _("proposé aux structures"),
        default=True,
        help_text=_("Décochez pour ne plus le proposer : les structures qui l'ont déjà le gardent."),
    )

    objects = LabelQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("label ou certification")
        verbose_name_plural = _("labels et certifications")

    def __str__(self):
        return self.name


def label_document_path(instance, filename):
    return f"structures/labels/{instance.structure_id}/{filename}"


class StructureLabel(models.Model):
    """A label a structure holds, with an optional expiry date and supporting document (PDF or image)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="structure_labels")
    label = models.ForeignKey(Label, verbose_name=_("label"), on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    document = models.FileField(_("justificatif"), upload_to=label_document_path, blank=True)
    document_name = models.CharField(_("nom du justificatif"), max_length=120, blank=True)
    document_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProofQuerySet.as_manager()

    class Meta:
        ordering = ["label__name"]
        verbose_name = _("label d'une structure")
        verbose_name_plural = _("labels des structures")
        constraints = [models.UniqueConstraint(fields=["structure", "label"], name="structurelabel_unique")]

    def __str__(self):
        return f"{self.label} · {self.structure_id}"

    def is_expired(self, today=None) -> bool:
        from django.utils import timezone

        return self.expires_on is not None and self.expires_on < (today or timezone.localdate())

    @property
    def expired(self) -> bool:
        return self.is_expired()


def photo_path(instance, filename):
    return f"structures/photos/{instance.structure_id}/{filename}"


class StructurePhoto(models.Model):
    """A photo of the structure's work (at most PHOTOS_MAX per structure, structures.services.proofs)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    alt_text = models.CharField(_("description de la photo"), max_length=250)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProofQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [models.CheckConstraint(condition=~Q(alt_text=""), name="structurephoto_alt_required")]

    def __str__(self):
        return self.alt_text


class Offer(models.Model):
    """What the structure offers buyers, in a few words: a title and a short description."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="offers")
    title = models.CharField(_("titre"), max_length=120)
    description = models.TextField(_("description"), max_length=1000)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProofQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("offre")
        verbose_name_plural = _("offres")

    def __str__(self):
        return self.title


class StructureDraft(models.Model):
    """What a user typed in the sign-up wizard (structures.views_space.structure_create), kept in the database so
    that it survives a logout or a change of device: one per user, deleted when the structure is created or when
    the user starts again. `data` holds the raw values of each submitted step ({step: {field: [values]}}), errors
    included; `prefill` the values offered by the company directory for steps not submitted yet."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="structure_draft")
    data = models.JSONField(default=dict, blank=True)
    prefill = models.JSONField(default=dict, blank=True)
    valid_steps = models.JSONField(default=list, blank=True)
    current_step = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inscription en cours")
        verbose_name_plural = _("inscriptions en cours")

    def __str__(self):
        return f"{self.user} ({self.current_step or '-'})"
