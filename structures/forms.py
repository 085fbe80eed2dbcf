"""Forms of the member space: the sign-up wizard's steps, the profile sections, the team.

Forms validate what was typed and say how to fix it, in French; they never save. Views pass `cleaned_data` to
structures.services.
"""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from structures.models import Area, Headcount, LegalForm, Membership, Sector, Structure, Topic, Turnover
from structures.services import LOGO_MAX_BYTES, SECTION_FIELDS
from structures.validators import clean_siret

postcode_validator = RegexValidator(
    r"^[0-9]{5}$", _("Le code postal compte 5 chiffres, par exemple 93200."), code="invalid_postcode"
)
phone_validator = RegexValidator(
    r"^\+?[0-9 .()-]{10,20}$",
    _("Saisissez un numéro de téléphone, par exemple 01 23 45 67 89 ou +33 1 23 45 67 89."),
    code="invalid_phone",
)


class SiretForm(forms.Form):
    siret = forms.CharField(
        label=_("Numéro SIRET de la structure"),
        max_length=40,
        help_text=_(
            "14 chiffres. Vous le trouvez sur l'avis de situation Insee, une facture ou sur "
            "annuaire-entreprises.data.gouv.fr."
        ),
        error_messages={"required": _("Indiquez le numéro SIRET de la structure (14 chiffres).")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )

    existing_structure = None

    def clean_siret(self):
        siret = clean_siret(self.cleaned_data["siret"])
        existing = Structure.objects.filter(siret=siret).first()
        if existing is not None:
            if not Structure.objects.listed().filter(pk=existing.pk).exists():
                # Archived or rejected: not public, so neither its name nor a way to join it is shown.
                raise forms.ValidationError(
                    _("Ce SIRET est déjà enregistré sur la plateforme. Écrivez à l'équipe des Canaux si besoin."),
                    code="duplicate_hidden",
                )
            self.existing_structure = existing
            raise forms.ValidationError(
                _("Cette structure est déjà inscrite. Si vous en faites partie, demandez à rejoindre son équipe."),
                code="duplicate",
            )
        return siret


class IdentityForm(forms.ModelForm):
    class Meta:
        model = Structure
        fields = SECTION_FIELDS["identite"]
        labels = {"name": _("Nom de la structure"), "website": _("Site web")}
        help_texts = {
            "legal_form": _("Elle détermine les marchés réservés auxquels la structure peut répondre."),
            "esus_accredited": _(
                "ESUS : agrément « entreprise solidaire d'utilité sociale », délivré par la préfecture (DREETS)."
            ),
            "address": _("Numéro et rue."),
            "website": _("Par exemple https://www.ma-structure.fr"),
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "website": forms.URLInput(attrs={"autocomplete": "url"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_form"].choices = [("", _("Choisissez une forme juridique")), *LegalForm.choices]
        self.fields["legal_form"].error_messages["required"] = _("Choisissez la forme juridique de la structure.")
        self.fields["name"].error_messages["required"] = _("Indiquez le nom de la structure.")
        self.fields["postcode"].required = True
        self.fields["postcode"].validators.append(postcode_validator)
        self.fields["postcode"].error_messages["required"] = _("Indiquez le code postal du siège (5 chiffres).")
        self.fields["city"].required = True
        self.fields["city"].error_messages["required"] = _("Indiquez la commune du siège.")
        self.fields["website"].error_messages["invalid"] = _(
            "Saisissez une adresse web complète, par exemple https://www.ma-structure.fr"
        )

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class ContactForm(forms.ModelForm):
    class Meta:
        model = Structure
        fields = SECTION_FIELDS["contact"]
        labels = {
            "contact_name": _("Nom de la personne à contacter"),
            "contact_email": _("E-mail de contact"),
            "contact_phone": _("Téléphone de contact"),
        }
        help_texts = {
            "contact_email": _("Visible des acheteurs connectés et de l'équipe des Canaux."),
        }
        widgets = {
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_phone"].validators.append(phone_validator)
        self.fields["contact_email"].error_messages["invalid"] = _(
            "Saisissez une adresse e-mail valide, par exemple contact@ma-structure.fr"
        )


class IdentityStepForm(IdentityForm):
    """Wizard step 2: identity and public contact together."""

    class Meta(IdentityForm.Meta):
        fields = SECTION_FIELDS["identite"] + SECTION_FIELDS["contact"]
        labels = {**IdentityForm.Meta.labels, **ContactForm.Meta.labels}
        help_texts = {**IdentityForm.Meta.help_texts, **ContactForm.Meta.help_texts}
        widgets = {**IdentityForm.Meta.widgets, **ContactForm.Meta.widgets}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_phone"].validators.append(phone_validator)
        self.fields["contact_email"].error_messages["invalid"] = _(
            "Saisissez une adresse e-mail valide, par exemple contact@ma-structure.fr"
        )

    @property
    def identity_fields(self):
        return [self[name] for name in SECTION_FIELDS["identite"]]

    @property
    def contact_fields(self):
        return [self[name] for name in SECTION_FIELDS["contact"]]


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Structure
        fields = SECTION_FIELDS["activite"]
        labels = {
            "topics": _("Thématiques sur lesquelles la structure peut répondre"),
            "sectors": _("Secteurs d'activité"),
            "areas": _("Zones d'intervention"),
        }
        help_texts = {
            "topics": _("Les 18 thématiques de la charte : les acheteurs filtrent l'annuaire avec."),
            "areas": _("Où la structure peut travailler. Cochez tout ce qui s'applique."),
        }
        widgets = {
            "topics": forms.CheckboxSelectMultiple,
            "sectors": forms.CheckboxSelectMultiple,
            "areas": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(is_active=True)
        self.fields["topics"].required = True
        self.fields["topics"].error_messages["required"] = _("Cochez au moins une thématique.")
        self.fields["sectors"].queryset = Sector.objects.all()
        self.fields["areas"].queryset = Area.objects.all()
        self.fields["areas"].required = True
        self.fields["areas"].error_messages["required"] = _("Cochez au moins une zone d'intervention.")
        self._area_kinds = dict(Area.objects.values_list("pk", "kind"))

    def area_groups(self):
        """The area checkboxes grouped by kind, for one <fieldset> each: [(legend, [BoundWidget, …]), …]."""
        groups = {kind: [] for kind in Area.Kind.values}
        for choice in self["areas"]:
            groups[self._area_kinds[int(str(choice.data["value"]))]].append(choice)
        legends = {
            Area.Kind.ARRONDISSEMENT: _("Paris, par arrondissement"),
            Area.Kind.DEPARTMENT: _("Départements d'Île-de-France"),
            Area.Kind.NATIONAL: _("Au-delà de l'Île-de-France"),
        }
        return [(kind, legends[kind], choices) for kind, choices in groups.items() if choices]


class CapacityForm(forms.ModelForm):
    class Meta:
        model = Structure
        fields = SECTION_FIELDS["capacite"]
        labels = {
            "headcount": _("Effectif salarié"),
            "turnover": _("Chiffre d'affaires annuel"),
            "insertion_people_per_year": _("Personnes en insertion accueillies par an"),
            "insertion_hours_per_year": _("Heures de travail en insertion par an"),
            "description": _("Description de l'activité"),
            "references": _("Références"),
        }
        help_texts = {
            "insertion_people_per_year": _("Pour les structures d'insertion (SIAE). Un nombre, par exemple 12."),
            "insertion_hours_per_year": _("Un nombre d'heures, par exemple 15000."),
            "description": _(
                "Ce que fait la structure, pour qui et où. Les acheteurs cherchent dans ce texte : employez les "
                "mots de votre métier (déchets, réemploi, restauration…)."
            ),
            "references": _(
                "Clients ou marchés passés, un par ligne : « Ville de Montreuil, entretien des espaces verts, 2023 »."
            ),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "references": forms.Textarea(attrs={"rows": 4}),
            "insertion_people_per_year": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "insertion_hours_per_year": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["headcount"].required = True
        self.fields["headcount"].choices = [("", _("Choisissez un effectif")), *Headcount.choices]
        self.fields["headcount"].error_messages["required"] = _("Choisissez l'effectif de la structure.")
        self.fields["turnover"].choices = [("", _("Non renseigné")), *Turnover.choices]
        self.fields["description"].required = True
        self.fields["description"].error_messages["required"] = _(
            "Décrivez l'activité de la structure en quelques phrases."
        )
        for name in ("insertion_people_per_year", "insertion_hours_per_year"):
            self.fields[name].error_messages["invalid"] = _("Saisissez un nombre entier, sans espace ni lettre.")
            self.fields[name].error_messages["min_value"] = _("Saisissez un nombre positif.")

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        if len(description) < 30:
            raise forms.ValidationError(
                _("Décrivez l'activité en 30 caractères au moins (vous en avez saisi %(count)s).")
                % {"count": len(description)},
                code="too_short",
            )
        return description


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Nouveau logo"),
        help_text=_("Image PNG, JPEG ou WebP, 2 Mo au plus. Elle sera réduite à 512 pixels de côté au plus."),
        error_messages={
            "required": _("Choisissez un fichier image."),
            "empty": _("Ce fichier est vide : choisissez une image."),
        },
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def clean_logo(self):
        logo = self.cleaned_data["logo"]
        if logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("Le logo pèse %(size)s Mo : la limite est de 2 Mo. Réduisez l'image puis réessayez.")
                % {"size": f"{logo.size / 1024 / 1024:.1f}".replace(".", ",")},
                code="too_big",
            )
        return logo


SECTION_FORMS = {
    "identite": IdentityForm,
    "contact": ContactForm,
    "activite": ActivityForm,
    "capacite": CapacityForm,
}


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail de la personne à inviter"),
        error_messages={
            "required": _("Indiquez l'adresse e-mail de la personne à inviter."),
            "invalid": _("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        help_text=_("Un administrateur peut aussi gérer l'équipe et archiver la structure."),
        widget=forms.RadioSelect,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Membership.Role.choices)


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message aux administrateurs de la structure"),
        required=False,
        max_length=1000,
        help_text=_("Présentez-vous en une phrase : votre fonction dans la structure, par exemple."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=2000,
        help_text=_("Envoyé tel quel aux membres de la structure : dites ce qu'ils peuvent corriger."),
        error_messages={"required": _("Indiquez le motif du refus.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
