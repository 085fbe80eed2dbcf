import datetime
import importlib

import factory
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from structures.models import Area, Topic
from tenders.models import BuyerMembership, BuyerOrganisation, Lot, Tender, TenderStatus
from tests.accounts.factories import UserFactory


def ensure_buyer_group() -> Group:
    """The `Acheteurs` group and its permissions (tenders migration 0003), recreated if a transactional test
    elsewhere flushed the database."""
    group = Group.objects.filter(name="Acheteurs").first()
    if group is None or not group.permissions.exists():
        create_permissions(apps.get_app_config("tenders"), verbosity=0)
        codenames = importlib.import_module("tenders.migrations.0003_buyer_and_staff_groups").BUYER_CODENAMES
        group, _ = Group.objects.get_or_create(name="Acheteurs")
        group.permissions.add(*Permission.objects.filter(content_type__app_label="tenders", codename__in=codenames))
    return group


class BuyerOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuyerOrganisation

    name = factory.Sequence(lambda n: f"Acheteur public {n}")
    slug = factory.Sequence(lambda n: f"acheteur-public-{n}")
    kind = BuyerOrganisation.Kind.PUBLIC_BODY


class BuyerMembershipFactory(factory.django.DjangoModelFactory):
    """A buyer user: staff flag on (they use the admin panel), member of one organisation."""

    class Meta:
        model = BuyerMembership
        skip_postgeneration_save = True

    organisation = factory.SubFactory(BuyerOrganisationFactory)
    user = factory.SubFactory(UserFactory, is_staff=True)

    @factory.post_generation
    def buyer_group(self, create, extracted, **kwargs):
        """Buyers belong to the `Acheteurs` group (tenders migration 0003), whose permissions open the admin."""
        if create and extracted is not False:
            self.user.groups.add(ensure_buyer_group())


class TenderFactory(factory.django.DjangoModelFactory):
    """A draft tender; `published=True` publishes it. Pass topics=[...] / places=[...] (objects or slugs/codes)."""

    class Meta:
        model = Tender
        skip_postgeneration_save = True

    buyer = factory.SubFactory(BuyerOrganisationFactory)
    reference = factory.Sequence(lambda n: f"2024-AO-{n:05d}")
    title = factory.Sequence(lambda n: f"Marché de services numéro {n}")
    slug = factory.Sequence(lambda n: f"marche-de-services-{n}")
    description = "Prestations pour les sites des Jeux."
    bid_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    estimated_value = 100_000

    class Params:
        published = factory.Trait(
            status=TenderStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set([t if isinstance(t, Topic) else Topic.objects.get(slug=t) for t in extracted])

    @factory.post_generation
    def places(self, create, extracted, **kwargs):
        if create and extracted:
            self.places.set([a if isinstance(a, Area) else Area.objects.get(code=a) for a in extracted])


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    tender = factory.SubFactory(TenderFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lot {n + 1}")
    topic = factory.LazyFunction(lambda: Topic.objects.order_by("position").first())
    estimated_value = 50_000
