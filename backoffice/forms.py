from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.services import CLARIFICATION_MAX_LENGTH


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        help_text=_("Envoyé par e-mail aux membres de la structure, et affiché dans leur espace."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif du refus : il est envoyé aux membres de la structure.")},
    )


class ClarifyForm(forms.Form):
    message = forms.CharField(
        label=_("Précision demandée"),
        help_text=_("Envoyée par e-mail aux membres ; la structure reste en attente de vérification."),
        max_length=CLARIFICATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Écrivez la précision demandée : elle est envoyée aux membres de la structure.")
        },
    )
