"""The staff import's upload form (the other structures forms live in structures/forms.py)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from structures.imports import MAX_FILE_BYTES


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "Encodage UTF-8, séparateur « ; » ou « , », la première ligne nomme les colonnes. %(size)s Mo au plus."
        ) % {"size": MAX_FILE_BYTES // 2**20}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Le fichier fait plus de %(size)s Mo : découpez-le en plusieurs fichiers.")
                % {"size": MAX_FILE_BYTES // 2**20}
            )
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(
                _("Choisissez un fichier .csv (dans Excel : Fichier > Enregistrer sous > « CSV UTF-8 »).")
            )
        return upload
