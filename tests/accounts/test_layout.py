"""The base layout (language, navigation, footer, CSP-clean markup) and the shared components."""

import re

import django_filters
import pytest
from django import forms
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import RequestFactory

from accounts.models import User
from accounts.templatetags.ess_ui import query_replace, query_without, startswith
from tests.accounts.factories import UserFactory

HOME_H1_FR = "Les marchés des Jeux de Paris 2024, ouverts à l'économie sociale et solidaire"
HOME_H1_EN = "The Paris 2024 Games contracts, open to the social and solidarity economy"


@pytest.mark.django_db
def test_home_is_french_by_default_and_says_what_and_for_whom(client):
    html = client.get("/").content.decode()

    assert '<html lang="fr">' in html
    assert HOME_H1_FR in html
    assert "25&nbsp;%" in html and "10&nbsp;%" in html
    for audience in ("Structures de l'ESS et TPE/PME", "Acheteurs publics", "L'équipe des Canaux"):
        assert audience in html
    assert '<a class="skip-link" href="#contenu">Aller au contenu</a>' in html
    for label in ("Appels d'offres", "Structures", "Rencontres", "Charte", "Mon espace"):
        assert f">{label}</a>" in html
    assert "Accessibilité : partiellement conforme" in html
    assert "Mentions légales" in html


@pytest.mark.django_db
def test_language_switcher_leads_to_the_english_site_and_back(client):
    to_english = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert to_english.status_code == 302
    assert to_english["Location"] == "/en/"

    html = client.get("/en/").content.decode()
    assert '<html lang="en">' in html
    assert HOME_H1_EN in html
    assert 'aria-label="Main navigation"' in html
    assert ">Tenders</a>" in html

    assert 'name="next" type="hidden" value="/"' in html  # the switcher's target: this page in French
    to_french = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert to_french["Location"] == "/"
    # French has no prefix: "/" is French whatever the cookie says.
    assert '<html lang="fr">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_account_pages_exist_in_english_too(client):
    html = client.get("/en/compte/signup/").content.decode()

    assert '<html lang="en">' in html
    assert "<h1>Create an account</h1>" in html
    assert "Email address" in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/structures/", "/en/structures/"])
def test_current_section_is_marked_in_the_navigation(client, path):
    html = client.get(path).content.decode()

    assert re.search(rf'<a href="{path}" aria-current="page">', html)
    assert html.count('aria-current="page"') == 1


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style_and_send_a_csp(client):
    """The CSP forbids inline scripts and styles: the markup must not rely on them."""
    anonymous = [
        "/",
        "/en/",
        "/compte/login/",
        "/compte/signup/",
        "/compte/password/reset/",
        "/accessibilite/",
        "/mentions-legales/",
    ]
    signed_in = [
        "/espace/",
        "/espace/mes-donnees/",
        "/espace/mes-donnees/supprimer-mon-compte/",
        "/compte/email/",
        "/compte/password/change/",
    ]
    responses = [client.get(path) for path in anonymous]
    client.force_login(UserFactory())
    responses += [client.get(path) for path in signed_in]

    for response in responses:
        html = response.content.decode()
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not re.search(r"\sstyle=", html), response.request["PATH_INFO"]
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), response.request["PATH_INFO"]


def test_startswith_filter():
    assert startswith("/structures/42/", "/structures/")
    assert not startswith("/", "/structures/")
    assert not startswith("/structures/", "")


def test_query_helpers_keep_other_parameters():
    query = QueryDict("topic=1&topic=3&area=75&page=4")

    assert query_replace(query, page=5) == "?topic=1&topic=3&area=75&page=5"
    assert query_replace(QueryDict(""), page=None) == "?"
    assert query_without(query, "topic", "3") == "?topic=1&area=75"
    assert query_without(query, "area") == "?topic=1&topic=3"


class ContactForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail", help_text="Pour vous répondre.")
    message = forms.CharField(label="Message", required=False, widget=forms.Textarea)
    topic = forms.ChoiceField(label="Sujet", choices=[("a", "Accès"), ("b", "Bug")], widget=forms.RadioSelect)
    accept = forms.BooleanField(label="J'accepte")


