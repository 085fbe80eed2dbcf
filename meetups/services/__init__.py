"""Meet-up writes: registration with a waitlist, meeting wishes, cancellation with promotion, the schedule.

Every service takes keyword-only arguments, checks who acts (`by`), and runs in one transaction. Seats are counted
under a row lock on the meet-up (`SELECT ... FOR UPDATE`), so two people taking the last seat at the same moment
get one confirmed and one waitlisted registration. Emails go through the outbox inside the same transaction.

One concern per module (errors, registration, requests, unavailability, schedule, publishing/participants,
publishing/agendas, publishing/reminders, checkin, ratings; common holds the shared helpers). Everything public is
re-exported here, so `from meetups.services import X` and `services.X` keep working.
"""

from meetups.services.checkin import check_in, check_in_undo, no_shows_record
from meetups.services.common import _lock_meetup as _lock_meetup
from meetups.services.errors import AlreadyRegistered, MeetupError, NotAllowed
from meetups.services.publishing.agendas import agendas_notify, schedule_publish
from meetups.services.publishing.participants import Participant, meetup_participants
from meetups.services.publishing.reminders import agenda_reminders_send
from meetups.services.ratings import meeting_rate
from meetups.services.registration import registration_cancel, registration_create, waitlist_fill
from meetups.services.requests import buyer_requests_set, meeting_requests_set, request_respond, responder_allowed
from meetups.services.schedule import ScheduleResult, Unplaced, meetup_slots, schedule_build
from meetups.services.unavailability import unavailability_set

__all__ = [
    "MeetupError",
    "NotAllowed",
    "AlreadyRegistered",
    "registration_create",
    "registration_cancel",
    "waitlist_fill",
    "meeting_requests_set",
    "buyer_requests_set",
    "responder_allowed",
    "request_respond",
    "unavailability_set",
    "Unplaced",
    "ScheduleResult",
    "meetup_slots",
    "schedule_build",
    "Participant",
    "meetup_participants",
    "agendas_notify",
    "schedule_publish",
    "agenda_reminders_send",
    "check_in",
    "check_in_undo",
    "no_shows_record",
    "meeting_rate",
]
