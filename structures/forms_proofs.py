"""Forms of what a profile proves: client references, labels, photos, offers, and the reminder preference.

They check what was typed and say how to fix it, in French; the services (structures.services.proofs) decide and
save. A file field cannot keep its file after an error (browsers do not allow it): every other field keeps what was
typed, and the error says to choose the file again.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from structures.models import AmountBand, ClientReference, Label, Offer, StructureLabel, StructurePhoto
from structures.services import proofs

IMAGE_ACCEPT = "image/png,image/jpeg,image/webp"


class ClientReferenceForm(forms.ModelForm):
    client_logo_upload = forms.FileField(
        label=_("Logo du client"),
        required=False,
        help_text=_("Image PNG, JPEG ou WebP, 2 Mo au plus, avec l'accord du client."),
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    remove_client_logo = forms.BooleanField(label=_("Retirer le logo du client"), required=False)

    class Meta:
        model = ClientReference
        fields = ["client", "year", "description", "amount_band"]
        labels = {
            "client": _("Client"),
            "year": _("Année"),
            "description": _("Ce qui a été fait"),
            "amount_band": _("Montant du marché"),
        }
        help_texts = {
            "client": _("Par exemple : Ville de Montreuil, SOLIDEO, un bailleur social…"),
            "description": _(
                "En une ou deux phrases : la prestation, le lieu, les volumes. 1 000 caractères au plus."
            ),
        }
        widgets = {
            "client": forms.TextInput(attrs={"autocomplete": "organization"}),
            "year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first, last = proofs.reference_year_bounds()
        self.fields["year"].widget.attrs.update(min=first, max=last)
        self.fields["year"].help_text = _("L'année du marché, entre %(first)s et %(last)s.") % {
            "first": first,
            "last": last,
        }
        self.fields["client"].error_messages["required"] = _("Indiquez le nom du client.")
        self.fields["year"].error_messages.update(
            required=_("Indiquez l'année du marché, par exemple %(year)s.") % {"year": last - 1},
            invalid=_("Saisissez une année en chiffres, par exemple %(year)s.") % {"year": last - 1},
        )
        self.fields["description"].error_messages["required"] = _("Dites en quelques mots ce qui a été fait.")
        self.fields["amount_band"].choices = AmountBand.choices
        if not (self.instance and self.instance.client_logo):
            del self.fields["remove_client_logo"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        first, last = proofs.reference_year_bounds()
        if year is not None and not first <= year <= last:
            raise forms.ValidationError(
                _("L'année doit être comprise entre %(first)s et %(last)s.") % {"first": first, "last": last},
                code="invalid_year",
            )
        return year


class StructureLabelForm(forms.ModelForm):
    document_upload = forms.FileField(
        label=_("Justificatif"),
        required=False,
        help_text=_("Le certificat ou l'attestation : PDF ou image (PNG, JPEG, WebP), 5 Mo au plus."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf," + IMAGE_ACCEPT}),
    )
    remove_document = forms.BooleanField(label=_("Retirer le justificatif"), required=False)

    class Meta:
        model = StructureLabel
        fields = ["label", "expires_on"]
        labels = {"label": _("Label ou certification"), "expires_on": _("Valable jusqu'au")}
        help_texts = {"expires_on": _("Laissez vide s'il n'expire pas. Format : 31/12/2026.")}
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, structure=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.label_id if self.instance and self.instance.pk else None
        queryset = Label.objects.active()
        if structure is not None:
            taken = StructureLabel.objects.filter(structure=structure).exclude(label_id=current).values("label_id")
            queryset = queryset.exclude(pk__in=taken)
        if current:
            queryset = Label.objects.filter(pk=current) | queryset
        self.fields["label"].queryset = queryset.order_by("name")
        self.fields["label"].empty_label = _("Choisissez un label")
        self.fields["label"].error_messages.update(
            required=_("Choisissez un label dans la liste."),
            invalid_choice=_("Ce label n'est pas proposé ou figure déjà sur le profil : choisissez-en un autre."),
        )
        self.fields["expires_on"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["expires_on"].error_messages["invalid"] = _("Saisissez une date, par exemple 31/12/2026.")
        if not (self.instance and self.instance.document):
            del self.fields["remove_document"]


class PhotoForm(forms.ModelForm):
    image_upload = forms.FileField(
        label=_("Photo"),
        help_text=_("Image PNG, JPEG ou WebP, 5 Mo au plus. Les métadonnées (lieu, appareil) sont retirées."),
        error_messages={
            "required": _("Choisissez une photo."),
            "empty": _("Ce fichier est vide : choisissez une photo."),
        },
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )

    class Meta:
        model = StructurePhoto
        fields = ["alt_text"]
        labels = {"alt_text": _("Description de la photo")}
        help_texts = {
            "alt_text": _(
                "Lue aux personnes qui ne voient pas l'image : ce qu'elle montre, en une phrase. "
                "Par exemple : « Deux salariées trient des vêtements dans l'atelier de Pantin »."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alt_text"].error_messages["required"] = _(
            "Décrivez la photo en une phrase pour les personnes qui ne la voient pas (texte alternatif)."
        )
        if self.instance and self.instance.pk:
            self.fields["image_upload"].required = False
            self.fields["image_upload"].label = _("Remplacer la photo")


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = ["title", "description"]
        labels = {"title": _("Titre de l'offre"), "description": _("Description")}
        help_texts = {
            "title": _("120 caractères au plus. Par exemple : « Collecte et réemploi du mobilier de bureau »."),
            "description": _("Ce que vous proposez, pour qui, où, en quels volumes. 1 000 caractères au plus."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = _("Donnez un titre à l'offre.")
        self.fields["description"].error_messages["required"] = _("Décrivez l'offre en quelques phrases.")
        for name, limit in (("title", 120), ("description", 1000)):
            self.fields[name].error_messages["max_length"] = _(
                "%(limit)s caractères au plus (vous en avez saisi %%(show_value)s)."
            ) % {"limit": limit}


class ReminderPreferenceForm(forms.Form):
    completeness_reminders = forms.BooleanField(
        label=_("Recevoir chaque mois un rappel tant que le profil n'est pas complet"), required=False
    )
