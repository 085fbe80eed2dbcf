from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import Frequency
from structures.models import Topic


class PreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Quand voulez-vous recevoir les appels d'offres qui vous correspondent ?"),
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez quand recevoir les e-mails.")},
    )
    ignored_topics = forms.ModelMultipleChoiceField(
        label=_("Thématiques à ignorer"),
        queryset=Topic.objects.filter(is_active=True).order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Cochez les thématiques qui ne vous intéressent pas : vous ne recevrez pas d'e-mail pour un appel "
            "d'offres qui ne concerne que celles-ci."
        ),
    )


class SaveSearchForm(forms.Form):
    querystring = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)
