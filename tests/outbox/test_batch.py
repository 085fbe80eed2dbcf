"""queue_emails with `personal` values: one rendering shared by a batch, rows identical to one-by-one queueing."""

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from outbox.models import OutboxEmail
from outbox.services import forget_secrets, queue_email, queue_emails

pytestmark = pytest.mark.django_db

TEMPLATES = {
    "b/alerte_subject.txt": "{% load i18n %}{% translate 'Nouvel appel' %} : {{ title }}",
    "b/alerte_body.txt": "{% if first_name %}Bonjour {{ first_name }},{% else %}Bonjour,{% endif %}\n{{ title }}\n"
    "Se désabonner : {{ unsubscribe_url }}\n",
    "b/alerte_body.html": "<p>{% if first_name %}Bonjour {{ first_name }},{% else %}Bonjour,{% endif %}</p>"
    '<p>{{ title }}</p><a href="{{ unsubscribe_url }}">Se désabonner</a>',
}
COMPARED = ["to", "subject", "body_text", "body_html", "kind", "sensitive", "dedupe_key", "status"]


def item(n: int, first_name: str) -> dict:
    return {
        "to": f"p{n}@exemple.fr",
        "template": "b/alerte",
        "context": {
            "first_name": first_name,
            "title": "Repas & goûters d'été",
            "unsubscribe_url": f"http://testserver/alertes/desabonnement/MQ:1tQx{n}z:Ab{n}cDeFgHiJkLmNoPqRs/",
        },
        "headers": {
            "List-Unsubscribe": f"<http://testserver/alertes/desabonnement/MQ:1tQx{n}z:Ab{n}cDeFgHiJkLmNoPqRs/>"
        },
        "dedupe_key": f"batch:{n}",
        "kind": "alert",
    }


def test_batched_rows_are_the_rows_queue_email_writes(email_templates, django_capture_on_commit_callbacks):
    email_templates(TEMPLATES)
    names = ["Élodie", "", "O'Brien <b>", "Zoé & Léa"]
    batched = queue_emails(
        [{**item(n, name), "personal": ["first_name", "unsubscribe_url"]} for n, name in enumerate(names)]
    )
    one_by_one = [queue_email(**{**item(n, name), "dedupe_key": f"single:{n}"}) for n, name in enumerate(names)]

    for fast, slow in zip(batched, one_by_one, strict=True):
        stored = OutboxEmail.objects.get(pk=fast.pk)
        assert model_to_dict(fast, COMPARED) == model_to_dict(stored, COMPARED)  # the returned row is the stored one
        expected = model_to_dict(slow, COMPARED) | {"dedupe_key": fast.dedupe_key}
        assert model_to_dict(stored, COMPARED) == expected
        assert stored.sensitive  # the unsubscribe link was found as with one-by-one queueing
        assert not fast._state.adding


def test_a_second_batch_with_the_same_keys_returns_the_rows_and_queues_nothing(
    email_templates, django_capture_on_commit_callbacks
):
    email_templates(TEMPLATES)
    items = [{**item(n, "Zoé"), "personal": ["first_name"]} for n in range(3)]
    with django_capture_on_commit_callbacks() as first:
        rows = queue_emails(items)
    with django_capture_on_commit_callbacks() as second:
        again = queue_emails(items)
    assert [row.pk for row in again] == [row.pk for row in rows]
    assert len(first) == 1 and second == []
    assert OutboxEmail.objects.count() == 3


def test_forget_secrets_on_rows_held_by_the_caller_masks_only_those_done(email_templates):
    email_templates(TEMPLATES)
    rows = queue_emails([{**item(n, "Zoé"), "personal": ["first_name", "unsubscribe_url"]} for n in range(3)])
    OutboxEmail.objects.filter(pk__in=[rows[0].pk, rows[1].pk]).update(
        status=OutboxEmail.Status.SENT, attempts=1, sent_at=timezone.now()
    )

    assert len(forget_secrets(ids=[rows[0].pk, rows[1].pk], locked=rows)) == 2

    masked, queued = OutboxEmail.objects.get(pk=rows[0].pk), OutboxEmail.objects.get(pk=rows[2].pk)
    assert "desabonnement" not in masked.body_text + masked.body_html + str(masked.headers)
    assert masked.body_text.endswith("Se désabonner : [lien personnel masqué]\n")
    assert masked.secrets_removed_at is not None and masked.secret_values == []
    assert "desabonnement" in queued.body_text and queued.secrets_removed_at is None
    assert forget_secrets(ids=[rows[0].pk]) == []  # already done: safe twice
