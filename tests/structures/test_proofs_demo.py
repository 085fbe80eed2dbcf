"""The demo data of what profiles prove (structures/demo_proofs.py)."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import demo as accounts_demo
from structures import demo, demo_proofs
from structures.models import ClientReference, Structure, StructureLabel, StructurePhoto
from structures.services import structure_completeness

pytestmark = pytest.mark.django_db


def test_demo_proofs_fill_the_flagship_and_many_others_and_are_idempotent(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    accounts_demo.seed()
    demo.seed()
    started = time.perf_counter()
    summary = demo_proofs.seed()
    elapsed = time.perf_counter() - started
    assert elapsed < 20, f"seeding the proofs took {elapsed:.1f} s"
    assert "références" in summary

    flagship = Structure.objects.with_proofs().get(name="Les Jardins de Belleville")
    assert len(flagship.photos.all()) == 6 and len(flagship.offers.all()) >= 1
    assert len(flagship.client_references.all()) == 4 and len(flagship.structure_labels.all()) >= 1
    assert structure_completeness(flagship).percent >= 80
    assert Structure.objects.filter(client_references__isnull=False).distinct().count() > 50
    assert StructureLabel.objects.filter(expires_on__lt=timezone.localdate()).exists()  # some show "Expiré"
    photo = StructurePhoto.objects.first()
    assert photo.image.name.endswith(".webp") and photo.alt_text

    counts = (ClientReference.objects.count(), StructurePhoto.objects.count(), StructureLabel.objects.count())
    demo_proofs.seed()
    assert (ClientReference.objects.count(), StructurePhoto.objects.count(), StructureLabel.objects.count()) == counts

    body = client.get(reverse("structures:detail", args=[flagship.slug])).content.decode()
    assert "Ce qu&#x27;elle propose" in body or "Ce qu'elle propose" in body
    assert "Labels et certifications" in body and "En images" in body