def test_error_summary_links_to_each_field_and_fields_point_at_their_errors():
    form = ContactForm(data={"email": "pas-une-adresse"})
    form.add_error(None, "Une erreur générale.")

    summary = render_to_string("components/form_errors.html", {"form": form})
    email = render_to_string("components/field.html", {"field": form["email"]})
    message = render_to_string("components/field.html", {"field": form["message"]})
    topic = render_to_string("components/field.html", {"field": form["topic"]})
    accept = render_to_string("components/field.html", {"field": form["accept"]})

    assert "data-error-summary" in summary
    assert "<li>Une erreur générale.</li>" in summary
    assert '<a href="#id_email">Adresse e-mail' in summary
    assert '<a href="#id_topic">Sujet' in summary
    assert 'aria-describedby="id_email_helptext id_email_error"' in email
    assert 'aria-invalid="true"' in email
    assert 'id="id_email_error"' in email and 'id="id_email_helptext"' in email
    assert 'class="form-control is-invalid"' in email
    assert "(facultatif)" in message and "(facultatif)" not in email
    assert "<legend" in topic and 'class="form-check-input"' in topic and 'id="id_topic"' in topic
    assert 'class="form-check-input is-invalid"' in accept


def test_error_summary_is_empty_for_a_valid_or_unbound_form():
    assert render_to_string("components/form_errors.html", {"form": ContactForm()}).strip() == ""


def test_pagination_keeps_filters_and_marks_the_current_page():
    request = RequestFactory().get("/appels-d-offres/", {"topic": "3", "page": "2"})
    page_obj = Paginator(list(range(100)), 10).page(2)

    html = render_to_string("components/pagination.html", {"page_obj": page_obj, "request": request})

    assert 'href="?topic=3&amp;page=1" rel="prev"' in html
    assert 'href="?topic=3&amp;page=3" rel="next"' in html
    assert 'href="?topic=3&amp;page=2" aria-current="page"' in html
    assert "…" in html
    assert render_to_string("components/pagination.html", {"page_obj": Paginator([1], 10).page(1)}).strip() == ""


class UserFilter(django_filters.FilterSet):
    groups = django_filters.ModelMultipleChoiceFilter(queryset=Group.objects.all(), label="Groupe")
    is_active = django_filters.BooleanFilter(label="Actif")

    class Meta:
        model = User
        fields = ["groups", "is_active"]


@pytest.mark.django_db
def test_filter_chips_one_per_value_each_removing_only_itself():
    first, second = Group.objects.create(name="Alpha"), Group.objects.create(name="Bêta")
    request = RequestFactory().get("/liste/", {"groups": [first.pk, second.pk], "is_active": "true", "page": "3"})
    filterset = UserFilter(request.GET, queryset=User.objects.all())

    html = render_to_string("components/filter_chips.html", {"filterset": filterset, "request": request})

    assert f'href="?groups={second.pk}&amp;is_active=true">Groupe\u00a0: Alpha' in html
    assert f'href="?groups={first.pk}&amp;is_active=true">Groupe\u00a0: Bêta' in html
    assert f'href="?groups={first.pk}&amp;groups={second.pk}">Actif\u00a0: Oui' in html
    assert 'href="/liste/">Effacer tous les filtres' in html


@pytest.mark.django_db
def test_no_filter_chips_without_filters():
    request = RequestFactory().get("/liste/")
    filterset = UserFilter(request.GET, queryset=User.objects.all())

    assert render_to_string("components/filter_chips.html", {"filterset": filterset, "request": request}).strip() == ""


def test_empty_state_says_what_to_do_next():
    html = render_to_string(
        "components/empty_state.html",
        {
            "title": "Aucun appel d'offres",
            "message": "Élargissez la zone.",
            "action_url": "/x/",
            "action_label": "Voir",
        },
    )

    assert '<h2 class="h5 mt-3">Aucun appel d&#x27;offres</h2>' in html
    assert '<p class="mb-3">Élargissez la zone.</p>' in html
    assert '<a class="btn btn-primary" href="/x/">Voir</a>' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, target",
    [("/structures/?page=2", "/en/structures/?page=2"), ("/en/structures/?page=2", "/structures/?page=2")],
)
def test_language_switcher_targets_the_same_page_in_the_other_language(client, path, target):
    html = client.get(path).content.decode()

    assert f'name="next" type="hidden" value="{target.replace("&", "&amp;")}"' in html
    response = client.post(
        "/i18n/setlang/", {"language": "en" if path.startswith("/structures") else "fr", "next": target}
    )
    assert response["Location"] == target
