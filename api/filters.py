"""The API's filters: the HTML lists' own FilterSets (`tenders.filters.TenderFilter`,
`structures.filters.StructureFilter`), so a filter means the same thing on the page and in the API.

What differs: the order is the cursor pagination's (fixed, see api/pagination.py), so the list's `sort` is not a
filter here; "eligible for my structure" needs a signed-in structure member, which an API caller is not, so it is
not either. Both are removed from the class (not only from instances) so the OpenAPI document does not list them.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from structures.filters import StructureFilter
from tenders.filters import TenderFilter

# TenderFilter looks up the request user's structure when none is given, then drops `eligible`: this stands for
# "no structure, and no look-up" (the filter is already gone from this class).
_NO_STRUCTURE = object()


class ApiTenderFilter(TenderFilter):
    sort = None
    eligible = None

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix, structure=_NO_STRUCTURE)
        self.structure = None

    # Slugs and codes (for the OpenAPI document: the parent's methods carry no type hint).
    @extend_schema_field(OpenApiTypes.STR)
    def filter_topic(self, queryset, name, value):
        return super().filter_topic(queryset, name, value)

    @extend_schema_field(OpenApiTypes.STR)
    def filter_place(self, queryset, name, value):
        return super().filter_place(queryset, name, value)


class ApiStructureFilter(StructureFilter):
    """The directory's filters (its sort order and page size are display settings, not filters)."""
