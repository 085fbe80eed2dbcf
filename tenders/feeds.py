"""Atom feed of tenders (`/appels-d-offres/flux.atom`), with the same filters as the list (`TenderFilter`).

`/appels-d-offres/flux.atom?topic=restauration-durable&place=93` gives the open tenders of that topic and place:
the list page links to the feed of its current filters. Newest first, at most FEED_SIZE entries. An entry's
`updated` is the date of the tender's latest amendment ("rectificatif"), so feed readers show it again.
"""

from django.contrib.syndication.views import Feed
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from structures.models import Topic
from tenders.filters import TenderFilter
from tenders.models import Tender, TenderAmendment
from tenders.templatetags.tenders_ui import euros

FEED_SIZE = 50


class TenderFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs):
        self.request = request
        queryset = (
            Tender.objects.published()
            .select_related("buyer")
            .defer("search_vector")
            .prefetch_related(Prefetch("topics", queryset=Topic.objects.only("pk", "name", "slug")))
            .annotate(
                last_amended_at=Subquery(
                    TenderAmendment.objects.filter(tender=OuterRef("pk"))
                    .order_by("-created_at")
                    .values("created_at")[:1]
                )
            )
        )
        # Feed readers have no session: "eligible for my structure" only applies in a browser.
        self.filterset = TenderFilter(request.GET, queryset=queryset, request=None)
        return self.filterset

    def title(self, obj):
        return _("Appels d'offres — ESS 2024")

    def subtitle(self, obj):
        return _("Les appels d'offres publiés sur ESS 2024 qui correspondent à vos filtres.")

    def link(self, obj):
        query = self.request.GET.urlencode()
        return reverse("tenders:index") + (f"?{query}" if query else "")

    def feed_url(self, obj):
        query = self.request.GET.urlencode()
        return reverse("tenders:feed") + (f"?{query}" if query else "")

    def author_name(self, obj):
        return "ESS 2024"

    def items(self, obj):
        return obj.qs.order_by(F("published_at").desc(nulls_last=True), "-pk")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return reverse("tenders:detail", kwargs={"slug": item.slug})

    def item_guid(self, item):
        return reverse("tenders:detail", kwargs={"slug": item.slug})

    def item_description(self, item):
        deadline = date_format(timezone.localtime(item.bid_deadline), "DATETIME_FORMAT")
        parts = [
            _("Acheteur : %(buyer)s") % {"buyer": item.buyer.name},
            _("Date limite : %(deadline)s") % {"deadline": deadline},
        ]
        if item.estimated_value is not None:
            parts.append(_("Montant estimé : %(value)s HT") % {"value": euros(item.estimated_value)})
        parts.append(item.description)
        return "\n".join(parts)

    def item_author_name(self, item):
        return item.buyer.name

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        """An amended tender ("rectificatif") is updated at its latest amendment; otherwise at its last change."""
        return getattr(item, "last_amended_at", None) or item.updated_at

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]
