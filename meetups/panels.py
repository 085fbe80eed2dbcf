"""`/espace/` panel: the user's upcoming meet-ups (registrations of their structures, or their buyer's tables)."""

from django.db.models import Count
from django.utils import timezone

from meetups import perms
from meetups.models import MeetingRequest, Meetup, MeetupStatus, Registration, RequestDirection, RequestStatus

PANEL_LIMIT = 5


def my_meetups_panel(request):
    """Upcoming registrations (with the waitlist status) and the agenda link once the schedule is built; for buyers,
    the upcoming meet-ups where their organisation holds a table. None when there is nothing to show."""
    user = request.user
    if not user.is_authenticated:
        return None
    now = timezone.now()
    registrations = list(
        Registration.objects.for_member(user)
        .active()
        .filter(meetup__status=MeetupStatus.PUBLISHED, meetup__ends_at__gte=now)
        .select_related("meetup", "structure")
        .only(
            "pk",
            "status",
            "structure__name",
            "meetup__slug",
            "meetup__title",
            "meetup__starts_at",
            "meetup__schedule_built_at",
        )
        .order_by("meetup__starts_at", "structure__name")[:PANEL_LIMIT]
    )
    buyer_id = perms.buyer_organisation_id(user)
    buyer_meetups = []
    if buyer_id is not None:
        buyer_meetups = list(
            Meetup.objects.published()
            .upcoming(now)
            .filter(buyers=buyer_id)
            .only("pk", "slug", "title", "starts_at", "schedule_built_at")
            .order_by("starts_at")[:PANEL_LIMIT]
        )
        pending = dict(
            MeetingRequest.objects.filter(
                buyer_id=buyer_id,
                direction=RequestDirection.STRUCTURE,
                status=RequestStatus.PENDING,
                registration__meetup__in=[meetup.pk for meetup in buyer_meetups],
            )
            .values("registration__meetup_id")
            .annotate(count=Count("pk"))
            .values_list("registration__meetup_id", "count")
        )
        for meetup in buyer_meetups:
            meetup.pending_count = pending.get(meetup.pk, 0)
    if not registrations and not buyer_meetups:
        return None
    return {
        "template": "meetups/_panel_my_meetups.html",
        "registrations": registrations,
        "buyer_meetups": buyer_meetups,
    }
