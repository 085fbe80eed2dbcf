"""Fuzzing (hypothesis): whatever is typed in an address or a form, the site never answers a 500, and a refused
request writes nothing (issue 8, part 4).

Covered: the GET parameters of every public list (/appels-d-offres/, /structures/, /rencontres/, /charte/, the
tender feed and the open-data package) and of every admin changelist each role can open (buyer, staff, superuser),
and the POST fields of the sign-up, the structure wizard, the question and the interest forms.

Each test runs a bounded number of payloads (`EXAMPLES_*`, no deadline) inside one database transaction, then
asserts and prints how many payloads it tried and how many server errors it found (0). Parameter names come from the
pages themselves (the admin's filter links) and from the filter sets, plus random names; values mix random text
with the payloads that crashed the site once (NUL bytes, 23-digit years, impossible dates, 56 KB searches).
"""

import re
from html import unescape

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from structures.filters import StructureFilter
from tenders.filters import TenderFilter
from tests.accounts.factories import UserFactory
from tests.meetups.factories import MeetupFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)
from tests.tenders.public import open_tender

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

EXAMPLES_PUBLIC = 120
EXAMPLES_ADMIN = 10  # per changelist and role
EXAMPLES_FORM = 30  # per form

# Values that crashed the site once, or that a careless parser would choke on.
NASTY = [
    "\x00",
    "a\x00b",
    "99999999999999999999999",
    "-99999999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "2026-13-45",
    "9999-12-31",
    "99999-01-01",
    "0000-00-00",
    "1,abc",
    "True",
    "null",
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "../../../etc/passwd",
    "%00",
    "%",
    "déchets " * 7000,  # ~56 KB: the admin search that took 10–22 s
    "x" * 5000,
    "😀" * 50,
    "\u202e\u200b",
    "  ",
]
# No lone surrogates: they cannot be put in a URL or a form at all.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
NASTY_VALUES = st.sampled_from(NASTY)
VALUES = st.one_of(
    NASTY_VALUES,
    NASTY_VALUES,  # twice: half the values are the known troublemakers
    TEXT,
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.dates().map(str),
)


class Tally:
    """Payloads tried and server errors found by one test."""

    def __init__(self, name: str):
        self.name = name
        self.tried = 0
        self.errors: list[str] = []

    def check(self, response, what: str) -> None:
        self.tried += 1
        if response.status_code >= 500:
            self.errors.append(f"{response.status_code} for {what[:300]!r}")

    def report(self, minimum: int) -> None:
        print(f"\n{self.name}: {self.tried} payloads tried, {len(self.errors)} server errors found")
        assert not self.errors, "\n".join(self.errors[:20])
        assert self.tried >= minimum


def business_rows() -> dict[str, int]:
    """Row counts of every table a form of ours writes to (users, structures, tenders' answers, emails…)."""
    labels = ("accounts", "account", "structures", "tenders", "meetups", "matching", "outbox")
    # The sign-up wizard's draft keeps what was typed, refused input included, by design (nothing typed is lost).
    kept_on_purpose = {"structures.StructureDraft"}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
        and not model._meta.proxy
        and model._meta.managed
        and model._meta.label not in kept_on_purpose
    }


def no_server_error_client(client):
    client.raise_request_exception = False  # a crash is a 500 to count, not an exception that stops the run
    return client


FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same payloads each run: a failure can be reproduced
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# --- Public lists --------------------------------------------------------------------------------------------------

PUBLIC_LISTS = {
    "/appels-d-offres/": [*TenderFilter.base_filters, "page", "sort", "structure"],
    "/appels-d-offres/flux.atom": [*TenderFilter.base_filters],
    "/appels-d-offres/ocds.json": ["page"],
    "/structures/": [*StructureFilter.base_filters, "page", "sort", "tri", "vue", "display"],
    "/structures/export.csv": [*StructureFilter.base_filters],
    "/rencontres/": ["page", "q", "topic", "passees"],
    "/charte/": ["tri", "annee", "year", "page"],
    "/charte/export.csv": ["tri", "annee"],
}


