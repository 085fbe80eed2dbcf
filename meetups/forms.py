from django import forms
from django.utils.translation import gettext_lazy as _

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
            self.fields[f"note_{buyer.pk}"] = forms.CharField(
                label=_("Ce que vous voulez présenter à %(buyer)s") % {"buyer": buyer.name},
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def rows(self):
        """(buyer, checkbox subwidget, note bound field) for each attending buyer, in order."""
        checkboxes = {str(choice.data["value"]): choice for choice in self["buyers"]}
        return [(buyer, checkboxes[str(buyer.pk)], self[f"note_{buyer.pk}"]) for buyer in self.buyer_list]

    def selected_buyers(self):
        wanted = set(self.cleaned_data["buyers"])
        return [buyer for buyer in self.buyer_list if str(buyer.pk) in wanted]

    def notes(self) -> dict[int, str]:
        return {buyer.pk: self.cleaned_data.get(f"note_{buyer.pk}", "") for buyer in self.buyer_list}
