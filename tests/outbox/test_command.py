from io import StringIO

import pytest
from django.core.management import call_command

from outbox.models import OutboxEmail


@pytest.mark.django_db
def test_send_test_email_goes_through_the_outbox(smtp_server, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_test_email", "exploitation@exemple.fr", stdout=out)

    email = OutboxEmail.objects.get()
    assert f"Courriel n° {email.pk} mis en file d'envoi pour exploitation@exemple.fr." in out.getvalue()
    (message,) = smtp_server.messages
    assert message["Subject"] == "Courriel de test d'ESS 2024"
    html = message.get_body(("html",)).get_content()
    assert '<html lang="fr">' in html
    assert '<a href="http://testserver/"' in html
    assert "l'envoi des courriels d'ESS 2024 fonctionne" in message.get_body(("plain",)).get_content()
