"""Forms of the public tender pages. They only validate input: the rules live in tenders/services/."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tenders.models import Interest, Lot
from tenders.services.questions import QUESTION_MAX_LENGTH


class InterestForm(forms.Form):
    answer = forms.ChoiceField(label=_("Votre réponse"), choices=Interest.Answer.choices, widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label=_("Pourquoi cet appel d'offres ne vous convient pas ?"),
        choices=[("", _("Choisissez une raison")), *Interest.Reason.choices],
        required=False,
    )
    reason_detail = forms.CharField(
        label=_("Précisions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("L'acheteur lit ces précisions : elles l'aident à mieux construire ses prochains marchés."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("answer") == Interest.Answer.NOT_INTERESTED:
            if not cleaned.get("reason"):
                self.add_error("reason", _("Choisissez une raison dans la liste."))
            elif cleaned["reason"] == Interest.Reason.OTHER and not (cleaned.get("reason_detail") or "").strip():
                self.add_error("reason_detail", _("Précisez la raison en quelques mots."))
        return cleaned


class PartnerSearchForm(forms.Form):
    contribution = forms.CharField(
        label=_("Ce que votre structure peut prendre en charge"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Par exemple : « la collecte et le tri des déchets sur deux sites, avec 5 salariés en insertion »."
        ),
    )
    lots = forms.ModelMultipleChoiceField(
        label=_("Les lots qui vous intéressent"),
        queryset=Lot.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        lots = self.fields["lots"]
        lots.queryset = tender.lots.all()
        lots.label_from_instance = lambda lot: str(lot)
        if not tender.lots.exists():
            del self.fields["lots"]


class PartnerMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Présentez votre structure et ce que vous proposez. Votre adresse e-mail n'est pas transmise : "
            "elle ne sera échangée que si la structure vous répond."
        ),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Votre réponse"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("En répondant, vous échangez vos adresses e-mail avec cette structure."),
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Votre question à l'acheteur"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("La réponse sera publiée sur cette page pour tout le monde, sans le nom de votre structure."),
    )
