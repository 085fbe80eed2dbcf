"""Atom feed of tenders (`/appels-d-offres/flux.atom`), with the same filters as the list (`TenderFilter`).

`/appels-d-offres/flux.atom?topic=restauration-durable&place=93` gives the open tenders of that topic and place:
the list page links to the feed of its current filters. Newest first, at most FEED_SIZE entries. An entry's
`updated` is the date of the tender's latest amendment ("rectificatif"), so feed readers show it again.
"""

from django.contrib.syndication.views import Feed
from django.db.models import F, OuterRef, Subquery
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ess2024 import fragment_cache
from structures.models import Area, Topic
from structures.search import names_array
from tenders.filters import STATUS_CLOSED, STATUS_OPEN, TenderFilter
from tenders.models import Tender, TenderAmendment
from tenders.templatetags.tenders_ui import euros

FEED_SIZE = 50


class TenderFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        """The feed's bytes come from the cache (ess2024/fragment_cache.py) while no tender, topic, area or buyer
        changed and no deadline passed; the host is part of the key (the links are absolute)."""
        from tenders.views import next_deadline  # the view module imports this one

        def render() -> dict:
            response = super(TenderFeed, self).__call__(request, *args, **kwargs)
            return {
                "body": response.content,
                "content_type": response["Content-Type"],
                "last_modified": response.headers.get("Last-Modified"),
                "valid_until": self._valid_until(next_deadline),
            }

        parts = fragment_cache.get_or_render(
            "tenders.feed",
            scopes=[fragment_cache.TENDERS, fragment_cache.REFERENCE],
            query=request.GET,
            extra=[request.scheme, request.get_host()],
            render=render,
        )
        response = HttpResponse(parts["body"], content_type=parts["content_type"])
        if parts["last_modified"]:
            response.headers["Last-Modified"] = parts["last_modified"]
        return response

    def get_object(self, request, *args, **kwargs):
        self.request = request
        queryset = (
            Tender.objects.published()
            .select_related("buyer")
            .defer("search_vector")
            .annotate(
                topic_names=names_array(Topic.objects.filter(tenders=OuterRef("pk")).order_by("position", "name")),
                place_names=names_array(Area.objects.filter(tenders=OuterRef("pk")).order_by("position", "code")),
                last_amended_at=Subquery(
                    TenderAmendment.objects.filter(tender=OuterRef("pk"))
                    .order_by("-created_at")
                    .values("created_at")[:1]
                ),
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
        self._items = list(obj.qs.order_by(F("published_at").desc(nulls_last=True), "-pk")[:FEED_SIZE])
        return self._items

    def _valid_until(self, next_deadline):
        """Until when the feed's entries stay the same: the open ones change when one of them closes (a tender
        further down leaving does not change the first FEED_SIZE), the closed ones when any tender closes."""
        form = self.filterset.form
        status = (form.cleaned_data.get("status") if form.is_valid() else None) or STATUS_OPEN
        if form.data.get("deadline"):
            return timezone.now()  # a window sliding with the clock: not kept
        if status == STATUS_OPEN:
            return min((item.bid_deadline for item in self._items if item.bid_deadline > timezone.now()), default=None)
        if status == STATUS_CLOSED:
            return next_deadline()
        return None

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
        places = item.place_names
        if places:
            parts.append(_("Lieu d'exécution : %(places)s") % {"places": ", ".join(places)})
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
        return item.topic_names
