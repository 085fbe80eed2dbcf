import factory

from geo.models import Commune, Site
from tests.structures.factories import ListedStructureFactory


def commune(insee: "str | Commune") -> Commune:
    """A commune of the reference data (loaded by migration geo 0002, kept by the tests' flushes)."""
    return insee if isinstance(insee, Commune) else Commune.objects.get(insee=insee)


class SiteFactory(factory.django.DjangoModelFactory):
    """A site at its commune's point. Pass commune="93066" (an INSEE code) or a Commune."""

    class Meta:
        model = Site

    structure = factory.SubFactory(ListedStructureFactory)
    commune = factory.LazyFunction(lambda: commune("75111"))
    label = "Siège"
    is_main = False
    latitude = factory.LazyAttribute(lambda site: commune(site.commune).latitude)
    longitude = factory.LazyAttribute(lambda site: commune(site.commune).longitude)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("commune"), str):
            kwargs["commune"] = commune(kwargs["commune"])
        return kwargs
