"""Forms of the buyers' admin panel: the tender, lots, documents, answers, and the lifecycle actions."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import formset_factory
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from structures.models import Category, Structure
from tenders.models import (
    Interest,
    Lot,
    Question,
    Tender,
    TenderDocument,
)
from tenders.services.amendments import DEADLINE_FIELDS, is_amendable, min_notice_days, short_notice_problems
from tenders.services.documents import ACCEPT, max_bytes, validate_document
from tenders.validators import clean_cpv_codes


class CpvCodesField(forms.CharField):
    """CPV codes typed on one line, separated by commas or spaces."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        raw = [part for chunk in text.replace(";", ",").split(",") for part in [chunk.strip()] if part]
        return clean_cpv_codes(raw)


def _comparable(value):
    """An initial value as the form would clean it: the admin's time inputs drop microseconds, textareas CRLF."""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    return value


class TenderForm(forms.ModelForm):
    cpv_codes = CpvCodesField(
        label=_("Codes CPV"),
        required=False,
        help_text=_("Facultatif. Séparés par des virgules, par exemple : 45000000-7, 90910000-9."),
    )

    class Meta:
        model = Tender
        fields = [
            "buyer",
            "title",
            "reference",
            "description",
            "topics",
            "places",
            "cpv_codes",
            "estimated_value",
            "procedure",
            "questions_deadline",
            "bid_deadline",
            "contact_name",
            "contact_email",
            "official_url",
        ]
        widgets = {
            "topics": forms.CheckboxSelectMultiple,
            "places": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 8}),
        }

    # Asked only on a published tender (TenderAdmin.get_fieldsets shows them then): see clean_amendment().
    amendment_note = forms.CharField(
        label=_("Ce qui a changé"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Obligatoire si vous modifiez une date limite, les lots, un montant, les lieux, les documents ou la "
            "description : ce message est publié en haut de l'appel d'offres (« Modifié le … ») et envoyé aux "
            "structures prévenues ou qui ont répondu."
        ),
    )
    confirm_short_notice = forms.BooleanField(
        label=_("Je confirme avancer une date limite malgré le délai court"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A draft can be saved unfinished; publishing checks topics and places (lifecycle.publish_problems).
        for name in ("topics", "places"):
            if name in self.fields:
                self.fields[name].required = False
        if "confirm_short_notice" in self.fields:
            self.fields["confirm_short_notice"].help_text = gettext(
                "À cocher seulement si vous avancez une date limite à moins de %(days)s jours d'aujourd'hui : les "
                "structures auraient très peu de temps pour s'organiser."
            ) % {"days": min_notice_days()}

    def clean_description(self):
        # Browsers send textarea line breaks as CRLF: keep LF, so an untouched description is not a change.
        return (self.cleaned_data.get("description") or "").replace("\r\n", "\n")

    def amended_fields(self) -> list[str]:
        """The amendable things this submission changes on a published tender (fields, lots, documents)."""
        cleaned = self.cleaned_data
        changed = []
        for name in ("bid_deadline", "questions_deadline", "estimated_value", "description"):
            if name in self.fields and name in cleaned and cleaned[name] != _comparable(self.initial.get(name)):
                changed.append(name)
        if "places" in self.fields and cleaned.get("places") is not None:
            before = {getattr(area, "pk", area) for area in self.initial.get("places") or []}
            if before != {area.pk for area in cleaned["places"]}:
                changed.append("places")
        # The lot and document inlines, handed over by TenderAdmin._create_formsets.
        for formset in getattr(self.instance, "_amendment_formsets", []):
            if formset.has_changed():
                changed.append("lots" if formset.model is Lot else "documents")
        return changed

    def clean_amendment(self, cleaned) -> None:
        """On a published tender: a change the structures rely on needs a note, a short notice a confirmation."""
        if not self.instance.pk or not is_amendable(self.instance):
            return
        if not self.amended_fields():
            return
        if not (cleaned.get("amendment_note") or "").strip():
            self.add_error(
                "amendment_note",
                gettext(
                    "Indiquez ce qui a changé : ce message est publié sur l'appel d'offres et envoyé aux structures "
                    "concernées."
                ),
            )
        problems = short_notice_problems(
            before={name: self.initial.get(name) for name in DEADLINE_FIELDS},
            after={name: cleaned.get(name, self.initial.get(name)) for name in DEADLINE_FIELDS},
        )
        if problems and not cleaned.get("confirm_short_notice"):
            for problem in problems:
                self.add_error("confirm_short_notice", problem)

    # Set by TenderAdmin.get_form for a buyer user: the organisation every tender they create belongs to.
    forced_buyer_id: int | None = None

    def clean(self):
        cleaned = super().clean()
        if self.forced_buyer_id and not self.instance.buyer_id:
            self.instance.buyer_id = self.forced_buyer_id
        buyer_id = cleaned["buyer"].pk if cleaned.get("buyer") else self.instance.buyer_id
        reference = cleaned.get("reference")
        if buyer_id and reference:
            taken = Tender.objects.filter(buyer_id=buyer_id, reference=reference).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("reference", gettext("Un autre appel d'offres de cet acheteur a déjà cette référence."))
        questions, bids = cleaned.get("questions_deadline"), cleaned.get("bid_deadline")
        if questions and bids and questions > bids:
            self.add_error(
                "questions_deadline",
                gettext("La date limite des questions doit précéder la date limite de remise des offres."),
            )
        self.clean_amendment(cleaned)
        return cleaned


class LotForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = ["number", "title", "description", "topic", "estimated_value", "reserved", "insertion_hours"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = gettext("Laissé vide : le numéro suivant.")


class DocumentUploadForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("Fichier"),
        required=True,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = TenderDocument
        fields = ["title", "upload"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = gettext("Laissé vide : le nom du fichier.")
        self.fields["upload"].help_text = gettext("PDF, ODT, DOCX, XLSX ou ZIP, %(max)s au plus.") % {
            "max": filesizeformat(max_bytes())
        }

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        validate_document(upload)
        return upload


class QuestionAnswerForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["answer"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 3})}

    def clean_answer(self):
        answer = (self.cleaned_data.get("answer") or "").strip()
        if not answer and self.instance.answered_at is not None:
            raise ValidationError(gettext("Une réponse publiée ne peut pas être effacée ; corrigez-la plutôt."))
        return answer


# Lifecycle forms --------------------------------------------------------------------------------------------------


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Il sera affiché sur la page de l'appel d'offres."),
        max_length=2000,
    )


class AwardForm(forms.Form):
    """One award (for the whole tender or one lot). A form left entirely empty is skipped."""

    lot = forms.ModelChoiceField(label=_("Lot"), queryset=Lot.objects.none(), required=False)
    winner = forms.ModelChoiceField(
        label=_("Structure titulaire (parmi les structures intéressées)"),
        queryset=Structure.objects.none(),
        required=False,
    )
    winner_siret = forms.CharField(
        label=_("… ou SIRET d'une structure de la plateforme"), max_length=20, required=False
    )
    winner_name = forms.CharField(label=_("… ou nom du titulaire"), max_length=200, required=False)
    winner_category = forms.ChoiceField(
        label=_("Catégorie du titulaire"),
        choices=[("", _("Celle de la structure choisie")), *Category.choices, ("large", _("Grande entreprise"))],
        required=False,
    )
    amount = forms.DecimalField(
        label=_("Montant (€ HT)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    ess_share_amount = forms.DecimalField(
        label=_("Part ESS/TPE/PME déclarée (€ HT)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Sous-traitance et cotraitance comprises."),
    )
    total_hours_planned = forms.IntegerField(label=_("Heures travaillées prévues"), min_value=0, required=False)
    insertion_hours_planned = forms.IntegerField(label=_("Heures d'insertion prévues"), min_value=0, required=False)
    awarded_on = forms.DateField(
        label=_("Attribué le"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, tender: Tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.tender = tender
        self.fields["lot"].queryset = tender.lots.order_by("number")
        self.fields["winner"].queryset = Structure.objects.filter(
            Q(tender_interests__tender=tender, tender_interests__answer=Interest.Answer.INTERESTED)
            | Q(partner_searches__tender=tender)
        ).distinct()
        if not tender.lots.exists():
            del self.fields["lot"]
        self.skipped = False

    def clean(self):
        cleaned = super().clean()
        winner_fields = ("winner", "winner_siret", "winner_name", "amount")
        if not any(cleaned.get(name) not in (None, "") for name in winner_fields):
            self.skipped = True
            return cleaned
        siret = "".join((cleaned.get("winner_siret") or "").split())
        if siret:
            structure = Structure.objects.filter(siret=siret).first()
            if structure is None:
                self.add_error("winner_siret", gettext("Aucune structure de la plateforme n'a ce SIRET."))
            elif cleaned.get("winner") and cleaned["winner"] != structure:
                self.add_error(
                    "winner_siret", gettext("Choisissez la structure dans la liste ou par SIRET, pas les deux.")
                )
            else:
                cleaned["winner"] = structure
        if not cleaned.get("winner") and not cleaned.get("winner_name"):
            self.add_error("winner_name", gettext("Indiquez le titulaire : une structure, un SIRET ou un nom."))
        if not cleaned.get("winner") and not cleaned.get("winner_category"):
            self.add_error("winner_category", gettext("Indiquez la catégorie du titulaire."))
        if cleaned.get("amount") is None:
            self.add_error("amount", gettext("Indiquez le montant attribué."))
        return cleaned

    def award_data(self) -> dict:
        data = self.cleaned_data
        award = {
            "winner": data.get("winner"),
            "winner_name": "" if data.get("winner") else data.get("winner_name", ""),
            "winner_category": data.get("winner_category") or "",
            "amount": data["amount"],
            "ess_share_amount": data.get("ess_share_amount") or 0,
            "total_hours_planned": data.get("total_hours_planned") or 0,
            "insertion_hours_planned": data.get("insertion_hours_planned") or 0,
        }
        if data.get("lot"):
            award["lot"] = data["lot"]
        if data.get("awarded_on"):
            award["awarded_on"] = data["awarded_on"]
        return award


class BaseAwardFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if all(getattr(form, "skipped", True) for form in self.forms):
            raise ValidationError(gettext("Indiquez au moins un titulaire."))


AwardFormSet = formset_factory(AwardForm, formset=BaseAwardFormSet, extra=0)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de l'acheteur"))
