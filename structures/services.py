"""Every write on structures goes through these services (views, admin actions, commands and tasks call them).

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

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import STAFF_GROUP, User
from outbox.services import queue_email
from structures import perms
from structures.models import (
    Invitation,
    JoinRequest,
    LegalForm,
    Membership,
    Structure,
    VerificationStatus,
)
from structures.validators import clean_siret


class StructureError(Exception):
    """A business rule said no. `message` is French and meant for the person acting."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class NotAllowed(StructureError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("Vous n'avez pas les droits nécessaires pour cette action."), code="forbidden")


class SiretAlreadyRegistered(StructureError):
    """Another structure already has this SIRET; `structure` is it (offer to ask to join)."""

    def __init__(self, structure: Structure):
        super().__init__(
            _("Cette structure est déjà inscrite (SIRET %(siret)s). Vous pouvez demander à la rejoindre.")
            % {"siret": structure.siret},
            code="duplicate_siret",
        )
        self.structure = structure


class LogoError(StructureError):
    def __init__(self, message: str):
        super().__init__(message, code="invalid_logo")


# --- Profile sections -------------------------------------------------------------------------------------------

# The profile is edited one section at a time (/espace/structure/<slug>/modifier/<section>/).
SECTIONS: dict[str, Any] = {
    "identite": gettext_lazy("Identité"),
    "contact": gettext_lazy("Contact public"),
    "activite": gettext_lazy("Activité"),
    "capacite": gettext_lazy("Capacité"),
    "logo": gettext_lazy("Logo"),
}
SECTION_FIELDS: dict[str, list[str]] = {
    "identite": ["name", "legal_form", "esus_accredited", "address", "postcode", "city", "website"],
    "contact": ["contact_name", "contact_email", "contact_phone"],
    "activite": ["topics", "sectors", "areas"],
    "capacite": [
        "headcount",
        "turnover",
        "insertion_people_per_year",
        "insertion_hours_per_year",
        "description",
        "references",
    ],
    "logo": ["logo"],
}
M2M_FIELDS = {"topics", "sectors", "areas"}
PROFILE_FIELDS = {name for section, names in SECTION_FIELDS.items() if section != "logo" for name in names}
# Fields whose change on a verified structure needs staff to look again (they decide the reserved markets).
SENSITIVE_FIELDS = {"legal_form", "esus_accredited"}

# Paths under /espace/structure/ and /structures/ that a slug must not take.
RESERVED_SLUGS = {
    "nouvelle",
    "invitation",
    "rejoindre",
    "export",
    "exporter",
    "import",
    "imports",
    "importer",
    "recherche",
    "carte",
    "csv",
}


# --- Creation ---------------------------------------------------------------------------------------------------


def _slug_candidates(name: str) -> Iterable[str]:
    base = slugify(name)[:200].strip("-") or "structure"
    if base not in RESERVED_SLUGS:
        yield base
    number = 2
    while True:
        yield f"{base}-{number}"
        number += 1