@pytest.fixture
def public_world():
    StructureFactory(verified=True, topics=["restauration-durable"], areas=["93"])
    open_tender(title="Collecte des déchets")
    MeetupFactory()


def test_public_list_parameters_never_cause_a_server_error(client, public_world):
    client = no_server_error_client(client)
    tally = Tally("public lists")
    before = business_rows()

    @settings(FUZZ, max_examples=EXAMPLES_PUBLIC)
    @given(
        url=st.sampled_from(sorted(PUBLIC_LISTS)),
        data=st.data(),
    )
    def run(url, data):
        params = data.draw(st.lists(st.tuples(_names(PUBLIC_LISTS[url]), VALUES), min_size=1, max_size=4))
        tally.check(client.get(url, params), f"{url} {params}")

    run()
    tally.report(EXAMPLES_PUBLIC)
    assert business_rows() == before


# --- Admin changelists, for each role that can open them -----------------------------------------------------------

ADMIN_OWN = ["q", "o", "p", "e", "all", "_popup", "_to_field"]


def _filter_names(html: str) -> set[str]:
    """The parameter names the changelist's own filter links use (date hierarchy, list filters, sorting)."""
    names = set()
    for query in re.findall(r'href="\?([^"]*)"', html):
        for pair in unescape(query).split("&"):
            name = pair.split("=", 1)[0]
            if name:
                names.add(name)
    return names


def _field_names(model) -> list[str]:
    """Lookups on the model's own fields, the shape the admin's filters take."""
    names = []
    for field in model._meta.concrete_fields:
        names += [field.name, f"{field.name}__exact"]
        if isinstance(field, models.DateField):
            names += [f"{field.name}__{part}" for part in ("year", "month", "day", "gte", "lt")]
        if field.is_relation:
            names += [f"{field.name}__id__exact", f"{field.name}__in"]
    return names


def reachable_changelists(client) -> dict[str, list[str]]:
    """Every changelist this client may open (200), with the parameter names worth fuzzing on it."""
    found = {}
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if response.status_code == 200:
            found[url] = sorted(_filter_names(response.content.decode()) | set(_field_names(model)) | set(ADMIN_OWN))
    return found


@pytest.fixture
def admin_world():
    buyer = BuyerMembershipFactory()
    open_tender(buyer=buyer.organisation, title="Marché de l'acheteur")
    MembershipFactory(structure__verified=True)
    MeetupFactory()
    return {
        "buyer": buyer.user,
        "staff": UserFactory(platform_staff=True),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }


def _names(known: list[str]):
    """Mostly the page's own parameter names, sometimes a random one."""
    known_names = st.sampled_from(known)
    return st.one_of(known_names, known_names, known_names, TEXT.filter(bool))


def _fuzz_changelist(client, tally: Tally, url: str, known: list[str]) -> None:
    @settings(FUZZ, max_examples=EXAMPLES_ADMIN)
    @given(params=st.lists(st.tuples(_names(known), VALUES), min_size=1, max_size=3))
    def run(params):
        tally.check(client.get(url, params), f"{url} {params}")

    run()


@pytest.mark.parametrize("role", ["buyer", "staff", "superuser"])
def test_admin_changelist_parameters_never_cause_a_server_error(client, admin_world, role):
    client = no_server_error_client(client)
    client.force_login(admin_world[role])
    changelists = reachable_changelists(client)
    assert changelists, f"the {role} reaches no changelist"
    tally = Tally(f"admin changelists as {role} ({len(changelists)} lists)")
    before = business_rows()

    for url, known in sorted(changelists.items()):
        _fuzz_changelist(client, tally, url, known)
    tally.report(EXAMPLES_ADMIN * len(changelists))
    assert business_rows() == before


