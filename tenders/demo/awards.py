"""The awards of the awarded demo tenders (for the charter)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from structures.models import Structure


def _awards(rng, tender, lots, interested, dates, now) -> list[dict]:
    """Awarded 15 to 45 days after the bid deadline (Europe/Paris dates), and never after today."""
    deadline = timezone.localdate(dates["bid_deadline"])
    awarded_on = min(deadline + datetime.timedelta(days=rng.randint(15, 45)), timezone.localdate(now))
    winners = list(Structure.objects.filter(pk__in=interested).order_by("pk"))
    targets = lots or [None]
    awards = []
    for number, lot in enumerate(targets):
        amount = (
            (lot.estimated_value if lot else tender.estimated_value) * Decimal(rng.choice([85, 92, 97, 100])) / 100
        )
        amount = amount.quantize(Decimal("1"))
        total_hours = int(amount / 45)
        insertion = min(total_hours, (lot.insertion_hours if lot and lot.insertion_hours else 0) or total_hours // 10)
        award = {
            "lot": lot,
            "amount": amount,
            "total_hours_planned": total_hours,
            "insertion_hours_planned": insertion,
            "awarded_on": awarded_on,
        }
        # Small lots mostly go to the structures that showed interest, large ones mostly to big companies: the
        # ESS/TPE/PME share of the amounts lands near SOLIDEO's reported 36 %, not an implausible 90 %.
        if winners and rng.random() < (0.75 if amount < 400_000 else 0.1):
            winner = winners[number % len(winners)]
            award.update(winner=winner, ess_share_amount=amount)
            others = [w for w in winners if w != winner]
            if others and rng.random() < 0.3:
                award["co_contractors"] = others[:1]
        else:
            award.update(
                winner_name=rng.choice(
                    ["Constructions Générales SA", "Services Urbains Réunis", "Logistique Francilienne"]
                ),
                winner_category="large",
                ess_share_amount=(amount * Decimal(rng.choice([0, 10, 25, 40])) / 100).quantize(Decimal("1")),
            )
        if rng.random() < 0.6:  # some buyers already reported what was done
            award["total_hours_achieved"] = int(total_hours * rng.choice([0.9, 1.0, 1.1]))
            # Never more insertion hours than hours worked (a database constraint since issue 12).
            award["insertion_hours_achieved"] = min(
                award["total_hours_achieved"], int(insertion * rng.choice([0.9, 1.05, 1.2]))
            )
        awards.append(award)
    return awards
