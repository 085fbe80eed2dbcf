"""Demo data of the api app (`manage.py seed_demo`): one API token for the demo buyer's organisation, with a key
written in the README so that `make run` users can try the buyer-only fields. Demo data only: a real key is random
and shown once (api.services.token_issue)."""

from api.models import ApiToken
from api.services import key_digest
from tenders.models import BuyerMembership

DEMO_BUYER_EMAIL = "acheteur@demo.ess2024.fr"
DEMO_KEY = "ess_demo-cle-publique-de-demonstration"


def seed(*, stdout=None) -> str:
    """Idempotent: the token is found by its key's digest."""
    membership = BuyerMembership.objects.select_related("organisation", "user").filter(user__email=DEMO_BUYER_EMAIL)
    membership = membership.first()
    if membership is None:
        return "acheteur de démonstration absent : rien à faire"
    _token, created = ApiToken.objects.get_or_create(
        key_hash=key_digest(DEMO_KEY),
        defaults={
            "organisation": membership.organisation,
            "name": "Jeton de démonstration",
            "prefix": DEMO_KEY[:10],
            "created_by": membership.user,
        },
    )
    return f"jeton d'API de démonstration {'créé' if created else 'déjà là'} ({membership.organisation.name})"
