"""Every write on structures goes through these services (views, admin actions, commands and tasks call them).

One concern per module (errors, creation, profile, logo, completeness, verification, invitations, members,
join_requests, personal_data; common holds the shared helpers). Everything public is re-exported here, so
`from structures.services import X` and `services.X` keep working.

Each service takes keyword-only arguments, runs in a transaction, checks who acts (structures.perms) and raises a
`StructureError` whose message, in French, can be shown as is. Emails are rows of the outbox, created in the same
transaction (`outbox.services.queue_email`), so a rolled-back action sends nothing.

Decisions worth knowing:
- SIRET uniqueness is the database's job (a unique constraint). `structure_create` inserts inside a savepoint; when
  a concurrent submission won, the IntegrityError becomes `SiretAlreadyRegistered`, which offers to ask to join.
- An invitation is bound to the address it was sent to: it can only be accepted by an account whose login address
  (or another verified address of the account) is that address. Someone else holding the link gets a clear error.
  The link carries the invitation id signed with `django.core.signing`; it expires after 7 days and works once.
- A join request to a structure that has no administrator (imported by staff) is decided by staff; the person
  accepted then becomes its administrator.
- A structure always keeps at least one administrator: the last one can neither leave, be removed nor be demoted.
- Changing the legal form or the ESUS accreditation of a verified structure changes what it may bid on (reserved
  markets): the structure goes back to "pending" until staff check it again.
"""

from structures.services.completeness import Completeness, structure_completeness
from structures.services.creation import structure_create
from structures.services.errors import LogoError, NotAllowed, SiretAlreadyRegistered, StructureError
from structures.services.invitations import (
    INVITATION_SALT,
    INVITATION_VALIDITY,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_revoke,
    invitation_token,
)
from structures.services.join_requests import join_request_accept, join_request_create, join_request_refuse
from structures.services.logo import (
    LOGO_FORMATS,
    LOGO_MAX_BYTES,
    LOGO_MAX_PIXELS,
    LOGO_MAX_SIDE,
    logo_reencode,
    structure_remove_logo,
    structure_set_logo,
)
from structures.services.members import LAST_ADMIN, membership_change_role, membership_remove
from structures.services.personal_data import account_deletion_check, personal_data
from structures.services.profile import (
    M2M_FIELDS,
    PROFILE_FIELDS,
    RESERVED_SLUGS,
    SECTION_FIELDS,
    SECTIONS,
    SENSITIVE_FIELDS,
    structure_update_section,
)
from structures.services.verification import (
    structure_archive,
    structure_reject,
    structure_request_review,
    structure_restore,
    structure_verify,
)

__all__ = [
    "StructureError",
    "NotAllowed",
    "SiretAlreadyRegistered",
    "LogoError",
    "SECTIONS",
    "SECTION_FIELDS",
    "M2M_FIELDS",
    "PROFILE_FIELDS",
    "SENSITIVE_FIELDS",
    "RESERVED_SLUGS",
    "structure_update_section",
    "structure_create",
    "LOGO_MAX_BYTES",
    "LOGO_MAX_SIDE",
    "LOGO_MAX_PIXELS",
    "LOGO_FORMATS",
    "logo_reencode",
    "structure_set_logo",
    "structure_remove_logo",
    "Completeness",
    "structure_completeness",
    "structure_verify",
    "structure_reject",
    "structure_request_review",
    "structure_archive",
    "structure_restore",
    "INVITATION_VALIDITY",
    "INVITATION_SALT",
    "invitation_token",
    "invitation_create",
    "invitation_from_token",
    "invitation_accept",
    "invitation_revoke",
    "LAST_ADMIN",
    "membership_change_role",
    "membership_remove",
    "join_request_create",
    "join_request_accept",
    "join_request_refuse",
    "personal_data",
    "account_deletion_check",
]
