from django.urls import path

from tenders import views, views_buyers
from tenders.feeds import TenderFeed

app_name = "tenders"
urlpatterns = [
    path("", views.index, name="index"),
    path("flux.atom", TenderFeed(), name="feed"),
    path("ocds.json", views.ocds_package, name="ocds"),
    path("acheteurs/demande-acces/", views_buyers.buyer_access_request, name="buyer_access_request"),
    path("acheteurs/demande-acces/envoyee/", views_buyers.buyer_access_sent, name="buyer_access_sent"),
    path("acheteurs/preferences/", views_buyers.buyer_preferences, name="buyer_preferences"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/documents/<int:pk>/", views.document, name="document"),
    path("<slug:slug>/interet/", views.interest, name="interest"),
    path("<slug:slug>/partenaires/", views.partners, name="partners"),
    path("<slug:slug>/partenaires/<slug:structure_slug>/message/", views.partner_message, name="partner_message"),
    path("<slug:slug>/messages/<int:pk>/", views.conversation, name="conversation"),
    path("<slug:slug>/questions/", views.question, name="question"),
]
