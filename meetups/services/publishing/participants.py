"""Who takes part in a meet-up: the buyers holding a table and the confirmed structures."""

from __future__ import annotations

from dataclasses import dataclass

from meetups.models import (
    Meetup,
    Registration,
    RegistrationStatus,
)


@dataclass(frozen=True)
class Participant:
    """A buyer organisation holding a table, or a registered structure."""

    kind: str  # "buyer" or "registration"
    pk: int
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind[0]}{self.pk}"


def meetup_participants(meetup: Meetup) -> list[Participant]:
    """The buyers (by name), then the confirmed structures (by name): two queries."""
    buyers = [
        Participant("buyer", pk, name) for pk, name in meetup.buyers.order_by("name", "pk").values_list("pk", "name")
    ]
    registrations = [
        Participant("registration", pk, name)
        for pk, name in Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED)
        .order_by("structure__name", "pk")
        .values_list("pk", "structure__name")
    ]
    return buyers + registrations