def _free_slug(name: str) -> str:
    base = slugify(name)[:200].strip("-") or "structure"
    taken = set(Structure.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(slug for slug in _slug_candidates(name) if slug not in taken)


def _set_fields(structure: Structure, fields: dict[str, Any]) -> dict[str, Any]:
    """Set plain fields on `structure`; return the many-to-many ones to set after saving."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Unknown structure fields: {sorted(unknown)}")
    m2m = {}
    for name, value in fields.items():
        if name in M2M_FIELDS:
            m2m[name] = list(value or [])
        else:
            setattr(structure, name, "" if value is None and name not in _NULLABLE else value)
    return m2m


_NULLABLE = {"insertion_people_per_year", "insertion_hours_per_year"}


@transaction.atomic
def structure_create(*, user: User, siret: str, name: str, legal_form: str, **profile: Any) -> Structure:
    """Register a structure; `user` becomes its administrator.

    `profile` holds the other profile fields (see SECTION_FIELDS; topics/sectors/areas as objects or ids).
    Raises SiretAlreadyRegistered when the SIRET is taken, even by a submission running at the same moment.
    """
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed()
    try:
        siret = clean_siret(siret)
    except ValidationError as error:
        raise StructureError(error.messages[0], code="invalid_siret") from None
    name = (name or "").strip()
    if not name:
        raise StructureError(_("Indiquez le nom de la structure."), code="required")
    if legal_form not in LegalForm.values:
        raise StructureError(_("Choisissez la forme juridique de la structure."), code="invalid_legal_form")

    existing = Structure.objects.filter(siret=siret).first()
    if existing is not None:
        raise SiretAlreadyRegistered(existing)

    for _attempt in range(5):
        structure = Structure(siret=siret, name=name, legal_form=legal_form, slug=_free_slug(name))
        m2m = _set_fields(structure, profile)
        try:
            with transaction.atomic():
                structure.save(force_insert=True)
        except IntegrityError:
            # Either another submission registered this SIRET meanwhile (it committed: we see it now), or it took
            # the same slug: then try the next free one.
            existing = Structure.objects.filter(siret=siret).first()
            if existing is not None:
                raise SiretAlreadyRegistered(existing) from None
            continue
        break
    else:  # pragma: no cover - five slug collisions in a row
        raise StructureError(_("L'inscription n'a pas pu aboutir, réessayez dans un instant."), code="retry")

    for name_, values in m2m.items():
        getattr(structure, name_).set(values)
    Membership.objects.create(structure=structure, user=user, role=Membership.Role.ADMIN)
    return structure


# --- Profile ----------------------------------------------------------------------------------------------------


def _lock(structure: Structure) -> Structure:
    return Structure.objects.select_for_update(of=("self",)).get(pk=structure.pk)


@transaction.atomic
def structure_update_section(*, structure: Structure, by: User, section: str, data: dict[str, Any]) -> Structure:
    """Save one section of the profile (`data` holds exactly that section's fields, already validated by a form).

    Returns the structure; `structure.back_to_pending` tells whether the change sent it back to verification.
    """
    if section not in SECTION_FIELDS or section == "logo":
        raise StructureError(_("Cette partie du profil n'existe pas."), code="unknown_section")
    if not perms.can_edit(by, structure):
        raise NotAllowed()
    expected = set(SECTION_FIELDS[section])
    if set(data) != expected:
        raise TypeError(f"Section {section} expects the fields {sorted(expected)}, got {sorted(data)}")
    locked = _lock(structure)
    if locked.archived_at is not None:
        raise StructureError(
            _("Cette structure est archivée : son profil ne peut plus être modifié."), code="archived"
        )
    before = {name: getattr(locked, name) for name in expected & SENSITIVE_FIELDS}
    m2m = _set_fields(locked, data)
    back_to_pending = locked.is_verified and any(getattr(locked, name) != value for name, value in before.items())
    if back_to_pending:
        locked.verification_status = VerificationStatus.PENDING
        locked.verified_at = None
        locked.verified_by = None
    if "name" in data:
        locked.name = locked.name.strip()
    locked.save()
    for name, values in m2m.items():
        getattr(locked, name).set(values)
    locked.refresh_from_db()
    locked.back_to_pending = back_to_pending
    return locked


LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_MAX_PIXELS = 40_000_000  # decoding more than this is refused (a "decompression bomb")
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}


def logo_reencode(upload) -> ContentFile:
    """Check an uploaded logo with Pillow (not its name) and re-encode it as WebP, at most 512 px, no metadata."""
    if upload.size > LOGO_MAX_BYTES:
        raise LogoError(
            _("Le logo pèse %(size)s Mo : la limite est de 2 Mo. Réduisez l'image puis réessayez.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")}
        )
    unreadable = _("Ce fichier n'est pas une image lisible. Envoyez un logo au format PNG, JPEG ou WebP.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format not in LOGO_FORMATS:
                    raise LogoError(
                        _("Le logo doit être une image PNG, JPEG ou WebP (ce fichier est au format %(format)s).")
                        % {"format": probe.format or _("inconnu")}
                    )
                width, height = probe.size
                if width * height > LOGO_MAX_PIXELS:
                    raise LogoError(
                        _("Cette image est trop grande (%(w)s × %(h)s pixels).") % {"w": width, "h": height}
                    )
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as opened:
                opened.load()
                image = ImageOps.exif_transpose(opened)
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha else "RGB")
                image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                # No exif, no icc_profile, no xmp: the metadata of the original is not carried over.
                image.save(out, format="WEBP", quality=85, method=4)
    except LogoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoError(unreadable) from None
    except (OSError, SyntaxError, ValueError):
        raise LogoError(unreadable) from None
    return ContentFile(out.getvalue())


@transaction.atomic
def structure_set_logo(*, structure: Structure, by: User, upload) -> Structure:
    """Replace the logo with a re-encoded copy of `upload` (raises LogoError on a bad file)."""
    if not perms.can_edit(by, structure):
        raise NotAllowed()
    content = logo_reencode(upload)
    locked = _lock(structure)
    old_name = locked.logo.name
    locked.logo.save(f"{locked.siret[:9]}.webp", content, save=False)
    locked.save(update_fields=["logo", "updated_at"])
    if old_name and old_name != locked.logo.name:
        storage = locked.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return locked


@transaction.atomic
def structure_remove_logo(*, structure: Structure, by: User) -> Structure:
    if not perms.can_edit(by, structure):
        raise NotAllowed()
    locked = _lock(structure)
    old_name = locked.logo.name
    if old_name:
        locked.logo = ""
        locked.save(update_fields=["logo", "updated_at"])
        storage = locked.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return locked


# --- Completeness -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    percent: int
    # [{"section": "activite", "title": "Activité", "items": ["Au moins une thématique", …]}], in section order
    missing: list[dict] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return not self.missing


def _completeness_items(structure: Structure):
    # Reads the many-to-many through .all() so that a prefetch_related() on a list of structures is used.
    yield "identite", _("Nom, SIRET et forme juridique"), True
    yield "identite", _("Adresse complète"), bool(structure.address and structure.postcode and structure.city)
    yield "identite", _("Site web"), bool(structure.website)
    yield "contact", _("Nom du contact"), bool(structure.contact_name)
    yield "contact", _("E-mail ou téléphone de contact"), bool(structure.contact_email or structure.contact_phone)
    yield "activite", _("Au moins une thématique"), bool(len(structure.topics.all()))
    yield "activite", _("Au moins un secteur d'activité"), bool(len(structure.sectors.all()))
    yield "activite", _("Au moins une zone d'intervention"), bool(len(structure.areas.all()))
    yield "capacite", _("Effectif"), bool(structure.headcount)
    yield "capacite", _("Chiffre d'affaires"), bool(structure.turnover)
    yield "capacite", _("Description de l'activité (100 caractères au moins)"), len(structure.description) >= 100
    yield "capacite", _("Références"), bool(structure.references.strip())
    if structure.category == "siae":
        yield (
            "capacite",
            _("Capacité d'insertion (personnes ou heures par an)"),
            bool(structure.insertion_people_per_year or structure.insertion_hours_per_year),
        )
    yield "logo", _("Une image du logo (PNG, JPEG ou WebP)"), bool(structure.logo)


def structure_completeness(structure: Structure) -> Completeness:
    """How complete the public profile is (in %), and what is missing, grouped by section."""
    items = list(_completeness_items(structure))
    done = sum(1 for _section, _label, ok in items if ok)
    missing: dict[str, list[str]] = {}
    for section, label, ok in items:
        if not ok:
            missing.setdefault(section, []).append(label)
    return Completeness(
        percent=round(100 * done / len(items)),
        missing=[
            {"section": section, "title": SECTIONS[section], "items": missing[section]}
            for section in SECTIONS
            if section in missing
        ],
    )


# --- Emails -----------------------------------------------------------------------------------------------------


def _absolute_url(viewname: str, *args: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return settings.SITE_URL + reverse(viewname, args=args)


def _admins(structure: Structure) -> list[User]:
    return list(
        User.objects.filter(
            structure_memberships__structure=structure,
            structure_memberships__role=Membership.Role.ADMIN,
            is_active=True,
        ).order_by("pk")
    )


def _staff_recipients() -> list[User]:
    return list(User.objects.filter(groups__name=STAFF_GROUP, is_active=True).order_by("pk"))


def _email_admins(*, structure: Structure, template: str, kind: str, context: dict[str, Any]) -> int:
    admins = _admins(structure)
    for admin in admins:
        queue_email(
            to=admin.email,
            template=template,
            kind=kind,
            context={"structure": structure, "recipient": admin, **context},
        )
    return len(admins)


# --- Verification (staff) ---------------------------------------------------------------------------------------


@transaction.atomic
def structure_verify(*, structure: Structure, by: User) -> Structure:
    """Staff mark a structure as verified; its administrators get an email."""
    if not perms.can_verify(by):
        raise NotAllowed()
    locked = _lock(structure)
    if locked.is_verified:
        raise StructureError(_("« %(name)s » est déjà vérifiée.") % {"name": locked.name}, code="already_verified")
    locked.verification_status = VerificationStatus.VERIFIED
    locked.rejection_reason = ""
    locked.verified_at = timezone.now()
    locked.verified_by = by
    locked.save(update_fields=["verification_status", "rejection_reason", "verified_at", "verified_by", "updated_at"])
    _email_admins(
        structure=locked,
        template="structures/emails/verified",
        kind="structure_verified",
        context={
            "space_url": _absolute_url("structures_space:detail", locked.slug),
            "public_url": _absolute_url("structures:detail", locked.slug),
        },
    )
    return locked


@transaction.atomic
def structure_reject(*, structure: Structure, by: User, reason: str) -> Structure:
    """Staff refuse a structure (a reason is required and sent to its administrators)."""
    if not perms.can_verify(by):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise StructureError(
            _("Indiquez le motif du refus : il est envoyé aux administrateurs de la structure."),
            code="reason_required",
        )
    locked = _lock(structure)
    if locked.verification_status == VerificationStatus.REJECTED:
        raise StructureError(_("« %(name)s » est déjà refusée.") % {"name": locked.name}, code="already_rejected")
    locked.verification_status = VerificationStatus.REJECTED
    locked.rejection_reason = reason
    locked.verified_at = None
    locked.verified_by = by
    locked.save(update_fields=["verification_status", "rejection_reason", "verified_at", "verified_by", "updated_at"])
    _email_admins(
        structure=locked,
        template="structures/emails/rejected",
        kind="structure_rejected",
        context={"reason": reason, "space_url": _absolute_url("structures_space:detail", locked.slug)},
    )
    return locked


@transaction.atomic
def structure_request_review(*, structure: Structure, by: User) -> Structure:
    """After a refusal, the structure's administrators fix the profile and ask staff to look again."""
    if not perms.can_manage_members(by, structure):
        raise NotAllowed()
    locked = _lock(structure)
    if locked.verification_status != VerificationStatus.REJECTED:
        raise StructureError(_("Cette structure n'a pas été refusée."), code="not_rejected")
    locked.verification_status = VerificationStatus.PENDING
    locked.save(update_fields=["verification_status", "updated_at"])
    return locked


@transaction.atomic
def structure_archive(*, structure: Structure, by: User) -> Structure:
    """Hide a structure from the directory and from matching; its history (members, awards…) is kept."""
    if not perms.can_manage_members(by, structure):
        raise NotAllowed()
    locked = _lock(structure)
    if locked.archived_at is not None:
        raise StructureError(_("Cette structure est déjà archivée."), code="already_archived")
    locked.archived_at = timezone.now()
    locked.save(update_fields=["archived_at", "updated_at"])
    return locked


@transaction.atomic
def structure_restore(*, structure: Structure, by: User) -> Structure:
    """Staff bring an archived structure back into the directory."""
    if not perms.can_verify(by):
        raise NotAllowed()
    locked = _lock(structure)
    if locked.archived_at is None:
        raise StructureError(_("Cette structure n'est pas archivée."), code="not_archived")
    locked.archived_at = None
    locked.save(update_fields=["archived_at", "updated_at"])
    return locked


# --- Invitations ------------------------------------------------------------------------------------------------

INVITATION_VALIDITY = timedelta(days=7)
INVITATION_SALT = "structures.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=INVITATION_SALT, compress=False)


@transaction.atomic
def invitation_create(*, structure: Structure, email: str, role: str, by: User) -> Invitation:
    """An administrator invites someone by email (a signed link valid 7 days). A previous pending one is replaced."""
    if not perms.can_manage_members(by, structure):
        raise NotAllowed(_("Seuls les administrateurs de la structure peuvent inviter des personnes."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise StructureError(
            _("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."), code="email"
        ) from None
    if role not in Membership.Role.values:
        raise StructureError(_("Choisissez le rôle de la personne invitée."), code="role")
    locked = _lock(structure)
    if locked.archived_at is not None:
        raise StructureError(_("Cette structure est archivée : elle ne peut plus inviter."), code="archived")
    member_emails = Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email)
    if locked.memberships.filter(member_emails).exists():
        raise StructureError(_("%(email)s fait déjà partie de l'équipe.") % {"email": email}, code="already_member")
    now = timezone.now()
    locked.invitations.filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    invitation = Invitation.objects.create(
        structure=locked, email=email, role=role, invited_by=by, expires_at=now + INVITATION_VALIDITY
    )
    queue_email(
        to=email,
        template="structures/emails/invitation",
        kind="structure_invitation",
        dedupe_key=f"structures.invitation.{invitation.pk}",
        context={
            "structure": locked,
            "invited_by": str(by),
            "role": invitation.get_role_display(),
            "expires_at": invitation.expires_at,
            "accept_url": _absolute_url("structures_space:invitation", invitation_token(invitation)),
        },
    )
    return invitation


def invitation_from_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link points at, if it can still be used; otherwise a StructureError saying why."""
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_VALIDITY)
    except signing.SignatureExpired:
        raise StructureError(
            _("Cette invitation a expiré (elle était valable 7 jours). Demandez à la structure de vous réinviter."),
            code="expired",
        ) from None
    except signing.BadSignature:
        raise StructureError(
            _("Ce lien d'invitation n'est pas valide : vérifiez qu'il a été copié en entier."), code="bad_token"
        ) from None
    queryset = Invitation.objects.select_related("structure")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(pk=pk).first()
    if invitation is None or invitation.revoked_at is not None:
        raise StructureError(
            _("Cette invitation a été annulée. Demandez à la structure de vous réinviter si besoin."), code="revoked"
        )
    if invitation.accepted_at is not None:
        raise StructureError(_("Cette invitation a déjà été utilisée."), code="used")
    if invitation.expires_at <= timezone.now():
        raise StructureError(
            _("Cette invitation a expiré (elle était valable 7 jours). Demandez à la structure de vous réinviter."),
            code="expired",
        )
    if invitation.structure.archived_at is not None:
        raise StructureError(_("Cette structure a été archivée : l'invitation n'est plus valable."), code="archived")
    return invitation


def _user_owns_address(user: User, email: str) -> bool:
    if user.email.lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """The invited person joins the team with the role they were invited with. The link then stops working."""
    invitation = invitation_from_token(token, lock=True)
    if not _user_owns_address(user, invitation.email):
        raise StructureError(
            _(
                "Cette invitation a été envoyée à %(email)s. Connectez-vous avec cette adresse, ou ajoutez-la "
                "à votre compte (« Mes adresses e-mail ») et confirmez-la."
            )
            % {"email": invitation.email},
            code="wrong_email",
        )
    structure = _lock(invitation.structure)
    if structure.memberships.filter(user=user).exists():
        raise StructureError(
            _("Vous faites déjà partie de l'équipe de « %(name)s ».") % {"name": structure.name}, code="already_member"
        )
    membership = Membership.objects.create(structure=structure, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    if not perms.can_manage_members(by, invitation.structure):
        raise NotAllowed()
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise StructureError(_("Cette invitation a déjà été acceptée."), code="used")
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


# --- Members ----------------------------------------------------------------------------------------------------

LAST_ADMIN = gettext_lazy(
    "La structure doit garder au moins un administrateur : nommez d'abord une autre personne administratrice."
)


def _admin_count(structure: Structure) -> int:
    return structure.memberships.filter(role=Membership.Role.ADMIN).count()


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    if role not in Membership.Role.values:
        raise StructureError(_("Choisissez un rôle."), code="role")
    if not perms.can_manage_members(by, membership.structure):
        raise NotAllowed()
    structure = _lock(membership.structure)  # serialises changes of one team: the last-admin rule holds
    locked = Membership.objects.get(pk=membership.pk)
    if locked.role == role:
        return locked
    if locked.role == Membership.Role.ADMIN and _admin_count(structure) <= 1:
        raise StructureError(str(LAST_ADMIN), code="last_admin")
    locked.role = role
    locked.save(update_fields=["role"])
    return locked


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """An administrator removes someone, or a member leaves (by == membership.user)."""
    if by.pk != membership.user_id and not perms.can_manage_members(by, membership.structure):
        raise NotAllowed()
    structure = _lock(membership.structure)
    locked = Membership.objects.filter(pk=membership.pk).first()
    if locked is None:
        return
    if locked.role == Membership.Role.ADMIN and _admin_count(structure) <= 1:
        raise StructureError(str(LAST_ADMIN), code="last_admin")
    locked.delete()


# --- Join requests ----------------------------------------------------------------------------------------------


@transaction.atomic
def join_request_create(*, structure: Structure, user: User, message: str = "") -> JoinRequest:
    """Ask to join an existing structure; its administrators (or staff, when it has none) get an email."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed()
    if structure.archived_at is not None:
        raise StructureError(_("Cette structure a été archivée."), code="archived")
    if structure.memberships.filter(user=user).exists():
        raise StructureError(
            _("Vous faites déjà partie de l'équipe de « %(name)s ».") % {"name": structure.name}, code="already_member"
        )
    already = _(
        "Votre demande pour rejoindre « %(name)s » est déjà envoyée : ses administrateurs vont y répondre."
    ) % {"name": structure.name}
    if structure.join_requests.filter(user=user, status=JoinRequest.Status.PENDING).exists():
        raise StructureError(already, code="already_requested")
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(structure=structure, user=user, message=(message or "").strip())
    except IntegrityError:
        raise StructureError(already, code="already_requested") from None

    context = {
        "structure": structure,
        "requester": user,
        "message": join_request.message,
        "team_url": _absolute_url("structures_space:team", structure.slug),
    }
    admins = _admins(structure)
    if admins:
        for admin in admins:
            queue_email(
                to=admin.email,
                template="structures/emails/join_request",
                kind="structure_join_request",
                context={**context, "recipient": admin},
            )
    else:
        context["team_url"] = settings.SITE_URL + reverse(
            "admin:structures_joinrequest_change", args=[join_request.pk]
        )
        for staff in _staff_recipients():
            queue_email(
                to=staff.email,
                template="structures/emails/join_request",
                kind="structure_join_request",
                context={**context, "recipient": staff, "for_staff": True},
            )
    return join_request


def _decide(*, request: JoinRequest, by: User) -> tuple[JoinRequest, Structure]:
    if not perms.can_manage_members(by, request.structure):
        raise NotAllowed(_("Seuls les administrateurs de la structure, ou l'équipe des Canaux, peuvent répondre."))
    structure = _lock(request.structure)
    locked = JoinRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != JoinRequest.Status.PENDING:
        raise StructureError(_("Cette demande a déjà été traitée."), code="already_decided")
    locked.decided_by = by
    locked.decided_at = timezone.now()
    return locked, structure


@transaction.atomic
def join_request_accept(*, request: JoinRequest, by: User) -> Membership:
    """Accept: the person joins as a member (as administrator when the structure has none yet)."""
    locked, structure = _decide(request=request, by=by)
    role = Membership.Role.ADMIN if _admin_count(structure) == 0 else Membership.Role.MEMBER
    membership, _created = Membership.objects.get_or_create(
        structure=structure, user=locked.user, defaults={"role": role}
    )
    locked.status = JoinRequest.Status.ACCEPTED
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    queue_email(
        to=locked.user.email,
        template="structures/emails/join_request_accepted",
        kind="structure_join_accepted",
        context={
            "structure": structure,
            "role": membership.get_role_display(),
            "space_url": _absolute_url("structures_space:detail", structure.slug),
        },
    )
    return membership


@transaction.atomic
def join_request_refuse(*, request: JoinRequest, by: User) -> JoinRequest:
    locked, structure = _decide(request=request, by=by)
    locked.status = JoinRequest.Status.REFUSED
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    queue_email(
        to=locked.user.email,
        template="structures/emails/join_request_refused",
        kind="structure_join_refused",
        context={"structure": structure},
    )
    return locked


# --- Personal data and account deletion (settings.PERSONAL_DATA_PROVIDERS / ACCOUNT_DELETION_CHECKS) -----------


def personal_data(user: User) -> dict:
    """structures' share of a user's personal data: teams, join requests, invitations sent and received."""
    memberships = Membership.objects.filter(user=user).select_related("structure").order_by("created_at")
    join_requests = JoinRequest.objects.filter(user=user).select_related("structure").order_by("created_at")
    received = Invitation.objects.filter(Q(email__iexact=user.email) | Q(accepted_by=user)).select_related("structure")
    sent = Invitation.objects.filter(invited_by=user).select_related("structure").order_by("created_at")
    return {
        "structures": [
            {
                "structure": m.structure.name,
                "siret": m.structure.siret,
                "role": m.get_role_display(),
                "depuis": m.created_at.isoformat(),
            }
            for m in memberships
        ],
        "demandes_pour_rejoindre_une_structure": [
            {
                "structure": r.structure.name,
                "message": r.message,
                "statut": r.get_status_display(),
                "date": r.created_at.isoformat(),
            }
            for r in join_requests
        ],
        "invitations_recues": [
            {
                "structure": i.structure.name,
                "adresse": i.email,
                "date": i.created_at.isoformat(),
                "acceptee_le": i.accepted_at.isoformat() if i.accepted_at else None,
            }
            for i in received.order_by("created_at")
        ],
        "invitations_envoyees": [
            {"structure": i.structure.name, "adresse": i.email, "date": i.created_at.isoformat()} for i in sent
        ],
    }


def account_deletion_check(user: User) -> str | None:
    """Refuse to delete the only administrator of a structure that has other members (they would be stranded)."""
    administered = list(Structure.objects.administered_by(user).values_list("pk", flat=True))
    if not administered:
        return None
    stranded = (
        Structure.objects.filter(pk__in=administered)
        .annotate(
            admins=Count("memberships", filter=Q(memberships__role=Membership.Role.ADMIN)),
            members=Count("memberships"),
        )
        .filter(admins=1, members__gt=1)
        .order_by("name")
    )
    names = [s.name for s in stranded]
    if not names:
        return None
    return _(
        "Vous êtes la seule personne administratrice de %(names)s, qui compte d'autres membres. Nommez d'abord "
        "une autre personne administratrice (page « Équipe » de la structure), puis supprimez votre compte."
    ) % {"names": ", ".join(f"« {name} »" for name in names)}
