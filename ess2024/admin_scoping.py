"""Admin scoping: an object outside the user's scope is a 404, on every admin view, never a redirect.

Django's admin answers a missing object (or one its scoped queryset hides) with a redirect to the admin index and
a message "… n'existe pas. Peut-être a-t-il été supprimé ?" — on the history page even before it checks
permissions. For a buyer, another organisation's tender (or a staff-only meet-up) should be what any other missing
page is: a 404 that says nothing about it. Add the mixin first in the bases of a scoped ModelAdmin:

    class MeetupAdmin(NotFoundInsteadOfRedirectMixin, admin.ModelAdmin): ...

It covers the change, delete and history views, and every custom view that fetches through `self.get_object`.
(The tenders admin imports it through tenders/admin/base.py.) tests/security/test_access_matrix.py keeps it so.
"""

from django.http import Http404
from django.utils.translation import gettext


class NotFoundInsteadOfRedirectMixin:
    """`get_object` raises Http404 instead of returning None (which the admin turns into a redirect)."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(gettext("Cet élément n'existe pas."))
        return obj
