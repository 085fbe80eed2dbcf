"""Completeness with what a profile proves, and the monthly reminder email (issue 14)."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboxEmail
from outbox.services import render_email
from structures import services
from structures.models import Membership, StructurePhoto
from structures.services import proofs, reminders
from tests.structures.factories import ListedStructureFactory, MembershipFactory, StructureFactory
from tests.structures.proof_helpers import label

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def complete_structure(**kwargs):
    structure = StructureFactory(
        address="3 rue de la Solidarité",
        website="https://exemple.fr",
        contact_name="Awa",
        contact_email="contact@exemple.fr",
        headcount="10-49",
        turnover="100k-500k",
        description="Collecte et réemploi des déchets de chantier, " * 4,
        logo="structures/logos/x.webp",
        topics=["accessibilite"],
        areas=["93"],
        **kwargs,
    )
    structure.sectors.set([1])
    return structure


def add_proofs(structure, user):
    proofs.reference_save(structure=structure, by=user, client="SOLIDEO", year=2023, description="Tri.")
    proofs.label_save(structure=structure, by=user, label=label("esus"))
    StructurePhoto.objects.create(structure=structure, image="x.webp", alt_text="Atelier")
    proofs.offer_save(structure=structure, by=user, title="Collecte", description="Collecte de déchets.")


def old(structure, days=30):
    type(structure).objects.filter(pk=structure.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))


# --- Completeness ----------------------------------------------------------------------------------------------------


def test_completeness_lists_the_missing_proofs_with_links():
    membership = MembershipFactory(structure=complete_structure())
    structure = membership.structure
    before = services.structure_completeness(structure)
    assert [part["section"] for part in before.missing] == ["references", "labels", "photos", "offres"]
    assert before.missing[0]["url"] == reverse("structures_space:proofs", args=[structure.slug, "references"])
    assert before.percent < 100
    add_proofs(structure, membership.user)
    after = services.structure_completeness(type(structure).objects.with_proofs().get(pk=structure.pk))
    assert after.percent == 100 and after.is_complete


def test_free_text_references_count_as_references():
    structure = StructureFactory(references="Ville de Paris, 2023")
    items = [item for part in services.structure_completeness(structure).missing for item in part["items"]]
    assert "Au moins une référence client" not in items


def test_the_space_page_links_to_each_proof_and_shows_the_reminder_choice(client):
    membership = MembershipFactory(structure=complete_structure())
    client.force_login(membership.user)
    body = client.get(reverse("structures_space:detail", args=[membership.structure.slug])).content.decode()
    for kind in ("references", "labels", "photos", "offres"):
        assert reverse("structures_space:proofs", args=[membership.structure.slug, kind]) in body
    assert 'name="completeness_reminders"' in body and "checked" in body


# --- The monthly reminder --------------------------------------------------------------------------------------------


@pytest.fixture
def incomplete():
    membership = MembershipFactory(structure=ListedStructureFactory(name="Les Jardins de Belleville"))
    old(membership.structure)
    return membership


def reminder_emails():
    return OutboxEmail.objects.filter(kind="structure_completeness_reminder")


def test_an_incomplete_profile_gets_one_reminder_a_month(incomplete):
    MembershipFactory(structure=incomplete.structure, role=Membership.Role.MEMBER)  # members are not reminded
    assert reminders.send_completeness_reminders(today=TODAY) == 1
    assert reminders.send_completeness_reminders(today=TODAY + datetime.timedelta(days=3)) == 0  # same month
    assert reminder_emails().count() == 1
    email = reminder_emails().get()
    assert email.to == incomplete.user.email
    assert "Le profil de « Les Jardins de Belleville » est complet à" in email.subject
    assert "Références clients" in email.body_text and "Ce qui manque" in email.body_text
    assert "/espace/structure/" in email.body_html
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert reminders.send_completeness_reminders(today=datetime.date(2027, 1, 1)) == 1  # next month
    assert reminder_emails().count() == 2


def test_no_reminder_when_the_profile_is_complete_enough(incomplete, settings):
    settings.STRUCTURE_COMPLETENESS_THRESHOLD = 5  # the profile is at 6 %
    assert reminders.send_completeness_reminders(today=TODAY) == 0
    assert not reminder_emails().exists()


def test_a_complete_profile_gets_no_reminder():
    membership = MembershipFactory(structure=complete_structure(verification_status="verified"))
    add_proofs(membership.structure, membership.user)
    old(membership.structure)
    assert reminders.send_completeness_reminders(today=TODAY) == 0


def test_no_reminder_to_a_new_an_archived_or_a_refused_structure(incomplete):
    new = MembershipFactory(structure=ListedStructureFactory())
    archived = MembershipFactory(structure=ListedStructureFactory(archived_at=timezone.now()))
    refused = MembershipFactory(structure=StructureFactory(verification_status="rejected", rejection_reason="Non."))
    old(archived.structure)
    old(refused.structure)
    reminders.send_completeness_reminders(today=timezone.localdate())
    assert list(reminder_emails().values_list("to", flat=True)) == [incomplete.user.email]
    assert new.user.email != incomplete.user.email


def test_the_unsubscribe_link_stops_the_reminder_for_that_structure_only(client, incomplete):
    reminders.send_completeness_reminders(today=TODAY)
    email = reminder_emails().get()
    url = email.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith(f"{settings.SITE_URL}/espace/structure/rappel-completude/")
    assert url in email.body_text
    path = url.removeprefix(settings.SITE_URL)
    confirm = client.get(path)
    assert confirm.status_code == 200 and "Me désabonner de ce rappel" in confirm.content.decode()
    incomplete.refresh_from_db()
    assert incomplete.completeness_reminders
    done = client.post(path)  # RFC 8058 one-click: no session, no CSRF token
    assert done.status_code == 200
    incomplete.refresh_from_db()
    assert not incomplete.completeness_reminders
    assert reminders.send_completeness_reminders(today=datetime.date(2027, 1, 1)) == 0
    other = MembershipFactory(user=incomplete.user, structure=ListedStructureFactory())
    old(other.structure)
    assert reminders.send_completeness_reminders(today=datetime.date(2027, 1, 1)) == 1


def test_a_tampered_unsubscribe_link_is_refused(client, incomplete):
    token = reminders.reminder_token(incomplete)
    response = client.post(reverse("structures_space:reminder_unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    incomplete.refresh_from_db()
    assert incomplete.completeness_reminders


def test_a_member_turns_the_reminder_off_and_on_from_the_space(client, incomplete):
    client.force_login(incomplete.user)
    url = reverse("structures_space:reminder_preference", args=[incomplete.structure.slug])
    assert client.post(url, {}).status_code == 302
    incomplete.refresh_from_db()
    assert not incomplete.completeness_reminders
    assert reminders.send_completeness_reminders(today=TODAY) == 0
    client.post(url, {"completeness_reminders": "on"})
    incomplete.refresh_from_db()
    assert incomplete.completeness_reminders
    outsider = MembershipFactory()
    client.force_login(outsider.user)
    assert client.post(url, {}).status_code == 404
    incomplete.refresh_from_db()
    assert incomplete.completeness_reminders


def test_the_reminder_renders_in_english_too(incomplete):
    completeness = services.structure_completeness(incomplete.structure)
    rendered = render_email(
        template="structures/emails/completeness_reminder",
        context={
            "structure": incomplete.structure,
            "recipient": incomplete.user,
            "percent": completeness.percent,
            "threshold": 80,
            "missing": completeness.missing,
            "space_url": "http://testserver/espace/",
            "unsubscribe_url": "http://testserver/x/",
        },
        language="en",
    )
    assert rendered["subject"] and "http://testserver/x/" in rendered["body_text"]
    assert '<html lang="en"' in rendered["body_html"]


def test_the_task_is_scheduled_monthly():
    entry = settings.CELERY_BEAT_SCHEDULE["structures-completeness-reminders"]
    assert entry["task"] == "structures.send_completeness_reminders"
    assert entry["schedule"].day_of_month == {1}
    from structures.tasks import send_completeness_reminders

    assert send_completeness_reminders.name == entry["task"]
