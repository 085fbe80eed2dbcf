"""Admin-wide French (issue 15, item 4): the stock "delete selected" action agrees with each model's gender.

Django describes it for every model with one pattern, "Supprimer les %(verbose_name_plural)s sélectionnés", which
reads "Supprimer les rencontres sélectionnés". The site-wide action is replaced (same name, same behaviour) by one
whose description is built per model when the menu is drawn: "Supprimer les rencontres sélectionnées", "Supprimer
les appels d'offres sélectionnés"; other languages keep Django's own wording. This module is imported by the
admin's autodiscovery (ess2024 is an installed app).
"""

from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.utils.translation import get_language, gettext

from tenders.templatetags.admin_fr import is_feminine


class _DeleteSelectedDescription(str):
    """A description whose `%` (Django formats it with the model's verbose names) applies French agreement."""

    def __mod__(self, names):
        if not (get_language() or "").startswith("fr"):
            return gettext("Delete selected %(verbose_name_plural)s") % names
        ending = "es" if is_feminine(str(names["verbose_name"])) else "s"
        return f"Supprimer les {names['verbose_name_plural']} sélectionné{ending}"


@admin.action(
    permissions=["delete"], description=_DeleteSelectedDescription("Delete selected %(verbose_name_plural)s")
)
def delete_selected(modeladmin, request, queryset):
    return django_delete_selected(modeladmin, request, queryset)


admin.site.disable_action("delete_selected")
admin.site.add_action(delete_selected, "delete_selected")
