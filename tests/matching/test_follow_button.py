"""The "Suivre cette recherche" button on the tender list posts the list's current filters as an alert."""

import re
from html import unescape

import pytest
from django.urls import reverse

from matching.models import SavedSearch

pytestmark = pytest.mark.django_db


def test_the_list_offers_to_follow_the_current_search_and_the_button_saves_it(client, user):
    client.force_login(user)
    page = client.get(reverse("tenders:index"), {"q": "repas", "topic": "restauration-durable"}).content.decode()

    # The list is one GET form; the button submits the separate POST form by its id, carrying the filters.
    assert re.search(r'<form method="post" action="/alertes/[^"]*" id="follow-search-form">', page)
    button = re.search(r'<button type="submit" form="follow-search-form" name="querystring" value="([^"]*)"', page)
    assert button, "no follow button"
    querystring = unescape(button.group(1))
    assert "q=repas" in querystring and "topic=restauration-durable" in querystring

    client.post(reverse("matching:save_search"), {"querystring": querystring})

    assert SavedSearch.objects.filter(user=user).count() == 1


def test_anonymous_visitors_are_invited_to_log_in_to_follow_a_search(client):
    page = client.get(reverse("tenders:index"), {"q": "repas"}).content.decode()

    assert 'id="follow-search-form"' not in page
    assert "Connectez-vous pour recevoir par e-mail" in page
