from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

# Each app seeds what it owns, in dependency order. Every seeder is idempotent (get_or_create on natural keys).
SEEDERS = [
    "accounts.demo.seed",
    "structures.demo.seed",
    "structures.demo_proofs.seed",
    "geo.demo.seed",
    "tenders.demo.seed",
    "matching.demo.seed",
    "meetups.demo.seed",
    "shortlists.demo.seed",
    "api.demo.seed",
]


class Command(BaseCommand):
    help = "Remplit la base avec des données de démonstration réalistes (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            for dotted in SEEDERS:
                summary = import_string(dotted)(stdout=self.stdout)
                self.stdout.write(f"{dotted}: {summary or 'ok'}")
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
