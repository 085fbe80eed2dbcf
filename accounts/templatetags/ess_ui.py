"""Template helpers for the shared layout and components (templates/base.html, templates/components/).

`{% load ess_ui %}` gives:
- `{% url_in_language request "en" %}` — the current page in another language (the language switcher's `next`);
- `path|startswith:prefix` — True when the current path is inside a section (header's aria-current);
- `{% bootstrap_widget field %}` — renders a bound field's widget with the Bootstrap class for its type, plus
  `is-invalid` when it has errors. Django already adds `aria-invalid` and `aria-describedby` (help text and
  errors, ids `<id>_helptext` / `<id>_error`), which templates/components/field.html relies on;
- `{% query_replace request.GET page=2 %}` / `{% query_without request.GET "topic" "3" %}` — querystrings for
  pagination and removable filter chips.
"""

from django import template
from django.forms import (
    CheckboxInput,
    CheckboxSelectMultiple,
    FileInput,
    ModelMultipleChoiceField,
    MultipleChoiceField,
    RadioSelect,
    Select,
    SelectMultiple,
)
from django.http import QueryDict
from django.urls import translate_url
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def url_in_language(request, language_code: str) -> str:
    """The current page's URL in another language (components/language_switcher.html).

    Computed while the current page's language is active: Django's set_language cannot translate "/en/…" back to
    French itself, because it resolves `next` with French active (French URLs have no prefix).
    """
    return translate_url(request.get_full_path(), language_code)


@register.filter
def startswith(value, prefix) -> bool:
    return bool(prefix) and str(value).startswith(str(prefix))


def widget_css_class(bound_field) -> str:
    widget = bound_field.field.widget
    if isinstance(widget, CheckboxInput | CheckboxSelectMultiple | RadioSelect):
        css = "form-check-input"
    elif isinstance(widget, Select | SelectMultiple):
        css = "form-select"
    elif isinstance(widget, FileInput):
        css = "form-control"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    return css


@register.simple_tag
def bootstrap_widget(bound_field, **attrs):
    """The field's widget with Bootstrap classes; extra keyword arguments become HTML attributes."""
    widget = bound_field.field.widget
    if isinstance(widget, CheckboxSelectMultiple | RadioSelect):
        # Multiple inputs: components/field.html renders them one by one with their own labels.
        return bound_field.as_widget(attrs=attrs)
    existing = widget.attrs.get("class", "")
    attrs["class"] = f"{existing} {widget_css_class(bound_field)} {attrs.get('class', '')}".strip()
    return bound_field.as_widget(attrs=attrs)


@register.simple_tag
def query_replace(query: QueryDict, **changes) -> str:
    """The current querystring with some parameters replaced (a value of None removes it), `?` included."""
    params = query.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def query_without(query: QueryDict, key: str, value=None) -> str:
    """The current querystring without one value of a parameter (or the whole parameter), and back on page 1."""
    params = query.copy()
    params.pop("page", None)
    if value is None:
        params.pop(key, None)
    else:
        params.setlist(key, [v for v in params.getlist(key) if v != str(value)])
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def choice_widget(choice):
    """One radio or checkbox of a multiple-choice field, with Bootstrap's class (templates/components/field.html)."""
    choice.data = {**choice.data, "attrs": {**choice.data.get("attrs", {}), "class": "form-check-input"}}
    return choice.tag()


@register.simple_tag
def elided_page_range(page_obj, on_each_side=2, on_ends=1):
    """Page numbers around the current one, with Paginator.ELLIPSIS where pages are skipped."""
    return list(page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=on_each_side, on_ends=on_ends))


def _display(field, value) -> str:
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if hasattr(value, "_meta"):
        return str(value)
    choices = getattr(field, "choices", None)
    if choices is not None:
        for key, label in choices:
            if isinstance(label, list | tuple):  # optgroups
                for sub_key, sub_label in label:
                    if str(sub_key) == str(value):
                        return str(sub_label)
            elif str(key) == str(value):
                return str(label)
    return str(value)


def _chip_label(field, shown: str) -> str:
    return _("%(label)s : %(value)s") % {"label": field.label, "value": shown}


@register.simple_tag
def active_filter_chips(filterset, query: QueryDict) -> list[dict]:
    """Removable chips for the filters in use on a django-filter FilterSet (templates/components/filter_chips.html).

    Each chip is {"label": "Thématique : Restauration durable", "remove_url": "?…"}; a multiple-choice filter gives
    one chip per chosen value. Empty and invalid values give no chip.
    """
    form = filterset.form
    if not form.is_valid():
        return []
    chips = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        raw_values = [raw for raw in query.getlist(name) if raw != ""]
        if not raw_values or value in (None, "", [], ()):
            continue
        if isinstance(field, MultipleChoiceField | ModelMultipleChoiceField):
            if isinstance(field, ModelMultipleChoiceField):
                key = field.to_field_name or "pk"
                shown = {str(getattr(obj, key)): str(obj) for obj in value}
            else:
                shown = {raw: _display(field, raw) for raw in raw_values}
            for raw in raw_values:
                if raw in shown:
                    chips.append(
                        {"label": _chip_label(field, shown[raw]), "remove_url": query_without(query, name, raw)}
                    )
        else:
            chips.append(
                {"label": _chip_label(field, _display(field, value)), "remove_url": query_without(query, name)}
            )
    return chips
