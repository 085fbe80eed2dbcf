import datetime

import factory
from django.utils import timezone

from meetups.models import MeetingRequest, Meetup, MeetupStatus, Registration, RegistrationStatus, RequestStatus
from tests.structures.factories import StructureFactory


def _in_days(days: int, hour: int = 9) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


class MeetupFactory(factory.django.DjangoModelFactory):
    """A published meet-up in ten days, 9:00–11:00, 15-minute meetings (8 slots), 10 seats.

    Pass buyers=[...] / topics=[...] to set the M2Ms. Traits: draft, cancelled, past."""

    class Meta:
        model = Meetup
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Rencontre acheteurs numéro {n}")
    slug = factory.Sequence(lambda n: f"rencontre-acheteurs-{n}")
    description = "Des rendez-vous de quinze minutes avec les acheteurs des Jeux."
    venue = "Les Canaux"
    address = "6 quai de la Seine, 75019 Paris"
    starts_at = factory.LazyFunction(lambda: _in_days(10, 9))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    registration_deadline = factory.LazyAttribute(lambda o: o.starts_at - datetime.timedelta(days=2))
    capacity = 10
    meeting_minutes = 15
    status = MeetupStatus.PUBLISHED

    class Params:
        draft = factory.Trait(status=MeetupStatus.DRAFT)
        cancelled = factory.Trait(status=MeetupStatus.CANCELLED)
        past = factory.Trait(starts_at=factory.LazyFunction(lambda: _in_days(-20, 9)))

    @factory.post_generation
    def buyers(self, create, extracted, **kwargs):
        if create and extracted:
            self.buyers.set(extracted)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A confirmed registration, written directly (tests of the rules go through meetups.services)."""

    class Meta:
        model = Registration

    meetup = factory.SubFactory(MeetupFactory)
    structure = factory.SubFactory(StructureFactory)
    status = RegistrationStatus.CONFIRMED

    class Params:
        waitlisted = factory.Trait(status=RegistrationStatus.WAITLISTED, position=factory.Sequence(lambda n: n + 1))


class MeetingRequestFactory(factory.django.DjangoModelFactory):
    """An accepted request from the structure to the buyer (trait `pending`, `declined`; direction="buyer")."""

    class Meta:
        model = MeetingRequest

    registration = factory.SubFactory(RegistrationFactory)
    buyer = factory.SubFactory("tests.tenders.factories.BuyerOrganisationFactory")
    note = ""
    status = RequestStatus.ACCEPTED

    class Params:
        pending = factory.Trait(status=RequestStatus.PENDING)
        declined = factory.Trait(status=RequestStatus.DECLINED)
