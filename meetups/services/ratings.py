"""After a meeting, each side says whether it was useful and whether a follow-up is planned."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetups import perms
from meetups.models import (
    Meeting,
    MeetingRating,
    RatingSide,
)
from meetups.services.errors import MeetupError, NotAllowed
from structures.models import Membership


@transaction.atomic
def meeting_rate(*, meeting: Meeting, side: str, useful: bool, follow_up: bool, by) -> MeetingRating:
    """After a meeting has started, each side says whether it was useful and whether a follow-up is planned
    (rating again replaces the earlier answer)."""
    meeting = Meeting.objects.select_related("structure", "meetup").get(pk=meeting.pk)
    if side == RatingSide.BUYER:
        allowed = perms.buyer_organisation_id(by) == meeting.buyer_id
    elif side == RatingSide.STRUCTURE:
        allowed = by.is_authenticated and Membership.objects.filter(structure=meeting.structure, user=by).exists()
    else:
        raise MeetupError(_("Côté inconnu."), code="bad_side")
    if not allowed:
        raise NotAllowed()
    if meeting.starts_at > timezone.now():
        raise MeetupError(_("Vous pourrez donner votre avis une fois le rendez-vous passé."), code="not_started")
    rating, _created = MeetingRating.objects.update_or_create(
        meeting=meeting, side=side, defaults={"useful": useful, "follow_up": follow_up, "rated_by": by}
    )
    return rating
