"""The access matrix: every URL pattern of the project, every role, the status each one gets.

The URL patterns come from the resolver (`django.urls.get_resolver()`, the admin's included, French paths), so a
view is covered the day it is added: a pattern missing from TABLE below fails `test_every_url_pattern_is_in_the_table`
with the line to add. Each row gives the URL kwargs (real objects of the right owner: A's structure, X's tender…)
and what each role gets on a GET:

    200    the page
    login  a redirect (302) to a login page (allauth's, or the admin's, which sends there)
    302    a redirect elsewhere (not to a login page)
    400 / 403 / 404 / 405   that status (a 404 for another organisation's object: no 403 that confirms it exists)

Roles (columns): anonymous; a member (administrator) of structure A; of structure B; a buyer of organisation X; of
organisation Y; Les Canaux staff (the "Équipe Les Canaux" group); a superuser. Objects belong to A (structure,
membership, invitation, join request, saved search, meet-up registration…) and X (tenders, questions, interests,
awards, organisation, buyer membership), so B and Y are the other tenant of each row.

Adding a row: copy the line of a similar view, fill the kwargs with `W.<object>.<attribute>` (the objects are built
in `tests/security/access_world.py`; add one there if needed) and write the seven statuses. Then the cross-tenant writes at the bottom of the
file: a refused POST must change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts.models import User
from matching.models import SavedSearch
from meetups.models import RegistrationStatus
from structures.models import Invitation, JoinRequest, Membership
from tests.security.access_world import build_world

ROLES = ["anonymous", "member_a", "member_b", "buyer_x", "buyer_y", "staff", "superuser"]


# --- References to the world's objects, resolved when the test runs: W.tender_x.slug -------------------------------


class _Ref:
    def __init__(self, path: tuple[str, ...] = ()):
        self._path = path

    def __getattr__(self, name: str) -> _Ref:
        return _Ref((*self._path, name))

    def resolve(self, world: dict):
        value = world[self._path[0]]
        for name in self._path[1:]:
            value = getattr(value, name)
        return value

    def __repr__(self):
        return "W." + ".".join(self._path)


W = _Ref()


@dataclass(frozen=True)
class Row:
    route: str
    kwargs: dict
    expected: tuple[str, ...]


def R(route: str, kwargs: dict | None, expected: str) -> Row:  # noqa: N802 - reads as a table
    codes = tuple(expected.split())
    assert len(codes) == len(ROLES), f"{route}: {len(codes)} statuses for {len(ROLES)} roles"
    assert set(codes) <= {"200", "login", "302", "400", "403", "404", "405"}, f"{route}: unknown status in {codes}"
    return Row(route, kwargs or {}, codes)


# Admin objects: {"object_id": …} for the rows of each admin model.
def _id(ref: _Ref) -> dict:
    return {"object_id": ref.pk}


# fmt: off
# ruff: noqa: E501
TABLE = [
    #  route                                                                      kwargs                                               anon   A      B      X      Y      staff  super
    # --- public pages, accounts (allauth: an invalid key gets its "invalid link" page) --------------------------------
    R("i18n/setlang/",                                                            None,                                               "302    302    302    302    302    302    302"),
    R("sante/",                                                                   None,                                               "200    200    200    200    200    200    200"),
    R("",                                                                         None,                                               "200    200    200    200    200    200    200"),
    R("accessibilite/",                                                           None,                                               "200    200    200    200    200    200    200"),
    R("mentions-legales/",                                                        None,                                               "200    200    200    200    200    200    200"),
    R("contact/",                                                                 None,                                               "200    200    200    200    200    200    200"),
    R("compte/login/",                                                            None,                                               "200    302    302    302    302    302    302"),
    R("compte/logout/",                                                           None,                                               "302    200    200    200    200    200    200"),
    R("compte/inactive/",                                                         None,                                               "200    200    200    200    200    200    200"),
    R("compte/signup/",                                                           None,                                               "200    302    302    302    302    302    302"),
    R("compte/reauthenticate/",                                                   None,                                               "login  200    200    200    200    200    200"),
    R("compte/reauthenticate/code/",                                              None,                                               "login  200    200    200    200    200    200"),
    R("compte/reauthenticate/code/confirm/",                                      None,                                               "login  302    302    302    302    302    302"),
    R("compte/email/",                                                            None,                                               "login  200    200    200    200    200    200"),
    R("compte/confirm-email/",                                                    None,                                               "200    200    200    200    200    200    200"),
    R("compte/password/change/",                                                  None,                                               "login  200    200    200    200    200    200"),
    R("compte/password/set/",                                                     None,                                               "login  302    302    302    302    302    302"),
    R("compte/password/reset/",                                                   None,                                               "200    200    200    200    200    200    200"),
    R("compte/login/code/confirm/",                                               None,                                               "login  302    302    302    302    302    302"),
    R("compte/confirm-email/(?P<key>[-:\\w]+)/$",                                 {"key": "cle-invalide"},                            "200    200    200    200    200    200    200"),
    R("compte/password/reset/key/done/",                                          None,                                               "200    200    200    200    200    200    200"),
    R("compte/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",         {"uidb36": "0", "key": "cle-invalide"},             "200    200    200    200    200    200    200"),
    R("compte/password/reset/done/",                                              None,                                               "200    200    200    200    200    200    200"),
    # --- the signed-in space: a structure's pages for its members only (404 for everyone else, staff included) ---------
    R("espace/",                                                                  None,                                               "login  200    200    200    200    200    200"),
    R("espace/structure/nouvelle/",                                               None,                                               "login  302    302    302    302    302    302"),  # resumes at the user's step
    R("espace/structure/nouvelle/<slug:step>/",                                   {"step": "siret"},                                  "login  200    200    200    200    200    200"),
    R("espace/structure/rejoindre/<str:siret>/",                                  {"siret": W.structure_b.siret},                     "login  200    302    200    200    200    200"),
    R("espace/structure/invitation/<str:token>/",                                 {"token": W.invitation_token},                      "login  200    200    200    200    200    200"),
    R("espace/structure/<slug:slug>/",                                            {"slug": W.structure_a.slug},                       "login  200    404    404    404    404    404"),
    R("espace/structure/<slug:slug>/modifier/<slug:section>/",                    {"slug": W.structure_a.slug, "section": "capacite"},"login  200    404    404    404    404    404"),
    R("espace/structure/<slug:slug>/archiver/",                                   {"slug": W.structure_a.slug},                       "login  200    404    404    404    404    404"),
    R("espace/structure/rappel-completude/<str:token>/",                          {"token": "jeton-invalide"},                        "400    400    400    400    400    400    400"),
    R("espace/structure/<slug:slug>/profil/<slug:kind>/",                         {"slug": W.structure_a.slug, "kind": "offres"},     "login  200    404    404    404    404    404"),
    R("espace/structure/<slug:slug>/profil/<slug:kind>/<int:pk>/",                {"slug": W.structure_a.slug, "kind": "offres", "pk": W.offer_a.pk},"login  200    404    404    404    404    404"),
    R("espace/structure/<slug:slug>/profil/<slug:kind>/<int:pk>/supprimer/",      {"slug": W.structure_a.slug, "kind": "offres", "pk": W.offer_a.pk},"login  405    405    405    405    405    405"),
    R("espace/structure/<slug:slug>/profil/photos/<int:pk>/deplacer/",            {"slug": W.structure_a.slug, "pk": W.offer_a.pk},   "login  405    405    405    405    405    405"),
    R("espace/structure/<slug:slug>/rappel-completude/",                          {"slug": W.structure_a.slug},                       "login  405    405    405    405    405    405"),
    R("espace/structure/<slug:slug>/nouvelle-verification/",                      {"slug": W.structure_a.slug},                       "login  405    405    405    405    405    405"),
    R("espace/structure/<slug:slug>/equipe/",                                     {"slug": W.structure_a.slug},                       "login  200    404    404    404    404    404"),
    R("espace/structure/<slug:slug>/equipe/membres/<int:pk>/role/",               {"slug": W.structure_a.slug, "pk": W.colleague_a.pk},"login  405    405    405    405    405    405"),
    R("espace/structure/<slug:slug>/equipe/membres/<int:pk>/retirer/",            {"slug": W.structure_a.slug, "pk": W.colleague_a.pk},"login  405    405    405    405    405    405"),
    R("espace/structure/<slug:slug>/equipe/invitations/<int:pk>/annuler/",        {"slug": W.structure_a.slug, "pk": W.invitation_a.pk},"login  405    405    405    405    405    405"),
    R("espace/structure/<slug:slug>/equipe/demandes/<int:pk>/<str:decision>/",    {"slug": W.structure_a.slug, "pk": W.join_request_a.pk, "decision": "accepter"},"login  405    405    405    405    405    405"),
    R("espace/structure/sites/<slug:slug>/",                                      {"slug": W.structure_a.slug},                       "login  200    404    404    404    404    404"),
    R("espace/structure/sites/<slug:slug>/<int:pk>/supprimer/",                   {"slug": W.structure_a.slug, "pk": 1},              "login  405    405    405    405    405    405"),
    R("espace/structure/sites/<slug:slug>/<int:pk>/principal/",                   {"slug": W.structure_a.slug, "pk": 1},              "login  405    405    405    405    405    405"),
    # --- Les Canaux staff pages (backoffice): 404 for everyone else; POST-only views answer 405 first ------------------
    R("espace/equipe/structures/",                                                None,                                               "login  404    404    404    404    200    200"),
    R("espace/equipe/structures/<int:pk>/",                                       {"pk": W.pending.pk},                               "login  404    404    404    404    200    200"),
    R("espace/equipe/structures/<int:pk>/verifier/",                              {"pk": W.pending.pk},                               "405    405    405    405    405    405    405"),
    R("espace/equipe/structures/<int:pk>/refuser/",                               {"pk": W.pending.pk},                               "405    405    405    405    405    405    405"),
    R("espace/equipe/structures/<int:pk>/precision/",                             {"pk": W.pending.pk},                               "405    405    405    405    405    405    405"),
    R("espace/equipe/appels-d-offres-echus/",                                     None,                                               "login  404    404    404    404    200    200"),
    R("espace/equipe/historique/<slug:kind>/<int:pk>/",                           {"kind": "appel-d-offres", "pk": W.tender_x.pk},    "login  404    404    404    404    200    200"),
    # --- a buyer's history of its organisation's changes; personal data ------------------------------------------------
    R("espace/historique/",                                                       None,                                               "login  404    404    200    200    404    404"),
    R("espace/mes-donnees/",                                                      None,                                               "login  200    200    200    200    200    200"),
    R("espace/mes-donnees/export.json",                                           None,                                               "login  200    200    200    200    200    200"),
    R("espace/mes-donnees/supprimer-mon-compte/",                                 None,                                               "login  200    200    200    200    200    200"),
    # --- directory (export for buyers and staff), staff CSV imports ----------------------------------------------------
    R("structures/",                                                              None,                                               "200    200    200    200    200    200    200"),
    R("structures/export.csv",                                                    None,                                               "login  404    404    200    200    200    200"),
    R("structures/imports/",                                                      None,                                               "login  404    404    404    404    200    200"),
    R("structures/imports/modele.csv",                                            None,                                               "login  404    404    404    404    200    200"),
    R("structures/imports/<int:pk>/",                                             {"pk": W.import_job.pk},                            "login  404    404    404    404    200    200"),
    R("structures/imports/<int:pk>/appliquer/",                                   {"pk": W.import_job.pk},                            "login  404    404    404    404    405    405"),
    R("structures/<slug:slug>/",                                                  {"slug": W.structure_a.slug},                       "200    200    200    200    200    200    200"),
    R("structures/<slug:slug>/labels/<int:pk>/justificatif/",                     {"slug": W.structure_a.slug, "pk": W.label_a.pk},   "200    200    200    200    200    200    200"),
    # --- tenders: public pages, buyer preferences, a structure's POSTs, a conversation for its two sides ---------------
    R("appels-d-offres/",                                                         None,                                               "200    200    200    200    200    200    200"),
    R("appels-d-offres/flux.atom",                                                None,                                               "200    200    200    200    200    200    200"),
    R("appels-d-offres/ocds.json",                                                None,                                               "200    200    200    200    200    200    200"),
    R("appels-d-offres/acheteurs/demande-acces/",                                 None,                                               "200    200    200    200    200    200    200"),
    R("appels-d-offres/acheteurs/demande-acces/envoyee/",                         None,                                               "200    200    200    200    200    200    200"),
    R("appels-d-offres/acheteurs/preferences/",                                   None,                                               "login  404    404    200    200    404    404"),
    R("appels-d-offres/<slug:slug>/",                                             {"slug": W.tender_x.slug},                          "200    200    200    200    200    200    200"),
    R("appels-d-offres/<slug:slug>/documents/<int:pk>/",                          {"slug": W.tender_x.slug, "pk": W.document_x.pk},   "200    200    200    200    200    200    200"),
    R("appels-d-offres/<slug:slug>/interet/",                                     {"slug": W.tender_x.slug},                          "login  405    405    405    405    405    405"),
    R("appels-d-offres/<slug:slug>/partenaires/",                                 {"slug": W.tender_x.slug},                          "login  405    405    405    405    405    405"),
    R("appels-d-offres/<slug:slug>/partenaires/<slug:structure_slug>/message/",   {"slug": W.tender_x.slug, "structure_slug": W.structure_b.slug},"login  405    405    405    405    405    405"),
    R("appels-d-offres/<slug:slug>/messages/<int:pk>/",                           {"slug": W.tender_x.slug, "pk": W.message_ab.pk},   "login  200    200    404    404    404    404"),
    R("appels-d-offres/<slug:slug>/questions/",                                   {"slug": W.tender_x.slug},                          "login  405    405    405    405    405    405"),
    # --- alerts: preferences, followed searches; the unsubscribe link is its own key -----------------------------------
    R("alertes/",                                                                 None,                                               "302    302    302    302    302    302    302"),
    R("alertes/preferences/",                                                     None,                                               "login  200    200    200    200    200    200"),
    R("alertes/recherches/suivre/",                                               None,                                               "login  200    200    200    200    200    200"),
    R("alertes/recherches/<int:pk>/supprimer/",                                   {"pk": W.saved_search_a.pk},                        "login  405    405    405    405    405    405"),
    R("alertes/desabonnement/<str:token>/",                                       {"token": W.unsubscribe_token_a},                   "200    200    200    200    200    200    200"),
    # --- shortlists (issue 14): buyers' lists, one organisation's list is a 404 for any other; staff have their own --
    R("listes/",                                                                  None,                                               "login  404    404    200    200    200    200"),
    R("listes/ajouter/<slug:slug>/",                                              {"slug": W.structure_a.slug},                       "login  404    404    200    200    200    200"),
    R("listes/<int:pk>/",                                                         {"pk": W.shortlist_entry_x.shortlist_id},                "login  404    404    200    404    404    404"),
    R("listes/<int:pk>/renommer/",                                                {"pk": W.shortlist_entry_x.shortlist_id},                "login  405    405    405    405    405    405"),
    R("listes/<int:pk>/supprimer/",                                               {"pk": W.shortlist_entry_x.shortlist_id},                "login  404    404    200    404    404    404"),
    R("listes/<int:pk>/export/",                                                  {"pk": W.shortlist_entry_x.shortlist_id},                "login  404    404    400    404    404    404"),
    R("listes/<int:pk>/inviter/",                                                 {"pk": W.shortlist_entry_x.shortlist_id},                "login  405    405    405    405    405    405"),
    R("listes/<int:pk>/structures/<int:entry_pk>/note/",                          {"pk": W.shortlist_entry_x.shortlist_id, "entry_pk": W.shortlist_entry_x.pk}, "login  405    405    405    405    405    405"),
    R("listes/<int:pk>/structures/<int:entry_pk>/retirer/",                       {"pk": W.shortlist_entry_x.shortlist_id, "entry_pk": W.shortlist_entry_x.pk}, "login  405    405    405    405    405    405"),
    # --- meet-ups: the agenda for participants (A registered, X holding a table), staff pages for staff ----------------
    R("rencontres/",                                                              None,                                               "200    200    200    200    200    200    200"),
    R("rencontres/<slug:slug>/",                                                  {"slug": W.meetup.slug},                            "200    200    200    200    200    200    200"),
    R("rencontres/<slug:slug>/inscription/",                                      {"slug": W.meetup.slug},                            "login  405    405    405    405    405    405"),
    R("rencontres/<slug:slug>/inscription/<int:pk>/rendez-vous/",                 {"slug": W.meetup.slug, "pk": W.registration_a.pk}, "login  405    405    405    405    405    405"),
    R("rencontres/<slug:slug>/inscription/<int:pk>/indisponibilites/",            {"slug": W.meetup.slug, "pk": W.registration_a.pk}, "login  405    405    405    405    405    405"),
    R("rencontres/<slug:slug>/inscription/<int:pk>/annuler/",                     {"slug": W.meetup.slug, "pk": W.registration_a.pk}, "login  200    404    404    404    404    404"),
    R("rencontres/<slug:slug>/acheteur/",                                         {"slug": W.meetup.slug},                            "login  404    404    200    404    404    404"),
    R("rencontres/<slug:slug>/acheteur/indisponibilites/",                        {"slug": W.meetup.slug},                            "login  405    405    405    405    405    405"),
    R("rencontres/<slug:slug>/demandes/<int:pk>/reponse/",                        {"slug": W.meetup.slug, "pk": 0},                   "login  405    405    405    405    405    405"),
    R("rencontres/<slug:slug>/agenda/",                                           {"slug": W.meetup.slug},                            "login  200    404    200    404    404    404"),
    R("rencontres/<slug:slug>/agenda/<str:token>.ics",                            {"slug": W.meetup.slug, "token": W.feed_token_a},   "200    200    200    200    200    200    200"),
    R("rencontres/<slug:slug>/rendez-vous/<int:pk>/avis/",                        {"slug": W.meetup.slug, "pk": 0},                   "login  405    405    405    405    405    405"),
    R("rencontres/<slug:slug>/equipe/",                                           {"slug": W.meetup.slug},                            "login  404    404    404    404    200    200"),
    R("rencontres/<slug:slug>/equipe/publier/",                                   {"slug": W.meetup.slug},                            "login  404    404    404    404    405    405"),
    R("rencontres/<slug:slug>/equipe/accueil/",                                   {"slug": W.meetup.slug},                            "login  404    404    404    404    200    200"),
    R("rencontres/<slug:slug>/equipe/absences/",                                  {"slug": W.meetup.slug},                            "login  404    404    404    404    405    405"),
    R("rencontres/<slug:slug>/equipe/badges/",                                    {"slug": W.meetup.slug},                            "login  404    404    404    404    200    200"),
    R("rencontres/<slug:slug>/badge/<str:token>/",                                {"slug": W.meetup.slug, "token": W.badge_token_a},  "login  404    404    404    404    200    200"),
    # --- the charter: public, exports included -------------------------------------------------------------------------
    R("charte/",                                                                  None,                                               "200    200    200    200    200    200    200"),
    R("charte/export.csv",                                                        None,                                               "200    200    200    200    200    200    200"),
    R("charte/export.xlsx",                                                       None,                                               "200    200    200    200    200    200    200"),
    R("charte/attributions.csv",                                                  None,                                               "200    200    200    200    200    200    200"),
    R("charte/attributions.xlsx",                                                 None,                                               "200    200    200    200    200    200    200"),
    R("charte/ocds/extension.json",                                               None,                                               "200    200    200    200    200    200    200"),
    R("charte/ocds/release-schema.json",                                          None,                                               "200    200    200    200    200    200    200"),
    R("charte/<slug:slug>/",                                                      {"slug": W.organisation_x.slug},                    "200    200    200    200    200    200    200"),
    R("charte/<slug:slug>/attributions.csv",                                      {"slug": W.organisation_x.slug},                    "200    200    200    200    200    200    200"),
    R("charte/<slug:slug>/attributions.xlsx",                                     {"slug": W.organisation_x.slug},                    "200    200    200    200    200    200    200"),
    # --- the open API (issue 14): public, read-only; a token only adds fields -------------------------------------------
    R("api/v1/appels-d-offres/",                                                  None,                                               "200    200    200    200    200    200    200"),
    R("api/v1/appels-d-offres/<slug:slug>/",                                      {"slug": W.tender_x.slug},                          "200    200    200    200    200    200    200"),
    R("api/v1/structures/",                                                       None,                                               "200    200    200    200    200    200    200"),
    R("api/v1/structures/<slug:slug>/",                                           {"slug": W.structure_a.slug},                       "200    200    200    200    200    200    200"),
    R("api/v1/charte/",                                                           None,                                               "200    200    200    200    200    200    200"),
    R("api/v1/schema/",                                                           None,                                               "200    200    200    200    200    200    200"),
    R("api/v1/docs/",                                                             None,                                               "200    200    200    200    200    200    200"),
    # --- the charter's award imports: buyers for their organisation, staff for any -------------------------------------
    R("charte/import/",                                                           None,                                               "login  404    404    200    200    200    200"),
    R("charte/import/<int:pk>/",                                                  {"pk": W.award_import_x.pk},                        "login  404    404    200    404    200    200"),
    R("charte/import/<int:pk>/appliquer/",                                        {"pk": W.award_import_x.pk},                        "login  404    404    405    405    405    405"),
    # --- the admin: anonymous → login; signed in without admin access (members) → 403 page, no loop --------------------
    R("admin/login/",                                                             None,                                               "login  403    403    302    302    302    302"),
    R("admin/",                                                                   None,                                               "login  403    403    200    200    200    200"),
    R("admin/logout/",                                                            None,                                               "302    403    403    405    405    405    405"),
    R("admin/password_change/",                                                   None,                                               "login  403    403    200    200    200    200"),
    R("admin/password_change/done/",                                              None,                                               "login  403    403    200    200    200    200"),
    R("admin/autocomplete/",                                                      None,                                               "login  403    403    403    403    403    403"),
    R("admin/jsi18n/",                                                            None,                                               "login  403    403    200    200    200    200"),
    R("admin/r/<path:content_type_id>/<path:object_id>/",                         {"content_type_id": W.structure_ct.pk, "object_id": W.structure_a.pk},"login  403    403    404    404    404    404"),
    # --- groups, addresses, users: superuser (staff view and correct people, not keys or rights) -----------------------
    R("admin/auth/group/",                                                        None,                                               "login  403    403    403    403    403    200"),
    R("admin/auth/group/add/",                                                    None,                                               "login  403    403    403    403    403    200"),
    R("admin/auth/group/<path:object_id>/history/",                               _id(W.staff_group),                                 "login  403    403    403    403    403    200"),
    R("admin/auth/group/<path:object_id>/delete/",                                _id(W.staff_group),                                 "login  403    403    403    403    403    200"),
    R("admin/auth/group/<path:object_id>/change/",                                _id(W.staff_group),                                 "login  403    403    403    403    403    200"),
    R("admin/auth/group/<path:object_id>/",                                       _id(W.staff_group),                                 "login  403    403    302    302    302    302"),
    R("admin/account/emailaddress/",                                              None,                                               "login  403    403    403    403    403    200"),
    R("admin/account/emailaddress/add/",                                          None,                                               "login  403    403    403    403    403    200"),
    R("admin/account/emailaddress/<path:object_id>/history/",                     _id(W.email_address_a),                             "login  403    403    403    403    403    200"),
    R("admin/account/emailaddress/<path:object_id>/delete/",                      _id(W.email_address_a),                             "login  403    403    403    403    403    200"),
    R("admin/account/emailaddress/<path:object_id>/change/",                      _id(W.email_address_a),                             "login  403    403    403    403    403    200"),
    R("admin/account/emailaddress/<path:object_id>/",                             _id(W.email_address_a),                             "login  403    403    302    302    302    302"),
    R("admin/accounts/user/<id>/password/",                                       {"id": W.user_a.pk},                                "login  403    403    403    403    403    200"),
    R("admin/accounts/user/",                                                     None,                                               "login  403    403    403    403    200    200"),
    R("admin/accounts/user/add/",                                                 None,                                               "login  403    403    403    403    403    200"),
    R("admin/accounts/user/<path:object_id>/history/",                            _id(W.user_a),                                      "login  403    403    403    403    200    200"),
    R("admin/accounts/user/<path:object_id>/delete/",                             _id(W.user_a),                                      "login  403    403    403    403    403    200"),
    R("admin/accounts/user/<path:object_id>/change/",                             _id(W.user_a),                                      "login  403    403    403    403    200    200"),
    R("admin/accounts/user/<path:object_id>/",                                    _id(W.user_a),                                      "login  403    403    302    302    302    302"),
    # --- outbox: staff read, superuser delete --------------------------------------------------------------------------
    R("admin/outbox/outboxemail/",                                                None,                                               "login  403    403    403    403    200    200"),
    R("admin/outbox/outboxemail/add/",                                            None,                                               "login  403    403    403    403    403    403"),
    R("admin/outbox/outboxemail/<path:object_id>/history/",                       _id(W.outbox_email),                                "login  403    403    403    403    200    200"),
    R("admin/outbox/outboxemail/<path:object_id>/delete/",                        _id(W.outbox_email),                                "login  403    403    403    403    403    200"),
    R("admin/outbox/outboxemail/<path:object_id>/change/",                        _id(W.outbox_email),                                "login  403    403    403    403    200    200"),
    R("admin/outbox/outboxemail/<path:object_id>/",                               _id(W.outbox_email),                                "login  403    403    302    302    302    302"),
    # --- structures: staff only (buyers have no permission here: 403) --------------------------------------------------
    R("admin/structures/structure/",                                              None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/structure/add/",                                          None,                                               "login  403    403    403    403    403    403"),
    R("admin/structures/structure/<path:object_id>/history/",                     _id(W.structure_a),                                 "login  403    403    403    403    200    200"),
    R("admin/structures/structure/<path:object_id>/delete/",                      _id(W.structure_a),                                 "login  403    403    403    403    403    403"),
    R("admin/structures/structure/<path:object_id>/change/",                      _id(W.structure_a),                                 "login  403    403    403    403    200    200"),
    R("admin/structures/structure/<path:object_id>/",                             _id(W.structure_a),                                 "login  403    403    302    302    302    302"),
    R("admin/structures/structuretoverify/",                                      None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/structuretoverify/add/",                                  None,                                               "login  403    403    403    403    403    403"),
    R("admin/structures/structuretoverify/<path:object_id>/history/",             _id(W.pending),                                     "login  403    403    403    403    200    200"),
    R("admin/structures/structuretoverify/<path:object_id>/delete/",              _id(W.pending),                                     "login  403    403    403    403    403    403"),
    R("admin/structures/structuretoverify/<path:object_id>/change/",              _id(W.pending),                                     "login  403    403    403    403    200    200"),
    R("admin/structures/structuretoverify/<path:object_id>/",                     _id(W.pending),                                     "login  403    403    302    302    302    302"),
    R("admin/structures/topic/",                                                  None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/topic/add/",                                              None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/topic/<path:object_id>/history/",                         _id(W.topic),                                       "login  403    403    403    403    200    200"),
    R("admin/structures/topic/<path:object_id>/delete/",                          _id(W.topic),                                       "login  403    403    403    403    200    200"),
    R("admin/structures/topic/<path:object_id>/change/",                          _id(W.topic),                                       "login  403    403    403    403    200    200"),
    R("admin/structures/topic/<path:object_id>/",                                 _id(W.topic),                                       "login  403    403    302    302    302    302"),
    R("admin/structures/label/",                                                  None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/label/add/",                                              None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/label/<path:object_id>/history/",                         _id(W.label_a.label),                               "login  403    403    403    403    200    200"),
    R("admin/structures/label/<path:object_id>/delete/",                          _id(W.label_a.label),                               "login  403    403    403    403    200    200"),
    R("admin/structures/label/<path:object_id>/change/",                          _id(W.label_a.label),                               "login  403    403    403    403    200    200"),
    R("admin/structures/label/<path:object_id>/",                                 _id(W.label_a.label),                               "login  403    403    302    302    302    302"),
    R("admin/structures/sector/",                                                 None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/sector/add/",                                             None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/sector/<path:object_id>/history/",                        _id(W.sector),                                      "login  403    403    403    403    200    200"),
    R("admin/structures/sector/<path:object_id>/delete/",                         _id(W.sector),                                      "login  403    403    403    403    200    200"),
    R("admin/structures/sector/<path:object_id>/change/",                         _id(W.sector),                                      "login  403    403    403    403    200    200"),
    R("admin/structures/sector/<path:object_id>/",                                _id(W.sector),                                      "login  403    403    302    302    302    302"),
    R("admin/structures/area/",                                                   None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/area/add/",                                               None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/area/<path:object_id>/history/",                          _id(W.area),                                        "login  403    403    403    403    200    200"),
    R("admin/structures/area/<path:object_id>/delete/",                           _id(W.area),                                        "login  403    403    403    403    200    200"),
    R("admin/structures/area/<path:object_id>/change/",                           _id(W.area),                                        "login  403    403    403    403    200    200"),
    R("admin/structures/area/<path:object_id>/",                                  _id(W.area),                                        "login  403    403    302    302    302    302"),
    R("admin/structures/membership/",                                             None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/membership/add/",                                         None,                                               "login  403    403    403    403    403    403"),
    R("admin/structures/membership/<path:object_id>/history/",                    _id(W.colleague_a),                                 "login  403    403    403    403    200    200"),
    R("admin/structures/membership/<path:object_id>/delete/",                     _id(W.colleague_a),                                 "login  403    403    403    403    403    403"),
    R("admin/structures/membership/<path:object_id>/change/",                     _id(W.colleague_a),                                 "login  403    403    403    403    200    200"),
    R("admin/structures/membership/<path:object_id>/",                            _id(W.colleague_a),                                 "login  403    403    302    302    302    302"),
    R("admin/structures/invitation/",                                             None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/invitation/add/",                                         None,                                               "login  403    403    403    403    403    403"),
    R("admin/structures/invitation/<path:object_id>/history/",                    _id(W.invitation_a),                                "login  403    403    403    403    200    200"),
    R("admin/structures/invitation/<path:object_id>/delete/",                     _id(W.invitation_a),                                "login  403    403    403    403    403    403"),
    R("admin/structures/invitation/<path:object_id>/change/",                     _id(W.invitation_a),                                "login  403    403    403    403    200    200"),
    R("admin/structures/invitation/<path:object_id>/",                            _id(W.invitation_a),                                "login  403    403    302    302    302    302"),
    R("admin/structures/joinrequest/",                                            None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/joinrequest/add/",                                        None,                                               "login  403    403    403    403    403    403"),
    R("admin/structures/joinrequest/<path:object_id>/history/",                   _id(W.join_request_a),                              "login  403    403    403    403    200    200"),
    R("admin/structures/joinrequest/<path:object_id>/delete/",                    _id(W.join_request_a),                              "login  403    403    403    403    403    403"),
    R("admin/structures/joinrequest/<path:object_id>/change/",                    _id(W.join_request_a),                              "login  403    403    403    403    200    200"),
    R("admin/structures/joinrequest/<path:object_id>/",                           _id(W.join_request_a),                              "login  403    403    302    302    302    302"),
    R("admin/structures/importjob/",                                              None,                                               "login  403    403    403    403    200    200"),
    R("admin/structures/importjob/add/",                                          None,                                               "login  403    403    403    403    403    403"),
    R("admin/structures/importjob/<path:object_id>/history/",                     _id(W.import_job),                                  "login  403    403    403    403    200    200"),
    R("admin/structures/importjob/<path:object_id>/delete/",                      _id(W.import_job),                                  "login  403    403    403    403    403    403"),
    R("admin/structures/importjob/<path:object_id>/change/",                      _id(W.import_job),                                  "login  403    403    403    403    200    200"),
    R("admin/structures/importjob/<path:object_id>/",                             _id(W.import_job),                                  "login  403    403    302    302    302    302"),
    # --- buyer access requests: staff only -----------------------------------------------------------------------------
    R("admin/tenders/buyeraccessrequest/<path:object_id>/accepter/",              _id(W.access_request),                              "login  403    403    405    405    405    405"),
    R("admin/tenders/buyeraccessrequest/<path:object_id>/refuser/",               _id(W.access_request),                              "login  403    403    405    405    405    405"),
    R("admin/tenders/buyeraccessrequest/",                                        None,                                               "login  403    403    403    403    200    200"),
    R("admin/tenders/buyeraccessrequest/add/",                                    None,                                               "login  403    403    403    403    403    403"),
    R("admin/tenders/buyeraccessrequest/<path:object_id>/history/",               _id(W.access_request),                              "login  403    403    404    404    200    200"),
    R("admin/tenders/buyeraccessrequest/<path:object_id>/delete/",                _id(W.access_request),                              "login  403    403    404    404    403    403"),
    R("admin/tenders/buyeraccessrequest/<path:object_id>/change/",                _id(W.access_request),                              "login  403    403    404    404    200    200"),
    R("admin/tenders/buyeraccessrequest/<path:object_id>/",                       _id(W.access_request),                              "login  403    403    302    302    302    302"),
    # --- tenders: X's objects, 404 for buyer Y on every object view (no redirect, no 403) ------------------------------
    R("admin/tenders/question/",                                                  None,                                               "login  403    403    200    200    200    200"),
    R("admin/tenders/question/add/",                                              None,                                               "login  403    403    403    403    403    403"),
    R("admin/tenders/question/<path:object_id>/history/",                         _id(W.question_x),                                  "login  403    403    200    404    200    200"),
    R("admin/tenders/question/<path:object_id>/delete/",                          _id(W.question_x),                                  "login  403    403    403    404    403    403"),
    R("admin/tenders/question/<path:object_id>/change/",                          _id(W.question_x),                                  "login  403    403    200    404    200    200"),
    R("admin/tenders/question/<path:object_id>/",                                 _id(W.question_x),                                  "login  403    403    302    302    302    302"),
    R("admin/tenders/interest/",                                                  None,                                               "login  403    403    200    200    200    200"),
    R("admin/tenders/interest/add/",                                              None,                                               "login  403    403    403    403    403    403"),
    R("admin/tenders/interest/<path:object_id>/history/",                         _id(W.interest_x),                                  "login  403    403    200    404    200    200"),
    R("admin/tenders/interest/<path:object_id>/delete/",                          _id(W.interest_x),                                  "login  403    403    403    404    403    403"),
    R("admin/tenders/interest/<path:object_id>/change/",                          _id(W.interest_x),                                  "login  403    403    200    404    200    200"),
    R("admin/tenders/interest/<path:object_id>/",                                 _id(W.interest_x),                                  "login  403    403    302    302    302    302"),
    R("admin/tenders/award/",                                                     None,                                               "login  403    403    200    200    200    200"),
    R("admin/tenders/award/add/",                                                 None,                                               "login  403    403    403    403    403    403"),
    R("admin/tenders/award/<path:object_id>/history/",                            _id(W.award_x),                                     "login  403    403    200    404    200    200"),
    R("admin/tenders/award/<path:object_id>/delete/",                             _id(W.award_x),                                     "login  403    403    403    404    403    403"),
    R("admin/tenders/award/<path:object_id>/change/",                             _id(W.award_x),                                     "login  403    403    200    404    200    200"),
    R("admin/tenders/award/<path:object_id>/",                                    _id(W.award_x),                                     "login  403    403    302    302    302    302"),
    # --- buyer organisations and memberships: staff only, 404 for buyers -----------------------------------------------
    R("admin/tenders/buyerorganisation/<path:object_id>/inviter/",                _id(W.organisation_x),                              "login  403    403    404    404    200    200"),
    R("admin/tenders/buyerorganisation/",                                         None,                                               "login  403    403    403    403    200    200"),
    R("admin/tenders/buyerorganisation/add/",                                     None,                                               "login  403    403    403    403    200    200"),
    R("admin/tenders/buyerorganisation/<path:object_id>/history/",                _id(W.organisation_x),                              "login  403    403    404    404    200    200"),
    R("admin/tenders/buyerorganisation/<path:object_id>/delete/",                 _id(W.organisation_x),                              "login  403    403    404    404    200    200"),
    R("admin/tenders/buyerorganisation/<path:object_id>/change/",                 _id(W.organisation_x),                              "login  403    403    404    404    200    200"),
    R("admin/tenders/buyerorganisation/<path:object_id>/",                        _id(W.organisation_x),                              "login  403    403    302    302    302    302"),
    R("admin/tenders/buyermembership/",                                           None,                                               "login  403    403    403    403    200    200"),
    R("admin/tenders/buyermembership/add/",                                       None,                                               "login  403    403    403    403    200    200"),
    R("admin/tenders/buyermembership/<path:object_id>/history/",                  _id(W.buyer_membership_x),                          "login  403    403    404    404    200    200"),
    R("admin/tenders/buyermembership/<path:object_id>/delete/",                   _id(W.buyer_membership_x),                          "login  403    403    404    404    200    200"),
    R("admin/tenders/buyermembership/<path:object_id>/change/",                   _id(W.buyer_membership_x),                          "login  403    403    404    404    200    200"),
    R("admin/tenders/buyermembership/<path:object_id>/",                          _id(W.buyer_membership_x),                          "login  403    403    302    302    302    302"),
    R("admin/tenders/tender/<path:object_id>/apercu/",                            _id(W.tender_x),                                    "login  403    403    200    404    200    200"),
    R("admin/tenders/tender/<path:object_id>/publier/",                           _id(W.tender_x),                                    "login  403    403    302    404    302    302"),
    R("admin/tenders/tender/<path:object_id>/clore/",                             _id(W.tender_x),                                    "login  403    403    302    404    302    302"),
    R("admin/tenders/tender/<path:object_id>/annuler/",                           _id(W.tender_x),                                    "login  403    403    200    404    200    200"),
    R("admin/tenders/tender/<path:object_id>/infructueux/",                       _id(W.tender_x),                                    "login  403    403    302    404    302    302"),
    R("admin/tenders/tender/<path:object_id>/attribuer/",                         _id(W.tender_x),                                    "login  403    403    200    404    200    200"),
    R("admin/tenders/tender/<path:object_id>/interesses/",                        _id(W.tender_x),                                    "login  403    403    200    404    200    200"),
    R("admin/tenders/tender/<path:object_id>/interesses/export.<str:fmt>",        {"object_id": W.tender_x.pk, "fmt": "csv"},         "login  403    403    200    404    200    200"),
    R("admin/tenders/tender/<path:object_id>/documents/<int:document_id>/",       {"object_id": W.tender_x.pk, "document_id": W.document_x.pk},"login  403    403    200    404    200    200"),
    R("admin/tenders/tender/",                                                    None,                                               "login  403    403    200    200    200    200"),
    R("admin/tenders/tender/add/",                                                None,                                               "login  403    403    200    200    200    200"),
    R("admin/tenders/tender/<path:object_id>/history/",                           _id(W.tender_x),                                    "login  403    403    200    404    200    200"),
    R("admin/tenders/tender/<path:object_id>/delete/",                            _id(W.tender_x),                                    "login  403    403    403    404    403    403"),
    R("admin/tenders/tender/<path:object_id>/change/",                            _id(W.tender_x),                                    "login  403    403    200    404    200    200"),
    R("admin/tenders/tender/<path:object_id>/",                                   _id(W.tender_x),                                    "login  403    403    302    302    302    302"),
    # --- matching: staff, read-only ------------------------------------------------------------------------------------
    R("admin/matching/notification/",                                             None,                                               "login  403    403    403    403    200    200"),
    R("admin/matching/notification/add/",                                         None,                                               "login  403    403    403    403    403    403"),
    R("admin/matching/notification/<path:object_id>/history/",                    _id(W.notification),                                "login  403    403    403    403    200    200"),
    R("admin/matching/notification/<path:object_id>/delete/",                     _id(W.notification),                                "login  403    403    403    403    403    403"),
    R("admin/matching/notification/<path:object_id>/change/",                     _id(W.notification),                                "login  403    403    403    403    200    200"),
    R("admin/matching/notification/<path:object_id>/",                            _id(W.notification),                                "login  403    403    302    302    302    302"),
    R("admin/matching/tenderdispatch/",                                           None,                                               "login  403    403    403    403    200    200"),
    R("admin/matching/tenderdispatch/add/",                                       None,                                               "login  403    403    403    403    403    403"),
    R("admin/matching/tenderdispatch/<path:object_id>/history/",                  _id(W.dispatch),                                    "login  403    403    403    403    200    200"),
    R("admin/matching/tenderdispatch/<path:object_id>/delete/",                   _id(W.dispatch),                                    "login  403    403    403    403    403    403"),
    R("admin/matching/tenderdispatch/<path:object_id>/change/",                   _id(W.dispatch),                                    "login  403    403    403    403    200    200"),
    R("admin/matching/tenderdispatch/<path:object_id>/",                          _id(W.dispatch),                                    "login  403    403    302    302    302    302"),
    R("admin/matching/digest/",                                                   None,                                               "login  403    403    403    403    200    200"),
    R("admin/matching/digest/add/",                                               None,                                               "login  403    403    403    403    403    403"),
    R("admin/matching/digest/<path:object_id>/history/",                          _id(W.digest),                                      "login  403    403    403    403    200    200"),
    R("admin/matching/digest/<path:object_id>/delete/",                           _id(W.digest),                                      "login  403    403    403    403    403    403"),
    R("admin/matching/digest/<path:object_id>/change/",                           _id(W.digest),                                      "login  403    403    403    403    200    200"),
    R("admin/matching/digest/<path:object_id>/",                                  _id(W.digest),                                      "login  403    403    302    302    302    302"),
    R("admin/matching/deadlinereminder/",                                         None,                                               "login  403    403    403    403    200    200"),
    R("admin/matching/deadlinereminder/add/",                                     None,                                               "login  403    403    403    403    403    403"),
    R("admin/matching/deadlinereminder/<path:object_id>/history/",                _id(W.reminder),                                    "login  403    403    403    403    200    200"),
    R("admin/matching/deadlinereminder/<path:object_id>/delete/",                 _id(W.reminder),                                    "login  403    403    403    403    403    403"),
    R("admin/matching/deadlinereminder/<path:object_id>/change/",                 _id(W.reminder),                                    "login  403    403    403    403    200    200"),
    R("admin/matching/deadlinereminder/<path:object_id>/",                        _id(W.reminder),                                    "login  403    403    302    302    302    302"),
    R("admin/matching/notificationpreference/",                                   None,                                               "login  403    403    403    403    200    200"),
    R("admin/matching/notificationpreference/add/",                               None,                                               "login  403    403    403    403    403    403"),
    R("admin/matching/notificationpreference/<path:object_id>/history/",          _id(W.preference_a),                                "login  403    403    403    403    200    200"),
    R("admin/matching/notificationpreference/<path:object_id>/delete/",           _id(W.preference_a),                                "login  403    403    403    403    403    403"),
    R("admin/matching/notificationpreference/<path:object_id>/change/",           _id(W.preference_a),                                "login  403    403    403    403    200    200"),
    R("admin/matching/notificationpreference/<path:object_id>/",                  _id(W.preference_a),                                "login  403    403    302    302    302    302"),
    R("admin/matching/savedsearch/",                                              None,                                               "login  403    403    403    403    200    200"),
    R("admin/matching/savedsearch/add/",                                          None,                                               "login  403    403    403    403    403    403"),
    R("admin/matching/savedsearch/<path:object_id>/history/",                     _id(W.saved_search_a),                              "login  403    403    403    403    200    200"),
    R("admin/matching/savedsearch/<path:object_id>/delete/",                      _id(W.saved_search_a),                              "login  403    403    403    403    403    403"),
    R("admin/matching/savedsearch/<path:object_id>/change/",                      _id(W.saved_search_a),                              "login  403    403    403    403    200    200"),
    R("admin/matching/savedsearch/<path:object_id>/",                             _id(W.saved_search_a),                              "login  403    403    302    302    302    302"),
    # --- API tokens: a buyer's organisation's only (404 for another), staff all; never deleted; revoking is a POST -------
    R("admin/api/apitoken/",                                                      None,                                               "login  403    403    200    200    200    200"),
    R("admin/api/apitoken/add/",                                                  None,                                               "login  403    403    200    200    200    200"),
    R("admin/api/apitoken/<path:object_id>/history/",                             _id(W.api_token_x),                                 "login  403    403    200    404    200    200"),
    R("admin/api/apitoken/<path:object_id>/delete/",                              _id(W.api_token_x),                                 "login  403    403    403    404    403    403"),
    R("admin/api/apitoken/<path:object_id>/change/",                              _id(W.api_token_x),                                 "login  403    403    200    404    200    200"),
    R("admin/api/apitoken/<path:object_id>/",                                     _id(W.api_token_x),                                 "login  403    403    302    302    302    302"),
    R("admin/api/apitoken/<path:object_id>/revoquer/",                            _id(W.api_token_x),                                 "login  403    403    405    405    405    405"),
    # --- meet-ups: staff only, 404 for buyers (ess2024.admin_scoping) --------------------------------------------------
    R("admin/meetups/meetup/<int:pk>/planning/",                                  {"pk": W.meetup.pk},                                "login  403    403    404    404    200    200"),
    R("admin/meetups/meetup/",                                                    None,                                               "login  403    403    403    403    200    200"),
    R("admin/meetups/meetup/add/",                                                None,                                               "login  403    403    403    403    200    200"),
    R("admin/meetups/meetup/<path:object_id>/history/",                           _id(W.meetup),                                      "login  403    403    404    404    200    200"),
    R("admin/meetups/meetup/<path:object_id>/delete/",                            _id(W.meetup),                                      "login  403    403    404    404    200    200"),
    R("admin/meetups/meetup/<path:object_id>/change/",                            _id(W.meetup),                                      "login  403    403    404    404    200    200"),
    R("admin/meetups/meetup/<path:object_id>/",                                   _id(W.meetup),                                      "login  403    403    302    302    302    302"),
    R("admin/meetups/registration/",                                              None,                                               "login  403    403    403    403    200    200"),
    R("admin/meetups/registration/add/",                                          None,                                               "login  403    403    403    403    403    403"),
    R("admin/meetups/registration/<path:object_id>/history/",                     _id(W.registration_a),                              "login  403    403    404    404    200    200"),
    R("admin/meetups/registration/<path:object_id>/delete/",                      _id(W.registration_a),                              "login  403    403    404    404    403    403"),
    R("admin/meetups/registration/<path:object_id>/change/",                      _id(W.registration_a),                              "login  403    403    404    404    200    200"),
    R("admin/meetups/registration/<path:object_id>/",                             _id(W.registration_a),                              "login  403    403    302    302    302    302"),
    # --- app index, catch-all ------------------------------------------------------------------------------------------
    R("admin/(?P<app_label>auth|account|accounts|outbox|structures|tenders|matching|meetups|api)/$",{"app_label": "tenders"},                           "login  403    403    200    200    200    200"),
    R("admin/(?P<url>.*)$",                                                       {"url": "inexistant/"},                             "login  403    403    404    404    404    404"),
]
# fmt: on

TABLE_BY_ROUTE = {row.route: row for row in TABLE}


# --- The resolver walk ---------------------------------------------------------------------------------------------


def _join(prefix: str, route: str) -> str:
    return prefix + route.removeprefix("^") if prefix else route


def walk_url_patterns(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the project, as the resolver joins them (ResolverMatch.route), in French (no prefix)."""
    routes = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            routes.extend(walk_url_patterns(pattern.url_patterns, route))
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


