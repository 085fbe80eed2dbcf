"""The directory's geographic filters, for `structures.filters.StructureFilter` to inherit.

- `commune`: structures with a site in the commune (INSEE code or name; a city includes its arrondissements);
- `departement`, `region`: a site in the department or region (codes, chosen from lists);
- `pres_de` + `rayon`: a site within `rayon` km (1-200, 20 by default) of the commune, computed by PostgreSQL
  (geo.services.structures_near); each structure then carries `distance_km`, its nearest site.

A bad value (an unknown commune, a radius of 500 km) is a French error on the form, never a 500; the directory
then ignores that filter (structures.filters.directory_queryset). No filter here costs a query until used: the
department and region lists are read from the shipped files, a commune is looked up once when given.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from geo import services
from geo.forms import CommuneField
from geo.models import Commune

# The limits are services.MIN_RADIUS_KM, MAX_RADIUS_KM and DEFAULT_RADIUS_KM (written out: lazy translations).
RADIUS_ERROR = _("Le rayon est un nombre de kilomètres entre 1 et 200, par exemple 20.")


class CommuneFilter(django_filters.Filter):
    field_class = CommuneField


class RadiusFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField  # whole kilometres


class GeoFilterSet(django_filters.FilterSet):
    commune = CommuneFilter(
        label=_("Commune"),
        method="filter_commune",
        help_text=_("Nom ou code INSEE : les structures qui y ont un site."),
    )
    departement = django_filters.ChoiceFilter(
        label=_("Département"), choices=services.department_choices, method="filter_department", empty_label=_("Tous")
    )
    region = django_filters.ChoiceFilter(
        label=_("Région"), choices=services.region_choices, method="filter_region", empty_label=_("Toutes")
    )
    pres_de = CommuneFilter(
        label=_("Près de"),
        method="filter_near",
        prefer_largest=True,
        help_text=_("Une commune (nom ou code INSEE) : « Saint-Denis », « 93066 »."),
    )
    rayon = RadiusFilter(
        label=_("Rayon (km)"),
        method="filter_radius",
        min_value=services.MIN_RADIUS_KM,
        max_value=services.MAX_RADIUS_KM,
        widget=forms.NumberInput(attrs={"placeholder": services.DEFAULT_RADIUS_KM, "step": 1}),
        error_messages={
            "min_value": RADIUS_ERROR,
            "max_value": RADIUS_ERROR,
            "invalid": RADIUS_ERROR,
        },
        help_text=_("De 1 à 200 km ; 20 km si vous ne précisez pas."),
    )

    # The `value` hints document the API's query parameters (drf-spectacular reads them; api/ inherits these filters).
    def filter_commune(self, queryset, name, value: Commune | None):
        return services.structures_in(queryset, commune=value) if value else queryset

    def filter_department(self, queryset, name, value: str):
        return services.structures_in(queryset, department=value) if value else queryset

    def filter_region(self, queryset, name, value: str):
        return services.structures_in(queryset, region=value) if value else queryset

    def filter_near(self, queryset, name, value: Commune | None):
        if not value:
            return queryset
        return services.structures_near(queryset, value, self.radius_km)

    def filter_radius(self, queryset, name, value: int):
        return queryset  # read by filter_near

    @property
    def radius_km(self) -> int:
        """The radius asked for, or the default one when it is missing or invalid (the form then says why)."""
        self.form.is_valid()
        if "rayon" in self.form.errors:
            return services.DEFAULT_RADIUS_KM
        value = self.form.cleaned_data.get("rayon")
        return int(value) if value else services.DEFAULT_RADIUS_KM

    @property
    def near_commune(self):
        """The commune of "près de" when valid (for the page: "dans un rayon de 20 km autour de Saint-Denis")."""
        self.form.is_valid()
        return self.form.cleaned_data.get("pres_de")
