import factory

from structures.models import Area, LegalForm, Membership, Structure, Topic, VerificationStatus
from structures.validators import make_siret
from tests.accounts.factories import UserFactory


class StructureFactory(factory.django.DjangoModelFactory):
    """A pending association in Paris. Pass topics=[...] / areas=[...] (objects or slugs/codes) to set the M2Ms."""

    class Meta:
        model = Structure
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Structure solidaire {n}")
    slug = factory.Sequence(lambda n: f"structure-solidaire-{n}")
    siret = factory.Sequence(lambda n: make_siret(n + 1))
    legal_form = LegalForm.ASSOCIATION
    description = "Association d'insertion par l'activité économique."
    postcode = "75011"
    city = "Paris"

    class Params:
        verified = factory.Trait(verification_status=VerificationStatus.VERIFIED)
        siae = factory.Trait(legal_form=LegalForm.EI)
        disability = factory.Trait(legal_form=LegalForm.ESAT)
        sme = factory.Trait(legal_form=LegalForm.TPE)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set([t if isinstance(t, Topic) else Topic.objects.get(slug=t) for t in extracted])

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.areas.set([a if isinstance(a, Area) else Area.objects.get(code=a) for a in extracted])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    structure = factory.SubFactory(StructureFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.ADMIN


class ListedStructureFactory(StructureFactory):
    """A structure the public directory lists: verified (pending ones wait for staff, issue 10)."""

    verification_status = VerificationStatus.VERIFIED
