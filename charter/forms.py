"""The upload form of an award import (charter.imports)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from charter import imports
from tenders.models import BuyerOrganisation


class AwardImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier des marchés attribués"),
        help_text=_(
            "CSV ou Excel (.xlsx), au format des données essentielles de la commande publique : une ligne par "
            "marché, avec au moins les colonnes id, objet, montant, dateNotification, titulaire_id_1 (SIRET du "
            "titulaire) et titulaire_denominationSociale_1."
        ),
    )
    buyer = forms.ModelChoiceField(
        label=_("Acheteur"), queryset=BuyerOrganisation.objects.order_by("name"), required=True
    )

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["buyer"]  # a buyer imports for their own organisation only

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_FILE_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 10 Mo : découpez-le en plusieurs fichiers."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Choisissez un fichier CSV ou Excel (.xlsx)."))
        return upload
