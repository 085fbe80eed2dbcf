"""Buyer-side pages outside the admin: the public "Demander un accès acheteur" form and a buyer's email preferences.

The buyer's home (what needs doing today) is the first `/espace/` panel for buyers (tenders/panels.py) and the
admin index for buyers (templates/admin/index.html through the `buyer_home` template tag).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tenders.models import BuyerAccessRequest, BuyerFrequency, BuyerNotificationPreference
from tenders.perms import is_buyer
from tenders.services.buyer_access import MESSAGE_MAX_LENGTH, access_request_create
from tenders.services.buyer_notifications import preference_for, set_buyer_preferences


class BuyerAccessRequestForm(forms.ModelForm):
    class Meta:
        model = BuyerAccessRequest
        fields = ["organisation_name", "siret", "full_name", "role", "email", "charter_signatory", "message"]
        help_texts = {
            "organisation_name": gettext_lazy("Par exemple « Ville de Saint-Denis » ou « SOLIDEO »."),
            "siret": gettext_lazy("Les 14 chiffres du SIRET de votre organisation (sur l'annuaire des entreprises)."),
            "email": gettext_lazy("Votre adresse au sein de l'organisation : nous y envoyons notre réponse."),
            "message": gettext_lazy("Ce que vous achetez, pour quels sites des Jeux, qui peut confirmer votre rôle…"),
        }
        widgets = {
            "message": forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX_LENGTH}),
            "siret": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 17}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "role": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "organisation_name": forms.TextInput(attrs={"autocomplete": "organization"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service checks every field and says how to fix it (one place for the rules): the form only collects.
        self.fields["email"] = forms.CharField(
            label=self.fields["email"].label,
            help_text=self.fields["email"].help_text,
            max_length=254,
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        )
        for field in self.fields.values():
            field.validators = []
            field.validate = lambda value: None  # "required" stays for the label; the service says what is missing
        self.fields["message"].required = False
        self.fields["siret"].max_length = 17  # spaces allowed; the service keeps the 14 digits
        self.fields["siret"].widget.attrs["maxlength"] = 17

    def _post_clean(self):
        """The service validates (one place for the rules); the model's own validation is not run here."""


@require_http_methods(["GET", "POST"])
def buyer_access_request(request):
    """`/appels-d-offres/acheteurs/demande-acces/`: a public body asks for a buyer account."""
    form = BuyerAccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access_request_create(**form.cleaned_data)
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(
                request,
                _(
                    "Votre demande est envoyée. L'équipe des Canaux vous répond par e-mail, en général sous deux "
                    "jours ouvrés."
                ),
            )
            return redirect("tenders:buyer_access_sent")
    return render(request, "tenders/buyers/access_request.html", {"form": form})


def buyer_access_sent(request):
    return render(request, "tenders/buyers/access_sent.html")


class BuyerPreferenceForm(forms.ModelForm):
    class Meta:
        model = BuyerNotificationPreference
        fields = ["questions", "interests", "award_reminders"]
        widgets = {"questions": forms.RadioSelect, "interests": forms.RadioSelect}
        labels = {
            "questions": gettext_lazy("Quand une structure pose une question"),
            "interests": gettext_lazy("Quand une structure se dit intéressée"),
            "award_reminders": gettext_lazy(
                "Me rappeler d'attribuer ou de déclarer infructueux un appel d'offres clos (puis chaque semaine)"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].choices = BuyerFrequency.choices
        self.fields["interests"].choices = BuyerFrequency.choices


@login_required
@require_http_methods(["GET", "POST"])
def buyer_preferences(request):
    """`/appels-d-offres/acheteurs/preferences/`: how this buyer hears about questions, interests and deadlines."""
    if not is_buyer(request.user):
        raise Http404
    form = BuyerPreferenceForm(request.POST or None, instance=preference_for(request.user))
    if request.method == "POST" and form.is_valid():
        set_buyer_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Vos préférences d'e-mail sont enregistrées."))
        return redirect("tenders:buyer_preferences")
    return render(request, "tenders/buyers/preferences.html", {"form": form})
