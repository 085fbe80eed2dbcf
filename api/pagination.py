"""Cursor pagination: `?cursor=` links (`next`, `previous`) over a fixed order, so a walk through the list sees each
item exactly once even while rows are added; `page_size` up to MAX_PAGE_SIZE."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class ApiCursorPagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-pk"
    page_size_query_description = _("Nombre d'éléments par page (au plus 100, 20 par défaut).")
    cursor_query_description = _("Le curseur de la page, tel que donné par les liens `next` et `previous`.")


class TenderPagination(ApiCursorPagination):
    """The most recently published first."""

    ordering = ("-published_at", "-pk")


class StructurePagination(ApiCursorPagination):
    """In order of registration on the platform."""

    ordering = ("created_at", "pk")
