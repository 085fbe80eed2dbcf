import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import STAFF_GROUP, User

PASSWORD = "motdepasse-de-test-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """A user made by the factory has a verified primary address unless verified_email=False."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()

    class Params:
        platform_staff = factory.Trait(
            is_staff=True,
            staff_group=factory.PostGeneration(
                # get_or_create: a transactional test may run on a database whose migration rows were flushed.
                lambda user, create, extracted, **kw: user.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
            ),
        )
