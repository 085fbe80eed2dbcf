"""Forms of the shortlist pages. They only check the shape of the input; the rules live in shortlists.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shortlists import exports
from shortlists.models import NAME_MAX_LENGTH, NOTE_MAX_LENGTH


class ShortlistNameForm(forms.Form):
    name = forms.CharField(
        label=_("Nom de la liste"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("Par exemple : « Traiteurs du 93 » ou « Nettoyage village des athlètes »."),
        error_messages={"required": _("Donnez un nom à la liste.")},
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AddToShortlistForm(forms.Form):
    """On a structure's profile: an existing list, or the name of a new one."""

    shortlist = forms.TypedChoiceField(label=_("Liste"), required=False, coerce=int, empty_value=None)
    new_name = forms.CharField(
        label=_("Ou une nouvelle liste"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text=_("Donnez-lui un nom : elle sera partagée avec votre organisation."),
    )
    note = forms.CharField(
        label=_("Note sur cette structure"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, shortlists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shortlist"].choices = [("", _("— Choisir une liste —"))] + [
            (shortlist.pk, shortlist.name) for shortlist in shortlists
        ]
        if not shortlists:
            del self.fields["shortlist"]
            self.fields["new_name"].label = _("Nom de la nouvelle liste")

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("shortlist") and not (data.get("new_name") or "").strip():
            if "shortlist" in self.fields:
                raise forms.ValidationError(_("Choisissez une liste ou donnez le nom d'une nouvelle liste."))
            self.add_error("new_name", _("Donnez un nom à la liste."))
        return data


class ExportForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=_("Colonnes"),
        choices=exports.column_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une colonne à exporter.")},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("xlsx", _("Excel (XLSX)")), ("csv", _("CSV (séparateur point-virgule)"))],
        widget=forms.RadioSelect,
        initial="xlsx",
        error_messages={"required": _("Choisissez un format.")},
    )


class InviteForm(forms.Form):
    tender = forms.TypedChoiceField(
        label=_("Appel d'offres"),
        coerce=int,
        error_messages={"required": _("Choisissez un appel d'offres.")},
    )

    def __init__(self, *args, tenders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender"].choices = [("", _("— Choisir un appel d'offres —"))] + [
            (tender.pk, f"{tender.title} ({tender.get_status_display()})") for tender in tenders
        ]