ALL_ROUTES = list(dict.fromkeys(walk_url_patterns()))  # a route given twice: only the first is ever reached
CHECKS = len(ROLES) * len(ALL_ROUTES)


def build_url(route: str, kwargs: dict) -> str:
    def value(name: str) -> str:
        assert name in kwargs, f"{route}: the row gives no value for <{name}>"
        return str(kwargs[name])

    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m.group(1)), route)  # re_path groups first
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m.group(1)), url)
    return "/" + url.replace("^", "").replace("$", "")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# --- Requests ------------------------------------------------------------------------------------------------------

LOGIN_PATHS = {"/compte/login/", "/admin/login/"}


def observed(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"]).path
        return "login" if target in LOGIN_PATHS else "302"
    return str(response.status_code)


def get_as(world: dict, role: str, url: str):
    client = Client()
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    with transaction.atomic():  # what one role's GET writes (a session, a wizard state) is not seen by the next
        try:
            response = client.get(url)
        except Exception as error:
            error.add_note(f"GET {url} as {role}")
            raise
        transaction.set_rollback(True)
    return response


# --- Tests ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("figure", [f"{len(ROLES)} roles x {len(ALL_ROUTES)} URL patterns = {CHECKS} checks"])
def test_every_url_pattern_is_in_the_table(figure):
    missing = [route for route in ALL_ROUTES if route not in TABLE_BY_ROUTE]
    stale = [row.route for row in TABLE if row.route not in ALL_ROUTES]
    duplicates = {row.route for row in TABLE if sum(r.route == row.route for r in TABLE) > 1}
    assert not missing, (
        "URL patterns absent from the access matrix: add a row to TABLE in tests/security/test_access_matrix.py "
        "(who may open them, with real objects of the right owner) for:\n" + "\n".join(f"  {r!r}" for r in missing)
    )
    assert not stale, "Rows of TABLE for URL patterns that no longer exist: remove them:\n" + "\n".join(stale)
    assert not duplicates, f"Rows given twice in TABLE: {sorted(duplicates)}"


@pytest.mark.django_db
@pytest.mark.parametrize("row", TABLE, ids=[row.route or "/" for row in TABLE])
def test_access(world, row):
    kwargs = {name: value.resolve(world) if isinstance(value, _Ref) else value for name, value in row.kwargs.items()}
    url = build_url(row.route, kwargs)
    assert resolve(url).route == row.route, f"{url} resolves to another pattern than {row.route!r}"
    got = {role: observed(get_as(world, role, url)) for role in ROLES}
    wrong = [
        f"{role}: got {got[role]}, expected {want}"
        for role, want in zip(ROLES, row.expected, strict=True)
        if got[role] != want
    ]
    assert not wrong, f"GET {url} ({row.route}):\n  " + "\n  ".join(wrong)


# --- Another organisation's objects in the admin: 404 for buyers, on every object view --------------------------

X_OBJECTS_IN_ADMIN = [
    ("tenders", "tender", "tender_x"),
    ("tenders", "question", "question_x"),
    ("tenders", "interest", "interest_x"),
    ("tenders", "award", "award_x"),
    ("tenders", "buyerorganisation", "organisation_x"),
    ("tenders", "buyermembership", "buyer_membership_x"),
    ("meetups", "meetup", "meetup"),
    ("meetups", "registration", "registration_a"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "model", "key"), X_OBJECTS_IN_ADMIN, ids=[m for _a, m, _k in X_OBJECTS_IN_ADMIN])
def test_admin_object_pages_of_another_organisation_are_404_for_buyers(world, app, model, key):
    client = Client()
    client.force_login(world["users"]["buyer_y"])
    for view in ("change", "history", "delete"):
        url = reverse(f"admin:{app}_{model}_{view}", args=[world[key].pk])
        response = client.get(url)
        assert response.status_code == 404, f"GET {url} as buyer_y: {response.status_code}"
        assert "n'existe pas. Peut-être" not in response.text


# --- Cross-tenant writes: refused, and nothing changes -----------------------------------------------------------


def _client(world, role: str) -> Client:
    client = Client()
    client.force_login(world["users"][role])
    return client


@pytest.mark.django_db
def test_buyer_cannot_change_or_delete_another_organisations_tender(world):
    tender = world["tender_x"]
    client = _client(world, "buyer_y")
    change = client.post(reverse("admin:tenders_tender_change", args=[tender.pk]), {"title": "Pris par Y"})
    delete = client.post(reverse("admin:tenders_tender_delete", args=[tender.pk]), {"post": "yes"})
    assert (change.status_code, delete.status_code) == (404, 404)
    tender.refresh_from_db()
    assert tender.title == "Marché de X"


@pytest.mark.django_db
def test_buyer_cannot_answer_another_organisations_question(world):
    question = world["question_x"]
    response = _client(world, "buyer_y").post(
        reverse("admin:tenders_question_change", args=[question.pk]), {"answer": "Réponse d'un intrus."}
    )
    assert response.status_code == 404
    question.refresh_from_db()
    assert not question.answer
    assert question.answered_at is None


@pytest.mark.django_db
def test_buyer_cannot_report_hours_on_another_organisations_award(world):
    award = world["award_x"]
    response = _client(world, "buyer_y").post(
        reverse("admin:tenders_award_change", args=[award.pk]),
        {"total_hours_achieved": "1", "insertion_hours_achieved": "1"},
    )
    assert response.status_code == 404
    award.refresh_from_db()
    assert (award.total_hours_achieved, award.insertion_hours_achieved) == (None, None)


@pytest.mark.django_db
def test_buyer_cannot_invite_into_another_organisation(world):
    organisation = world["organisation_x"]
    before = organisation.memberships.count()
    response = _client(world, "buyer_y").post(
        reverse("admin:tenders_buyerorganisation_invite", args=[organisation.pk]), {"email": "intrus@exemple.fr"}
    )
    assert response.status_code == 404
    assert organisation.memberships.count() == before
    assert not User.objects.filter(email="intrus@exemple.fr").exists()


@pytest.mark.django_db
def test_member_cannot_manage_another_structures_team(world):
    structure = world["structure_a"]
    colleague, invitation, join_request = world["colleague_a"], world["invitation_a"], world["join_request_a"]
    client = _client(world, "member_b")
    posts = [
        (reverse("structures_space:member_role", args=[structure.slug, colleague.pk]), {"role": "admin"}),
        (reverse("structures_space:member_remove", args=[structure.slug, colleague.pk]), {}),
        (reverse("structures_space:invitation_revoke", args=[structure.slug, invitation.pk]), {}),
        (reverse("structures_space:join_request_decide", args=[structure.slug, join_request.pk, "accepter"]), {}),
        (reverse("structures_space:team", args=[structure.slug]), {"email": "ami-de-b@exemple.fr", "role": "admin"}),
        (reverse("structures_space:edit", args=[structure.slug, "capacite"]), {"description": "Pris par B."}),
        (reverse("structures_space:archive", args=[structure.slug]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    colleague.refresh_from_db()
    invitation.refresh_from_db()
    join_request.refresh_from_db()
    structure.refresh_from_db()
    assert colleague.role == Membership.Role.MEMBER
    assert invitation.revoked_at is None
    assert join_request.status == JoinRequest.Status.PENDING
    assert structure.archived_at is None
    assert structure.description != "Pris par B."
    assert not Invitation.objects.filter(email="ami-de-b@exemple.fr").exists()


@pytest.mark.django_db
def test_member_cannot_change_another_structures_proofs(world):
    """References, labels, photos, offers (issue 14): another structure's member gets 404s and changes nothing."""
    structure, offer, label = world["structure_a"], world["offer_a"], world["label_a"]
    client = _client(world, "member_b")
    posts = [
        (reverse("structures_space:proofs", args=[structure.slug, "offres"]), {"title": "Pris", "description": "B"}),
        (reverse("structures_space:proof_edit", args=[structure.slug, "offres", offer.pk]), {"title": "Pris"}),
        (reverse("structures_space:proof_delete", args=[structure.slug, "offres", offer.pk]), {}),
        (reverse("structures_space:proof_delete", args=[structure.slug, "labels", label.pk]), {}),
        (reverse("structures_space:photo_move", args=[structure.slug, offer.pk]), {"direction": "up"}),
        (reverse("structures_space:reminder_preference", args=[structure.slug]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    offer.refresh_from_db()
    assert offer.title == "Offre de A"
    assert structure.offers.count() == 1
    assert structure.structure_labels.filter(pk=label.pk).exists()


@pytest.mark.django_db
def test_member_cannot_cancel_another_structures_registration_or_delete_its_search(world):
    registration, search = world["registration_a"], world["saved_search_a"]
    client = _client(world, "member_b")
    cancel = client.post(reverse("meetups:cancel", args=[world["meetup"].slug, registration.pk]))
    delete = client.post(reverse("matching:delete_search", args=[search.pk]))
    assert (cancel.status_code, delete.status_code) == (404, 404)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert SavedSearch.objects.filter(pk=search.pk).exists()
