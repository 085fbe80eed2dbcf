"""Cached fragments of the public list pages (issue 13): the filter panel and the results, rendered once per data
version, language and query, then served from the cache (Redis in production) until a write changes them.

    parts = fragment_cache.get_or_render(
        "tenders.list", scopes=("tenders",), query=request.GET, extra=(structure_pk,), render=lambda: {...}
    )

How it stays correct:

- **What a fragment may depend on is its key**: the page, the active language, the local date (Europe/Paris: "dans
  3 jours" changes at midnight), every GET parameter (sorted; a filter added to a form later is covered without
  touching this module), the caller's `extra` (the acting structure of a signed-in member, when the page shows
  something for it); and the version token of each data *scope* it reads, stored with the fragment and read with
  it in one round trip (a token that changed means the fragment is rendered again).
- **Writes replace the tokens**: a save, delete or many-to-many change of a model listed in `SCOPES` (signal
  receivers connected by `ess2024.apps`) gives its scopes new tokens at once *and* again at the end of the request
  or Celery task that made it (`flush`, after its transaction committed: ATOMIC_REQUESTS, or the task's own), so a
  page rendered from data read before the commit is never kept under the token that follows it. (Not with
  `transaction.on_commit`: the services' tests count their own on-commit callbacks.) A management command's writes
  get the first replacement only. Writes that
  bypass signals (`QuerySet.update`, `bulk_create`: the imports) are followed by a save of their job row, which
  is in `SCOPES` too; `FRAGMENT_TIMEOUT` bounds anything else.
- **No user state can be cached**: fragments are rendered with `render_fragment`, without the request (no context
  processor: no user, session, CSRF token, messages or language switcher) and with a `PublicRequest` holding only
  the GET parameters and the path. The page around them (header, messages, forms that post, "Suivre cette
  recherche") is rendered for every request.
- **Time**: a fragment may return `valid_until` (an aware datetime: the next tender deadline, after which the
  "open" list is another one); past it, it is rendered again.

`ReferenceMultipleChoiceFilter` reads the filter panels' long choice lists (topics, areas, sectors, buyers) once per
form: one query lists the choices and checks the chosen values (Django's own field runs one for each), and
`load_references(form)` reads all of a form's lists in a single query.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models.functions import JSONObject
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

# A cached fragment lives at most this long (seconds), whatever happens.
FRAGMENT_TIMEOUT = 600
# Cached pages stay small; a longer query string (a crafted URL) is rendered without the cache.
MAX_QUERY_LENGTH = 2000

TENDERS = "tenders"
STRUCTURES = "structures"
CHARTER = "charter"
MEETUPS = "meetups"
REFERENCE = "reference"  # topics, sectors, areas, buyers: the filter panels' choices
ALL = (TENDERS, STRUCTURES, CHARTER, MEETUPS, REFERENCE)

# Model label -> the scopes a write to it changes.
SCOPES: dict[str, tuple[str, ...]] = {
    "structures.Topic": ALL,
    "structures.Sector": ALL,
    "structures.Area": ALL,
    "tenders.BuyerOrganisation": (TENDERS, CHARTER, MEETUPS, REFERENCE),
    "tenders.Tender": (TENDERS, CHARTER),
    "tenders.Lot": (TENDERS, CHARTER),
    "tenders.TenderAmendment": (TENDERS,),
    "tenders.Award": (CHARTER,),
    "charter.AwardImport": (CHARTER,),
    "structures.Structure": (STRUCTURES,),  # the charter keeps each award's winner category as it was
    "structures.ImportJob": (STRUCTURES,),
    "meetups.Meetup": (MEETUPS,),
    "meetups.Registration": (MEETUPS,),
}

_VERSION_KEY = "lists:v:{}"
_pending = threading.local()  # scopes written during the current request or task, replaced again at its end


# Versions ------------------------------------------------------------------------------------------------------------


def _new_token() -> str:
    return uuid.uuid4().hex[:12]


def versions(scopes: Iterable[str]) -> tuple[str, ...]:
    """The current token of each scope (one cache round trip); a scope without one gets one."""
    scopes = tuple(scopes)
    keys = [_VERSION_KEY.format(scope) for scope in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, _new_token(), None)
            found[key] = cache.get(key)
    return tuple(found[key] for key in keys)


def _replace(scopes: Iterable[str]) -> None:
    cache.set_many({_VERSION_KEY.format(scope): _new_token() for scope in scopes}, None)


def _replace_or_log(scopes: Iterable[str]) -> None:
    try:
        _replace(scopes)
    except Exception:  # the cache server is down: the write must not fail for it (FRAGMENT_TIMEOUT bounds the rest)
        logger.exception("Fragment cache: could not invalidate %s", ", ".join(scopes))


def bump(*scopes: str) -> None:
    """New tokens for `scopes` now, and again once the write is committed: at the end of the request or of the
    Celery task that made it (`flush`; see the module docstring)."""
    scopes = scopes or ALL
    _replace_or_log(scopes)
    pending = getattr(_pending, "scopes", None)
    if pending is None:
        pending = _pending.scopes = set()
    pending.update(scopes)


def _reset(**kwargs) -> None:
    _pending.scopes = set()


def flush(**kwargs) -> None:
    """Replace the tokens of the scopes written during this request or task, now that its transaction is over."""
    scopes = getattr(_pending, "scopes", None)
    if scopes:
        _pending.scopes = set()
        _replace_or_log(sorted(scopes))


def _scopes_of(model) -> tuple[str, ...]:
    return SCOPES.get(model._meta.concrete_model._meta.label, ()) if model is not None else ()


def _on_write(sender, instance=None, **kwargs) -> None:
    scopes = _scopes_of(sender)
    if scopes:
        bump(*scopes)


def _on_m2m(sender, instance=None, action="", model=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    scopes = set(_scopes_of(type(instance))) | set(_scopes_of(model))
    if scopes:
        bump(*sorted(scopes))


def connect() -> None:
    """Called once by ess2024.apps.Ess2024Config.ready(), in every process (web, worker, beat, commands)."""
    from celery.signals import task_postrun, task_prerun

    post_save.connect(_on_write, dispatch_uid="fragment_cache.post_save")
    post_delete.connect(_on_write, dispatch_uid="fragment_cache.post_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="fragment_cache.m2m_changed")
    request_started.connect(_reset, dispatch_uid="fragment_cache.request_started")
    request_finished.connect(flush, dispatch_uid="fragment_cache.request_finished")
    task_prerun.connect(_reset, dispatch_uid="fragment_cache.task_prerun", weak=False)
    task_postrun.connect(flush, dispatch_uid="fragment_cache.task_postrun", weak=False)


# Fragments -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRequest:
    """What a cached fragment may read of the request: the GET parameters and the path, nothing about the user."""

    GET: QueryDict
    path: str


def render_fragment(template_name: str, context: dict, request) -> str:
    """Render a template (or a partial, "page.html#name") for the cache: no context processors, no user."""
    return render_to_string(
        template_name, {**context, "request": PublicRequest(GET=request.GET, path=request.path)}, request=None
    )


def fragment_key(name: str, *, query: QueryDict | None = None, extra: Iterable = ()) -> str:
    """The key of a fragment: its page, the language, the local date, the GET parameters and `extra` (the data
    versions are stored with the fragment and compared on reading, so that a hit costs one cache round trip)."""
    params = sorted((key, value) for key, values in (query or QueryDict()).lists() for value in values)
    parts = [name, get_language() or "", timezone.localdate().isoformat(), repr(params), *map(repr, extra)]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"lists:f:{name}:{digest}"


def get_or_render(
    name: str,
    *,
    scopes: Iterable[str],
    render: Callable[[], dict],
    query: QueryDict | None = None,
    extra: Iterable = (),
    timeout: int = FRAGMENT_TIMEOUT,
) -> dict:
    """`render()`'s dict (HTML strings and small values), from the cache when it was rendered from the data as it
    is now (the scopes' version tokens, read in the same round trip) and its `valid_until` has not passed."""
    if query is not None and len(query.urlencode()) > MAX_QUERY_LENGTH:
        return render()
    scopes = tuple(scopes)
    version_keys = [_VERSION_KEY.format(scope) for scope in scopes]
    try:
        key = fragment_key(name, query=query, extra=extra)
        found = cache.get_many([key, *version_keys])
        if any(version_key not in found for version_key in version_keys):
            current = versions(scopes)
        else:
            current = tuple(found[version_key] for version_key in version_keys)
    except Exception:  # the cache server is down: the page is slower, not broken
        logger.exception("Fragment cache: could not read %s", name)
        return render()
    now = timezone.now()
    entry = found.get(key)
    if entry is not None and entry["versions"] == current:
        parts = entry["parts"]
        if parts.get("valid_until") is None or now < parts["valid_until"]:
            return parts
    parts = render()  # from data read after the tokens: a write meanwhile has replaced them, and this entry is stale
    valid_until = parts.get("valid_until")
    if valid_until is None or valid_until > now:
        try:
            cache.set(key, {"versions": current, "parts": parts}, timeout)
        except Exception:
            logger.exception("Fragment cache: could not write %s", name)
    return parts


# Reference choices ---------------------------------------------------------------------------------------------------


def load_references(form: forms.Form) -> None:
    """Read the rows of every `ReferenceMultipleChoiceField` of `form` in one query (a filter panel lists topics,
    areas and sectors or buyers: one query instead of three): `SELECT ARRAY(<topics as JSON>), ARRAY(<areas>)…`,
    each array in its queryset's order. Rows become unsaved instances of all their concrete fields."""
    fields = [
        field
        for field in form.fields.values()
        if isinstance(field, ReferenceMultipleChoiceField) and getattr(field, "_reference", None) is None
    ]
    if not fields:
        return
    selects, params = [], []
    for field in fields:
        names = [f.attname for f in field.queryset.model._meta.concrete_fields]
        sql, sql_params = field.queryset.values(
            row=JSONObject(**{name: name for name in names})
        ).query.sql_with_params()
        selects.append(f"ARRAY({sql})")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        arrays = cursor.fetchone()
    for field, rows in zip(fields, arrays, strict=True):
        model = field.queryset.model
        # Django leaves JSON undecoded (JSONField decodes it itself).
        field._reference = [model(**(json.loads(row) if isinstance(row, str) else row)) for row in rows or []]


class _ReferenceIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.reference_objects():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.reference_objects()) + (1 if self.field.empty_label is not None else 0)


class ReferenceMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that reads its queryset once, to list the choices and to check the chosen ones."""

    iterator = _ReferenceIterator

    def reference_objects(self) -> list:
        """The choices' rows, read once per form (one query whether the panel lists them, the form checks the
        chosen ones, or both)."""
        if getattr(self, "_reference", None) is None:
            self._reference = list(self.queryset)
        return self._reference

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._reference = None
        return result

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        try:
            value = frozenset(value)
        except TypeError:
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        by_key = {str(getattr(obj, key)): obj for obj in self.reference_objects()}
        for item in value:
            if str(item) not in by_key:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        # In the reference order, like the queryset Django's own field would return.
        return [obj for obj in self.reference_objects() if str(getattr(obj, key)) in {str(v) for v in value}]


class ReferenceMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = ReferenceMultipleChoiceField