# --- Forms ---------------------------------------------------------------------------------------------------------


def _fuzz_form(client, *, name: str, url: str, fields: dict, accepted=(302,)):
    """POST random values for `fields` (a dict of name -> a fixed value, or None to fuzz it) and check that a
    refused request (anything but an `accepted` status) wrote nothing."""
    client = no_server_error_client(client)
    tally = Tally(name)

    @settings(FUZZ, max_examples=EXAMPLES_FORM)
    @given(values=st.fixed_dictionaries({key: VALUES for key, value in fields.items() if value is None}))
    def run(values):
        payload = {key: value for key, value in fields.items() if value is not None} | values
        before = business_rows()
        response = client.post(url, payload)
        tally.check(response, f"{url} {payload}")
        if response.status_code not in accepted:
            assert business_rows() == before, f"{response.status_code} wrote rows for {payload!r}"[:500]

    run()
    tally.report(EXAMPLES_FORM)


def test_signup_form_never_causes_a_server_error(client):
    _fuzz_form(
        client,
        name="sign-up form",
        url=reverse("account_signup"),
        fields={"email": None, "password1": None, "password2": None},
    )


WIZARD_IDENTITY = {"name": "Les Jardins de Belleville", "legal_form": "scic", "postcode": "75020", "city": "Paris"}
WIZARD_FUZZED = {
    "siret": {"siret": None},
    "identite": dict.fromkeys(["name", "legal_form", "postcode", "city", "website", "contact_email"]),
    "activite": {"topics": None, "sectors": None, "areas": None},
    "capacite": {"headcount": None, "insertion_people_per_year": None, "description": None, "references": None},
}


@pytest.mark.parametrize("step", ["siret", "identite", "activite", "capacite"])
def test_structure_wizard_never_causes_a_server_error(client, step):
    """Each step is reached for real (the earlier ones filled in correctly), then fuzzed."""
    from structures.models import Area, Topic
    from structures.validators import make_siret

    client.force_login(UserFactory())
    step_one = reverse("structures_space:create")
    earlier = {
        "siret": {"siret": make_siret(4242)},
        "identite": WIZARD_IDENTITY,
        "activite": {"topics": [Topic.objects.first().pk], "areas": [Area.objects.get(code="93").pk]},
    }
    for name, data in earlier.items():
        if name == step:
            break
        url = step_one if name == "siret" else reverse("structures_space:create_step", args=[name])
        assert client.post(url, data).status_code == 302
    url = reverse("structures_space:create_step", args=[step])  # /nouvelle/ itself redirects to where one left off
    assert client.get(url).status_code == 200  # the step itself, not a redirect to step 1
    _fuzz_form(client, name=f"structure wizard, step {step}", url=url, fields=WIZARD_FUZZED[step])


def test_structure_profile_form_never_causes_a_server_error(client):
    member = MembershipFactory()
    client.force_login(member.user)
    _fuzz_form(
        client,
        name="structure profile, capacity",
        url=reverse("structures_space:edit", args=[member.structure.slug, "capacite"]),
        fields={"headcount": None, "turnover": None, "description": None, "references": None},
    )


@pytest.fixture
def member_and_tender():
    member = MembershipFactory(structure__verified=True)
    return member.user, open_tender()


def test_question_form_never_causes_a_server_error(client, member_and_tender):
    user, tender = member_and_tender
    client.force_login(user)
    _fuzz_form(
        client,
        name="question form",
        url=reverse("tenders:question", kwargs={"slug": tender.slug}),
        fields={"text": None},
    )


def test_interest_form_never_causes_a_server_error(client, member_and_tender):
    user, tender = member_and_tender
    client.force_login(user)
    _fuzz_form(
        client,
        name="interest form",
        url=reverse("tenders:interest", kwargs={"slug": tender.slug}),
        fields={"answer": None, "reason": None, "reason_detail": None},
    )
