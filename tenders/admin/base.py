"""Scoping building blocks of the buyers' admin panel."""

from __future__ import annotations

from ess2024.admin_scoping import NotFoundInsteadOfRedirectMixin  # noqa: F401  (re-exported for tenders/admin/*)
from tenders import perms
from tenders.models import (
    Tender,
)

# Scoping helpers --------------------------------------------------------------------------------------------------


def scoped_tenders(request):
    return Tender.objects.for_buyer(request.user)


class StaffOnlyMixin:
    """Organisations and memberships: Les Canaux staff only. Anyone else finds no object here (404)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if perms.is_platform_staff(request.user) else queryset.none()

    def has_module_permission(self, request):
        return perms.is_platform_staff(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return perms.is_platform_staff(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return perms.is_platform_staff(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return perms.is_platform_staff(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return perms.is_platform_staff(request.user) and super().has_delete_permission(request, obj)
