"""Fill the web benchmark's database and say what to request: `python -m bench.loadtest.prepare OUT.json`.

Run by bench/loadtest/server.py in a subprocess with the production settings (the ones gunicorn serves, so the
passwords are hashed as in production) on the web database. Idempotent: `migrate`, `seed_demo` (itself idempotent),
then the load test's own accounts (get_or_create), then writes OUT.json: the pages to request and the accounts.
"""

from __future__ import annotations

import json
import sys

LOAD_DOMAIN = "charge.bench.ess2024.fr"
LOAD_PASSWORD = "charge-ess2024-bench"  # noqa: S105 - a throwaway account on the benchmark database only
MEMBERS = 15  # signed-in structure members of the load test (one structure each, so none races another)
BUYERS = 5


def _load_accounts() -> tuple[list[dict], list[dict]]:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from structures.models import Membership, Structure
    from tenders.models import BuyerMembership, BuyerOrganisation

    password = make_password(LOAD_PASSWORD)

    def account(email: str, **extra) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"password": password, **extra})
        if not created and not user.check_password(LOAD_PASSWORD):
            user.password = password
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    members = []
    structures = Structure.objects.active().verified().order_by("pk")[:MEMBERS]
    for index, structure in enumerate(structures):
        user = account(f"membre.{index}@{LOAD_DOMAIN}", first_name="Charge", last_name=f"Membre {index}")
        Membership.objects.get_or_create(structure=structure, user=user, defaults={"role": Membership.Role.ADMIN})
        members.append({"email": user.email, "structure": structure.slug})
    buyers = []
    organisations = list(BuyerOrganisation.objects.order_by("pk"))
    for index in range(BUYERS):
        organisation = organisations[index % len(organisations)]
        email = f"acheteur.{index}@{LOAD_DOMAIN}"
        user = account(email, first_name="Charge", last_name=f"Acheteur {index}", is_staff=True)
        BuyerMembership.objects.get_or_create(user=user, defaults={"organisation": organisation})
        buyers.append({"email": user.email})
    return members, buyers


def main(out: str) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)  # the production storage reads its manifest
    call_command("seed_demo", verbosity=0)

    from structures.models import Structure, Topic
    from tenders.models import Tender

    members, buyers = _load_accounts()
    open_tenders = list(Tender.objects.open().order_by("pk").values_list("slug", flat=True))
    published = list(Tender.objects.published().order_by("pk").values_list("slug", flat=True))
    topic = Topic.objects.filter(is_active=True, tenders__in=Tender.objects.published()).order_by("position")[0]
    structures = list(Structure.objects.active().verified().order_by("pk").values_list("slug", flat=True)[:40])
    targets = {
        "tender": published[0],
        "tenders": published,
        "open_tenders": open_tenders,
        "topic": topic.slug,
        "structures": structures,
        "members": members,
        "buyers": buyers,
        "password": LOAD_PASSWORD,
    }
    with open(out, "w") as handle:
        json.dump(targets, handle, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
