"""The buyers' admin panel (`/admin/`), also used by Les Canaux staff.

Scoping is the point of this module. A buyer user (BuyerMembership) sees, creates and changes only their own
organisation's tenders, lots, documents, questions, interests and awards:

- every queryset goes through `Tender.objects.for_buyer(user)` (staff: everything);
- another organisation's object is a 404 (`get_object` raises Http404 instead of the admin's redirect), on every
  view: change, delete, history, preview, lifecycle actions, document download;
- the buyer field is not in a buyer's form at all: it is forced to their organisation on save;
- the choices of the forms (lots of an award, winner structures) come from the tender being edited;
- lifecycle actions call `tenders.services.lifecycle` and show its domain error as an admin message.
"""

from tenders.admin import access, others, tenders  # noqa: F401  (registers the admins)
