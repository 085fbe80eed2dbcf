"""The meet-ups' queue on the staff home (settings.STAFF_QUEUES): meet-ups of the coming 30 days with work left."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meetups import perms
from meetups.models import Meetup, RegistrationStatus

HORIZON_DAYS = 30


def upcoming_meetups(request) -> list[dict]:
    """Published meet-ups starting within 30 days, each with its fill rate and what is left to do (schedule not
    built, agendas not sent). One query. Staff only."""
    if not perms.can_organise(request.user):
        return []
    now = timezone.now()
    meetups = list(
        Meetup.objects.published()
        .filter(starts_at__gte=now, starts_at__lte=now + datetime.timedelta(days=HORIZON_DAYS))
        .annotate(
            confirmed=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
        )
        .only("pk", "slug", "title", "starts_at", "capacity", "schedule_built_at", "schedule_published_at")
        .order_by("starts_at")
    )
    queues = []
    for meetup in meetups:
        todo = []
        if meetup.schedule_built_at is None:
            todo.append(_("planning à construire"))
        elif meetup.schedule_published_at is None:
            todo.append(_("agendas à envoyer"))
        fill = round(100 * meetup.confirmed / meetup.capacity) if meetup.capacity else 0
        detail = ngettext(
            "%(day)s · %(confirmed)d inscrite sur %(capacity)d (%(fill)d %%)",
            "%(day)s · %(confirmed)d inscrites sur %(capacity)d (%(fill)d %%)",
            meetup.confirmed,
        ) % {
            "day": timezone.localtime(meetup.starts_at).strftime("%d/%m/%Y"),
            "confirmed": meetup.confirmed,
            "capacity": meetup.capacity,
            "fill": fill,
        }
        detail += " · " + (", ".join(todo) if todo else _("prête"))
        queues.append(
            {
                "key": f"meetups.upcoming.{meetup.pk}",
                "label": _("Rencontre : %(title)s") % {"title": meetup.title},
                "count": len(todo),
                "oldest": meetup.starts_at,
                "url": reverse("meetups:staff", kwargs={"slug": meetup.slug}),
                "detail": detail,
            }
        )
    return queues
