from django.core.management.base import BaseCommand

from outbox.services import queue_email


class Command(BaseCommand):
    help = "Envoie un courriel de test par l'outbox (vérifie la configuration MAILERS et le worker Celery)."

    def add_arguments(self, parser):
        parser.add_argument("to", help="adresse du destinataire")

    def handle(self, *args, to, **options):
        email = queue_email(to=to, template="outbox/emails/test", context={}, kind="test")
        self.stdout.write(f"Courriel n° {email.pk} mis en file d'envoi pour {email.to}.")
