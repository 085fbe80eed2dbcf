"""Bad input is refused in one place, before any view or query runs.

`BadInputMiddleware` answers a 400 page in the site's layout (templates/400.html, in French) when a request
carries what no page can use and what PostgreSQL would otherwise turn into a 500:

- a NUL byte anywhere: the path, a query-string name or value, a form field's name or value (PostgreSQL text
  cannot hold one);
- a search (`q`) longer than SEARCH_MAX_LENGTH characters, or any other query-string value longer than
  PARAM_MAX_LENGTH: a 56 KB admin search took 10–22 s;
- on an admin changelist, a filter whose value the field cannot hold: `status__exact` on a choice field is free
  text and harmless, but `bid_deadline__year=99999999999999999999999`, `created_at__month=13`, a date that is
  not one, a number that is not one, all crashed when the query was compiled.

It also answers a 403 page (templates/403.html) to a signed-in user without admin access who opens any admin
URL: the admin would send them to its login page, which sends a signed-in user back to the admin, in a loop.
"""

import datetime

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.perms import can_use_admin
from structures.search import SEARCH_MAX_LENGTH

PARAM_MAX_LENGTH = 2000

# Date parts an admin filter or date hierarchy may ask for, and the values each can take.
DATE_PART_RANGES = {
    "year": (datetime.MINYEAR, datetime.MAXYEAR),
    "iso_year": (datetime.MINYEAR, datetime.MAXYEAR),
    "month": (1, 12),
    "day": (1, 31),
    "week": (1, 53),
    "week_day": (1, 7),
    "iso_week_day": (1, 7),
    "quarter": (1, 4),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}
# Lookups whose value is one value of the field itself.
VALUE_LOOKUPS = {"exact", "iexact", "gt", "gte", "lt", "lte", "date"}
# Query-string names the admin changelist reads for itself (search, ordering, page, popups…).
CHANGELIST_OWN_PARAMS = {"q", "o", "p", "e", "all", "_popup", "_to_field", "_changelist_filters"}


class BadInput(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def bad_request(request, reason: str = ""):
    """The 400 page, in the site's layout, saying what was wrong."""
    return render(request, "400.html", {"reason": reason}, status=400)


def admin_refused(request):
    """The 403 page a signed-in user without admin access gets for any admin URL."""
    return render(request, "403.html", {"admin_refused": True}, status=403)


def _check_no_nul(request) -> None:
    message = _("L'adresse ou le formulaire contient un caractère nul, que le site ne peut pas traiter.")
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        raise BadInput(message)
    for data in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for name, values in data.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise BadInput(message)


def _check_lengths(request) -> None:
    for name, values in request.GET.lists():
        for value in values:
            if name == "q" and len(value) > SEARCH_MAX_LENGTH:
                raise BadInput(
                    _("Votre recherche est trop longue : %(max)s caractères au plus. Raccourcissez-la et réessayez.")
                    % {"max": SEARCH_MAX_LENGTH}
                )
            if len(value) > PARAM_MAX_LENGTH:
                raise BadInput(
                    _("Un paramètre de l'adresse est trop long : %(max)s caractères au plus.")
                    % {"max": PARAM_MAX_LENGTH}
                )


def _changelist_model(request):
    match = request.resolver_match
    if match is None or match.app_name != "admin" or not (match.url_name or "").endswith("_changelist"):
        return None
    for model in admin.site._registry:
        if match.url_name == f"{model._meta.app_label}_{model._meta.model_name}_changelist":
            return model
    return None


def _resolve(model, name: str):
    """The field a changelist filter name points at, and the lookups after it (None: not a model field)."""
    parts = name.split("__")
    opts = model._meta
    field = None
    consumed = 0
    for part in parts:
        if opts is None:
            break
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            break
        consumed += 1
        opts = field.related_model._meta if field.is_relation and field.related_model else None
    if field is None:
        return None, []
    return field, parts[consumed:]


def _check_value(field, lookups: list[str], value: str) -> None:
    if field.is_relation:
        if field.related_model is None:
            return
        field = field.related_model._meta.pk  # `buyer=3`, `buyer__exact=3`: the related row's key
    lookup = lookups[-1] if lookups else "exact"
    invalid = _("Un filtre de la liste a une valeur impossible (« %(value)s »). Retirez-le et réessayez.") % {
        "value": value[:50]
    }
    if lookup in DATE_PART_RANGES:
        low, high = DATE_PART_RANGES[lookup]
        try:
            number = int(value)
        except ValueError:
            raise BadInput(invalid) from None
        if not low <= number <= high:
            raise BadInput(invalid)
        return
    values = value.split(",") if lookup == "in" else [value]
    if lookup not in VALUE_LOOKUPS and lookup != "in":
        return
    if isinstance(field, models.DateTimeField) and lookup == "date":
        field = models.DateField()
    if isinstance(field, models.GeneratedField):
        field = field.output_field
    if isinstance(field, (models.CharField, models.TextField)):
        return  # any text is a possible value (NUL bytes and lengths are checked for every request)
    for item in values:
        if item == "" and lookup == "in":
            continue
        try:
            field.to_python(item)
        except (ValidationError, ValueError, TypeError, OverflowError):
            raise BadInput(invalid) from None


def _check_changelist_filters(request, model) -> None:
    for name, values in request.GET.lists():
        if name in CHANGELIST_OWN_PARAMS:
            continue
        field, lookups = _resolve(model, name)
        if field is None:
            continue  # a SimpleListFilter's own parameter: its lookups() decide what it accepts
        for value in values:
            _check_value(field, lookups, value)


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            _check_no_nul(request)
            _check_lengths(request)
        except BadInput as error:
            return bad_request(request, error.reason)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.app_name != "admin":
            return None
        if request.user.is_authenticated and not can_use_admin(request.user):
            return admin_refused(request)
        model = _changelist_model(request)
        if model is not None:
            try:
                _check_changelist_filters(request, model)
            except BadInput as error:
                return bad_request(request, error.reason)
        return None
