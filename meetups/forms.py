from django import forms
from django.utils.translation import gettext_lazy as _

from ess2024.templatetags.french import a, de
from structures.models import Structure


class RegisterForm(forms.Form):
    """Which of the user's structures registers (a select only when there are several)."""

    structure = forms.ModelChoiceField(
        label=_("Structure à inscrire"),
        queryset=Structure.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez une de vos structures qui n'est pas encore inscrite.")},
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        self.fields["structure"].widget.attrs["class"] = "form-select"


class MeetingRequestsForm(forms.Form):
    """Which attending buyers a registered structure wants to meet, with a short note for each."""

    buyers = forms.MultipleChoiceField(
        label=_("Acheteurs que vous voulez rencontrer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Cet acheteur ne participe pas à la rencontre.")},
    )

    def __init__(self, *args, buyers, **kwargs):
        self.buyer_list = list(buyers)
        super().__init__(*args, **kwargs)
        self.fields["buyers"].choices = [(str(buyer.pk), buyer.name) for buyer in self.buyer_list]
        for buyer in self.buyer_list:
            self.fields[f"priority_{buyer.pk}"] = _priority_field(
                _("Rang %(de_name)s (1 = premier souhait)") % {"de_name": de(buyer.name)}
            )
            self.fields[f"note_{buyer.pk}"] = forms.CharField(
                label=_("Ce que vous voulez présenter %(a_buyer)s") % {"a_buyer": a(buyer.name)},
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def rows(self):
        """(buyer, checkbox subwidget, note bound field) for each attending buyer, in order."""
        checkboxes = {str(choice.data["value"]): choice for choice in self["buyers"]}
        return [
            (buyer, checkboxes[str(buyer.pk)], self[f"note_{buyer.pk}"], self[f"priority_{buyer.pk}"])
            for buyer in self.buyer_list
        ]

    def selected_buyers(self):
        """The chosen buyers in order of priority: ranked ones first (1 = first wish), then the others."""
        wanted = set(self.cleaned_data["buyers"])
        chosen = [buyer for buyer in self.buyer_list if str(buyer.pk) in wanted]
        return ordered_by_rank(chosen, {b.pk: self.cleaned_data.get(f"priority_{b.pk}") for b in chosen})

    def notes(self) -> dict[int, str]:
        return {buyer.pk: self.cleaned_data.get(f"note_{buyer.pk}", "") for buyer in self.buyer_list}


def _priority_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=99,
        widget=forms.NumberInput(attrs={"class": "form-control meetup-wish__rank", "inputmode": "numeric"}),
        error_messages={
            "min_value": _("Le rang est un nombre de 1 à 99."),
            "max_value": _("Le rang est un nombre de 1 à 99."),
            "invalid": _("Le rang est un nombre de 1 à 99."),
        },
    )


def ordered_by_rank(items, ranks: dict[int, int | None]):
    """Items with a rank first (smallest first), then the others in their order."""
    position = {item.pk: index for index, item in enumerate(items)}
    return sorted(items, key=lambda item: (ranks.get(item.pk) is None, ranks.get(item.pk) or 0, position[item.pk]))


class BuyerRequestsForm(forms.Form):
    """Which registered structures a buyer wants to meet, each with an optional rank (1 = first wish) and a note."""

    registrations = forms.MultipleChoiceField(
        label=_("Structures que vous voulez rencontrer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Cette structure n'est pas inscrite à la rencontre.")},
    )

    def __init__(self, *args, registrations, **kwargs):
        self.registration_list = list(registrations)
        super().__init__(*args, **kwargs)
        self.fields["registrations"].choices = [(str(r.pk), r.structure.name) for r in self.registration_list]
        for registration in self.registration_list:
            name = registration.structure.name
            self.fields[f"priority_{registration.pk}"] = _priority_field(
                _("Rang %(de_name)s (1 = premier souhait)") % {"de_name": de(name)}
            )
            self.fields[f"note_{registration.pk}"] = forms.CharField(
                label=_("Ce que vous attendez %(de_name)s") % {"de_name": de(name)},
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def rows(self):
        checkboxes = {str(choice.data["value"]): choice for choice in self["registrations"]}
        return [
            (r, checkboxes[str(r.pk)], self[f"priority_{r.pk}"], self[f"note_{r.pk}"]) for r in self.registration_list
        ]

    def selected_registrations(self):
        wanted = set(self.cleaned_data["registrations"])
        chosen = [r for r in self.registration_list if str(r.pk) in wanted]
        return ordered_by_rank(chosen, {r.pk: self.cleaned_data.get(f"priority_{r.pk}") for r in chosen})

    def notes(self) -> dict[int, str]:
        return {r.pk: self.cleaned_data.get(f"note_{r.pk}", "") for r in self.registration_list}


class RespondForm(forms.Form):
    """Accept or decline a request; the reason is optional and only kept for a decline."""

    answer = forms.ChoiceField(
        label=_("Réponse"),
        choices=[("accept", _("Accepter")), ("decline", _("Décliner"))],
        error_messages={
            "required": _("Choisissez d'accepter ou de décliner."),
            "invalid_choice": _("Réponse inconnue."),
        },
    )
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"max_length": _("Le motif ne doit pas dépasser 300 caractères.")},
    )


def slot_value(slot) -> str:
    """A slot's form value: its UTC start to the minute (the same whatever time zone the datetime carries)."""
    import datetime

    return slot.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ")


class UnavailabilityForm(forms.Form):
    """The slots a participant cannot attend."""

    slots = forms.MultipleChoiceField(
        label=_("Créneaux où vous n'êtes pas disponible"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("Choisissez des créneaux de la rencontre.")},
    )

    def __init__(self, *args, slots, **kwargs):
        from django.utils import formats, timezone

        self.slot_list = list(slots)
        super().__init__(*args, **kwargs)
        self.fields["slots"].choices = [
            (slot_value(slot), formats.time_format(timezone.localtime(slot), "TIME_FORMAT")) for slot in self.slot_list
        ]

    def chosen(self):
        by_value = {slot_value(slot): slot for slot in self.slot_list}
        return [by_value[value] for value in self.cleaned_data["slots"]]


class RatingForm(forms.Form):
    useful = forms.BooleanField(label=_("Rendez-vous utile"), required=False)
    follow_up = forms.BooleanField(label=_("Suite prévue"), required=False)


class CheckInSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher un participant"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search", "autocomplete": "off"}),
    )
