"""The list pages read a fixed number of queries, whatever the number of lists or structures (10 or 100)."""

import pytest
from django.urls import reverse

from shortlists.models import Shortlist, ShortlistEntry
from tests.structures.factories import StructureFactory
from tests.tenders.factories import TenderFactory

pytestmark = pytest.mark.django_db

# session, user, groups, buyer membership, then the page's own reads (the lists with counts; the list, its
# entries with their structures, the tenders to invite to, the invitations).
INDEX_QUERIES = 7
DETAIL_QUERIES = 10


@pytest.mark.parametrize("count", [10, 100])
def test_my_lists_page_is_flat(buyer, client_for, django_assert_max_num_queries, count):
    organisation = buyer.buyer_membership.organisation
    structure = StructureFactory(verified=True)
    lists = Shortlist.objects.bulk_create(
        [Shortlist(name=f"Liste {n}", organisation=organisation, created_by=buyer) for n in range(count)]
    )
    ShortlistEntry.objects.bulk_create([ShortlistEntry(shortlist=s, structure=structure) for s in lists])
    client = client_for(buyer)
    with django_assert_max_num_queries(INDEX_QUERIES):
        response = client.get(reverse("shortlists:index"))
    assert response.status_code == 200
    assert response.text.count('<li class="card mb-2">') == count


@pytest.mark.parametrize("count", [10, 100])
def test_a_lists_page_is_flat(buyer, client_for, django_assert_max_num_queries, count):
    organisation = buyer.buyer_membership.organisation
    shortlist = Shortlist.objects.create(name="Grande liste", organisation=organisation)
    structures = [StructureFactory(verified=True) for _ in range(count)]
    ShortlistEntry.objects.bulk_create([ShortlistEntry(shortlist=shortlist, structure=s) for s in structures])
    for _ in range(3):
        TenderFactory(buyer=organisation)
    client = client_for(buyer)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("shortlists:detail", args=[shortlist.pk]))
    assert response.status_code == 200
    assert response.text.count('<li class="card mb-3"') == count
