"""Forms of the geo app: a commune typed as text (name, name + postcode, or INSEE code), a structure's site."""

from django import forms
from django.utils.translation import gettext_lazy as _

from geo import services
from geo.models import Site


class CommuneField(forms.CharField):
    """A text field whose clean value is a `Commune`, or a French error saying how to name it.

    `prefer_largest`: a name shared by several communes means the most populated one (the directory's "près de");
    otherwise the person is asked for a postcode.
    """

    def __init__(self, *, prefer_largest: bool = False, **kwargs):
        kwargs.setdefault("max_length", 120)
        super().__init__(**kwargs)
        self.prefer_largest = prefer_largest

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return services.resolve_commune(text, prefer_largest=self.prefer_largest)
        except services.GeoError as error:
            raise forms.ValidationError(error.message, code="commune") from error


class SiteForm(forms.Form):
    label = forms.CharField(
        label=_("Nom du site"),
        max_length=Site._meta.get_field("label").max_length,
        required=False,
        help_text=Site._meta.get_field("label").help_text,
    )
    address = forms.CharField(
        label=_("Adresse"),
        max_length=Site._meta.get_field("address").max_length,
        required=False,
        help_text=_("Numéro et rue, par exemple « 12 rue de la République »."),
    )
    commune = forms.CharField(
        label=_("Commune"),
        max_length=120,
        help_text=_(
            "Son nom ou son code INSEE : « Saint-Denis », « Montreuil », « Paris 11e Arrondissement », « 93066 »."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postcode = forms.CharField(
        label=_("Code postal (si plusieurs communes portent ce nom)"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    is_main = forms.BooleanField(
        label=_("C'est le site principal (le siège)"),
        required=False,
        help_text=_("Le premier site ajouté est le site principal."),
    )

    def clean(self):
        cleaned = super().clean()
        if "commune" in cleaned:
            try:
                cleaned["commune"] = services.resolve_commune(cleaned["commune"], postcode=cleaned.get("postcode", ""))
            except services.GeoError as error:
                self.add_error("commune", error.message)
        return cleaned
