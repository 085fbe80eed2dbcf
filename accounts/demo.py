"""Demo logins, one per role. All share DEMO_PASSWORD; documented in README.md."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import STAFF_GROUP, User

DEMO_PASSWORD = "ess2024-demo"  # noqa: S105  (demo data only, documented in the README)

DEMO_USERS = [
    # email, first name, last name, role
    ("admin@demo.ess2024.fr", "Alice", "Administratrice", "superuser"),
    ("equipe@demo.ess2024.fr", "Camille", "Canaux", "staff"),
    ("structure@demo.ess2024.fr", "Samir", "Solidaire", "structure"),
    ("acheteur@demo.ess2024.fr", "Bérénice", "Acheteuse", "buyer"),
]


def seed(*, stdout=None) -> str:
    staff_group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    created = 0
    for email, first_name, last_name, role in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "is_staff": role in {"superuser", "staff", "buyer"},
                "is_superuser": role == "superuser",
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created += 1
        if role == "staff":
            user.groups.add(staff_group)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return f"{created} comptes créés"
