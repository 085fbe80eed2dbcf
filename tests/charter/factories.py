import datetime
from decimal import Decimal

import factory

from structures.models import Category
from tenders.models import Award, TenderStatus
from tests.tenders.factories import TenderFactory


class AwardFactory(factory.django.DjangoModelFactory):
    """An award to an ESS structure not on the platform (winner_name), with planned hours only.

    Traits: `large` (a large company: only its declared `ess_share_amount` counts), `achieved` (the buyer reported
    the hours done: 10 % more hours, 20 % more insertion hours than planned).
    Pass `buyer=` to create the tender for that buyer organisation.
    """

    class Meta:
        model = Award

    class Params:
        buyer = None
        large = factory.Trait(winner_category="large", winner_name="Grands Travaux SA")
        achieved = factory.Trait(
            total_hours_achieved=factory.LazyAttribute(lambda o: o.total_hours_planned * 11 // 10),
            insertion_hours_achieved=factory.LazyAttribute(lambda o: o.insertion_hours_planned * 12 // 10),
        )

    tender = factory.LazyAttribute(
        lambda o: TenderFactory(published=True, status=TenderStatus.AWARDED, **({"buyer": o.buyer} if o.buyer else {}))
    )
    winner_name = factory.Sequence(lambda n: f"Association numéro {n}")
    winner_category = Category.ESS
    amount = Decimal("100000")
    ess_share_amount = Decimal("0")
    total_hours_planned = 1000
    insertion_hours_planned = 100
    awarded_on = datetime.date(2024, 3, 15)
