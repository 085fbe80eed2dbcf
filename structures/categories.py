"""Who counts as what: the one place that says whether a company is ESS, insertion, disability, TPE/PME or large.

Used by the charter (each award freezes its winner's category at award time, with the reason, through
`classify_structure`), by the directory and the structure pages (the generated column `Structure.category` *is*
`category_expression()`, so its display, its filter and its admin list all follow this rule) and by anything else
that groups structures by category (`category_expression`, the same rule as SQL). The rule, in this order (the
first that applies wins):

1. **SIAE** (insertion, art. L2113-13): legal form EI, ETTI, ACI, AI or EITI.
2. **EA/ESAT** (disability, art. L2113-12): legal form EA or ESAT.
3. **ESS**: a legal form of the social economy (association, SCOP, SCIC, CAE, mutual, foundation, "entreprise
   agréée ESUS") **or** the ESUS accreditation, whatever the legal form (a commercial company of form "Autre"
   holding it is ESS, as the platform already makes it eligible for ESS-reserved markets, art. L2113-15).
4. **TPE/PME or large, by size** when the profile gives its headcount and/or turnover band: TPE/PME when every
   known band is under the European ceilings (fewer than 250 staff, turnover up to 50 M€), large otherwise.
   Bands beat the declared legal form: a "PME" with 250 staff or more is large.
5. Without any band, the declared legal form TPE or PME gives TPE/PME; anything else is "Autre" (not counted
   as ESS/TPE/PME by the charter: its award counts only for its declared ESS/TPE/PME share).

**Reserved markets** (who may bid on a lot reserved under the public procurement code), the other half of "who
counts as what", also live here: `eligible_markets` (Python) and `eligibility_expression` (SQL, the expressions of
the generated columns `Structure.eligible_l2113_12/13/15`), read by the matching through `eligible_q`:

- **L2113-12** (EA/ESAT): legal form EA or ESAT;
- **L2113-13** (SIAE): legal form EI, ETTI, ACI, AI or EITI;
- **L2113-15** (ESS): a legal form of the social economy, ACI and AI (associations by law), or the ESUS
  accreditation whatever the legal form — the same ESUS rule as the ESS category above.

`structures.models` builds its generated columns from this module when the `Structure` class is created (it
imports it lazily: this module reads the choices defined there).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from structures.models import (
    DISABILITY_FORMS,
    ESS_FORMS,
    SIAE_FORMS,
    SME_FORMS,
    Category,
    Headcount,
    LegalForm,
    ReservedMarket,
    Turnover,
)

LARGE = "large"
CATEGORY_LABELS = {**{key: label for key, label in Category.choices}, LARGE: _("Grande entreprise")}
# Categories whose awards count for their full amount toward the charter's 25 % target.
COUNTED_CATEGORIES: tuple[str, ...] = (Category.ESS, Category.SIAE, Category.DISABILITY, Category.SME)

LARGE_HEADCOUNTS = {Headcount.LARGE}
LARGE_TURNOVERS = {Turnover.OVER_50M}


def category_choices() -> list[tuple[str, str]]:
    """The values `classify` gives, with their French labels (the choices of `Structure.category`)."""
    return list(CATEGORY_LABELS.items())


@dataclass(frozen=True)
class Classification:
    category: str  # a Category value, or LARGE
    reason: str  # a French sentence saying why, stored with the award

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, self.category))

    @property
    def counts(self) -> bool:
        """Counts for its full amount toward the 25 % target."""
        return self.category in COUNTED_CATEGORIES


def _form_label(legal_form: str) -> str:
    try:
        return str(LegalForm(legal_form).label)
    except ValueError:
        return legal_form


def classify(
    *, legal_form: str, esus_accredited: bool = False, headcount: str = "", turnover: str = ""
) -> Classification:
    """The category of a company from its profile (see the module docstring for the rule)."""
    form = _form_label(legal_form)
    if legal_form in SIAE_FORMS:
        return Classification(Category.SIAE, str(_("Forme juridique d'insertion (SIAE) : %(form)s.") % {"form": form}))
    if legal_form in DISABILITY_FORMS:
        return Classification(Category.DISABILITY, str(_("Forme juridique EA/ESAT : %(form)s.") % {"form": form}))
    if legal_form in ESS_FORMS:
        return Classification(Category.ESS, str(_("Forme juridique de l'ESS : %(form)s.") % {"form": form}))
    if esus_accredited:
        return Classification(Category.ESS, str(_("Agrément ESUS (forme juridique : %(form)s).") % {"form": form}))
    if headcount or turnover:
        if headcount in LARGE_HEADCOUNTS or turnover in LARGE_TURNOVERS:
            return Classification(LARGE, str(_("250 salariés ou plus, ou plus de 50 M€ de chiffre d'affaires.")))
        return Classification(
            Category.SME,
            str(_("Moins de 250 salariés et au plus 50 M€ de chiffre d'affaires déclarés.")),
        )
    if legal_form in SME_FORMS:
        return Classification(
            Category.SME, str(_("Déclarée %(form)s, sans effectif ni chiffre d'affaires.") % {"form": form})
        )
    return Classification(Category.OTHER, str(_("Ni forme de l'ESS, ni agrément ESUS, ni taille connue.")))


def classify_structure(structure) -> Classification:
    """`classify` for a `structures.Structure` (reads its current profile)."""
    return classify(
        legal_form=structure.legal_form,
        esus_accredited=structure.esus_accredited,
        headcount=structure.headcount,
        turnover=structure.turnover,
    )


def _in(forms) -> Q:
    return Q(legal_form__in=[f.value for f in forms])


def category_expression(prefix: str = "") -> Case:
    """`classify` as an SQL expression on Structure rows (reached through `prefix`, e.g. "winner__").

    Same order and outcome as `classify`; tested against it on every combination of the inputs.
    """

    def q(condition: Q) -> Q:
        if not prefix:
            return condition
        return Q(*[(f"{prefix}{name}", value) for name, value in condition.children], _connector=condition.connector)

    sized = ~Q(**{f"{prefix}headcount": ""}) | ~Q(**{f"{prefix}turnover": ""})
    large = Q(**{f"{prefix}headcount__in": [h.value for h in LARGE_HEADCOUNTS]}) | Q(
        **{f"{prefix}turnover__in": [t.value for t in LARGE_TURNOVERS]}
    )
    return Case(
        When(q(_in(SIAE_FORMS)), then=Value(Category.SIAE.value)),
        When(q(_in(DISABILITY_FORMS)), then=Value(Category.DISABILITY.value)),
        When(q(_in(ESS_FORMS)) | Q(**{f"{prefix}esus_accredited": True}), then=Value(Category.ESS.value)),
        When(sized & large, then=Value(LARGE)),
        When(sized, then=Value(Category.SME.value)),
        When(q(_in(SME_FORMS)), then=Value(Category.SME.value)),
        default=Value(Category.OTHER.value),
        output_field=CharField(max_length=16),
    )


# --- Reserved markets ---------------------------------------------------------------------------------------------

# The generated column of Structure that says whether it may bid on a lot reserved under each article.
ELIGIBILITY_FIELDS: dict[str, str] = {
    ReservedMarket.L2113_12.value: "eligible_l2113_12",
    ReservedMarket.L2113_13.value: "eligible_l2113_13",
    ReservedMarket.L2113_15.value: "eligible_l2113_15",
}
# ACI and AI are associations by law: ESS for L2113-15, although their category is SIAE.
_L2113_15_EXTRA_FORMS = [LegalForm.ACI, LegalForm.AI]


def eligible_markets(*, legal_form: str, esus_accredited: bool = False) -> list[str]:
    """The reserved markets (ReservedMarket values, in article order) a company with this profile may bid on."""
    markets = []
    if legal_form in DISABILITY_FORMS:
        markets.append(ReservedMarket.L2113_12.value)
    if legal_form in SIAE_FORMS:
        markets.append(ReservedMarket.L2113_13.value)
    if legal_form in ESS_FORMS or legal_form in _L2113_15_EXTRA_FORMS or esus_accredited:
        markets.append(ReservedMarket.L2113_15.value)
    return markets


def eligibility_expression(market: str) -> Case:
    """`eligible_markets` for one article, as SQL on Structure rows (the generated column's expression)."""
    condition = {
        ReservedMarket.L2113_12.value: _in(DISABILITY_FORMS),
        ReservedMarket.L2113_13.value: _in(SIAE_FORMS),
        ReservedMarket.L2113_15.value: _in(ESS_FORMS) | _in(_L2113_15_EXTRA_FORMS) | Q(esus_accredited=True),
    }[market]
    return Case(When(condition, then=True), default=False)


def eligible_q(market: str, prefix: str = "") -> Q:
    """Structures (reached through `prefix`) that may bid on a lot reserved under `market` (a ReservedMarket value).

    Reads the generated column, i.e. `eligibility_expression(market)` computed once per row by the database.
    """
    return Q(**{f"{prefix}{ELIGIBILITY_FIELDS[market]}": True})
