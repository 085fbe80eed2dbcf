import factory

from matching.models import Frequency, NotificationPreference, SavedSearch
from tests.accounts.factories import UserFactory


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    frequency = Frequency.IMMEDIATE

    class Params:
        daily = factory.Trait(frequency=Frequency.DAILY)
        weekly = factory.Trait(frequency=Frequency.WEEKLY)
        unsubscribed = factory.Trait(frequency=Frequency.NONE)


class SavedSearchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedSearch

    user = factory.SubFactory(UserFactory)
    querystring = "topic=restauration-durable"
    label = "Restauration durable"
