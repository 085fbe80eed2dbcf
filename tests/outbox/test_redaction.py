"""Personal links are found and masked whatever email carries them (outbox/redaction.py)."""

import pytest
from django.core import signing

from matching.preferences import unsubscribe_headers, unsubscribe_url
from outbox.redaction import contains_secret, is_personal_link, redact, redact_headers
from tenders.services.buyers import password_set_url
from tests.accounts.factories import UserFactory

MASK = "[lien personnel masqué]"
SITE = "http://testserver"


@pytest.mark.django_db
def test_a_password_reset_link_is_masked_in_text_and_html():
    url = password_set_url(UserFactory())
    key = url.rstrip("/").rsplit("/", 1)[-1]
    text = f"Bonjour,\n\nChoisissez votre mot de passe : {url}\n\nÀ bientôt"
    html = f'<p><a href="{url}">Choisir mon mot de passe</a> ou copiez {url}</p>'

    assert contains_secret(text)
    assert redact(text) == f"Bonjour,\n\nChoisissez votre mot de passe : {MASK}\n\nÀ bientôt"
    assert key not in redact(html)
    assert redact(html).count(MASK) == 2
    assert "Choisir mon mot de passe" in redact(html)


@pytest.mark.django_db
def test_one_click_unsubscribe_link_and_header_are_masked():
    user = UserFactory()
    url = unsubscribe_url(user)
    headers = {**unsubscribe_headers(url), "Message-ID": "<123.outbox@testserver>"}

    assert is_personal_link(url)
    assert redact_headers(headers) == {
        "List-Unsubscribe": f"<{MASK}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Message-ID": "<123.outbox@testserver>",
    }


@pytest.mark.parametrize(
    "path",
    [
        # Decided by the route: these views take a key, however short or plain the key looks.
        "/espace/structure/invitation/bonjour/",  # structures_space:invitation
        "/compte/confirm-email/abc/",  # allauth's account_confirm_email
        "/compte/password/reset/key/1-set-password/",  # allauth's account_reset_password_from_key
        "/en/espace/structure/invitation/hello/",  # the same in English
        # Decided by the value: a signed value or a random key, on any path (a page we do not know).
        "/ailleurs/" + signing.dumps(42, salt="demo") + "/",
        "/ailleurs/?confirmation=" + signing.TimestampSigner(salt="demo").sign("42"),
        "/ailleurs/4f8a2c9e1b7d3a6f0e5c/",
        "/ailleurs/?token=court",
        "/ailleurs/?lien=1%3AAbCdEfGh%3Aq1w2e3r4",
    ],
)
def test_links_carrying_a_key_are_personal(path):
    assert is_personal_link(SITE + path)
    assert redact(f"Lien : {SITE}{path} .") == f"Lien : {MASK} ."


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/appels-d-offres/",
        "/appels-d-offres/collecte-des-biodechets-du-village-des-athletes-2024/",
        "/alertes/preferences/",
        "/structures/?categorie=ess&page=2",
        "/admin/structures/joinrequest/12/change/",
        "/static/css/site.css",
    ],
)
def test_ordinary_links_are_left_alone(path):
    text = f"Voir {SITE}{path}"
    assert not contains_secret(text)
    assert redact(text) == text


def test_values_known_to_be_secret_are_masked_wherever_they_are():
    text = "Votre code de connexion : KX7P2Q (valable 15 minutes)."
    assert not contains_secret(text)
    assert contains_secret(text, extra=["KX7P2Q"])
    assert redact(text, extra=["KX7P2Q"]) == f"Votre code de connexion : {MASK} (valable 15 minutes)."
    assert redact("a b c", extra=["a", ""]) == "a b c"  # too short to be a secret: not masked
