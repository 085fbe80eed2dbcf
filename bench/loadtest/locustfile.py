"""The load test's mix (`make loadtest`, see bench/loadtest/run.py): Locust users against gunicorn with the production
settings on the demo data.

- Visitor (the rest of the users): home, tender list, tender pages, the directory and structure pages, the charter,
  meet-ups, the Atom feed, and searches (tenders and structures) — think time 1 to 3 s.
- Member (15 users, one structure each): logs in through allauth's form (CSRF token from the cookie, as a browser
  posts it), looks at "Pour vous" (/espace/) and open tenders, marks interest in one ("Je suis intéressé"),
  sometimes takes the answer back.
- Buyer (5 users): logs in, reads their dashboard (/espace/).

The pages, tenders and accounts come from bench/loadtest/prepare.py (LOADTEST_TARGETS, a JSON file). Any answer other
than the expected one is a Locust failure: `load.errors` counts them and must stay 0. Login attempts per run stay
under allauth's "30/m/ip" limit (production settings): 20 logins, once per user.
"""

from __future__ import annotations

import json
import os
import random
from http.cookiejar import DefaultCookiePolicy

from locust import FastHttpUser, between, task

TARGETS = json.loads(open(os.environ["LOADTEST_TARGETS"]).read())  # noqa: SIM115, PTH123 - read once at import
SEARCHES = ["restauration", "déchets", "nettoyage", "textile", "insertion", "bâtiment", "jardin", "numérique"]
HEADERS = {"Accept-Language": "fr"}
LOGIN_FIELD = 'name="password"'  # the login form's password field: on a page, the user is not signed in


class SecureOverPlainHttp(DefaultCookiePolicy):
    """Send the production settings' Secure cookies (session, CSRF) back over plain HTTP, as a browser does behind the
    TLS proxy that this machine has not got."""

    def return_ok_secure(self, cookie, request):
        return True


def _csrf(user: FastHttpUser) -> str:
    for cookie in user.client.cookiejar:
        if cookie.name == "csrftoken":
            return cookie.value
    return ""


def _log_in(user: FastHttpUser, email: str) -> None:
    user.client.cookiejar.set_policy(SecureOverPlainHttp())
    user.client.get("/compte/login/", headers=HEADERS, name="/compte/login/")
    with user.client.post(
        "/compte/login/",
        data={"login": email, "password": TARGETS["password"], "csrfmiddlewaretoken": _csrf(user)},
        headers=HEADERS,
        name="/compte/login/ (POST)",
        catch_response=True,
    ) as response:
        # Success: a redirect to /espace/ (followed) and a session cookie; a refused login shows the form again.
        signed_in = any(cookie.name == "sessionid" for cookie in user.client.cookiejar)
        if response.status_code != 200 or LOGIN_FIELD in (response.text or "") or not signed_in:
            response.failure(f"login refused for {email}: {response.status_code}")


class Visitor(FastHttpUser):
    weight = 1
    wait_time = between(1, 3)

    @task(3)
    def home(self):
        self.client.get("/", headers=HEADERS)

    @task(3)
    def tenders(self):
        self.client.get("/appels-d-offres/", headers=HEADERS)

    @task(2)
    def tenders_search(self):
        self.client.get(
            "/appels-d-offres/", params={"q": random.choice(SEARCHES)}, headers=HEADERS, name="/appels-d-offres/?q="
        )

    @task(1)
    def tenders_topic(self):
        self.client.get(
            "/appels-d-offres/", params={"topic": TARGETS["topic"]}, headers=HEADERS, name="/appels-d-offres/?topic="
        )

    @task(3)
    def tender(self):
        slug = random.choice(TARGETS["tenders"])
        self.client.get(f"/appels-d-offres/{slug}/", headers=HEADERS, name="/appels-d-offres/<slug>/")

    @task(2)
    def structures(self):
        self.client.get("/structures/", headers=HEADERS)

    @task(1)
    def structures_search(self):
        self.client.get("/structures/", params={"q": random.choice(SEARCHES)}, headers=HEADERS, name="/structures/?q=")

    @task(2)
    def structure(self):
        slug = random.choice(TARGETS["structures"])
        self.client.get(f"/structures/{slug}/", headers=HEADERS, name="/structures/<slug>/")

    @task(1)
    def charter(self):
        self.client.get("/charte/", headers=HEADERS)

    @task(1)
    def meetups(self):
        self.client.get("/rencontres/", headers=HEADERS)

    @task(1)
    def feed(self):
        self.client.get("/appels-d-offres/flux.atom", headers=HEADERS)


class Member(FastHttpUser):
    fixed_count = len(TARGETS["members"])
    wait_time = between(1, 3)
    _accounts = iter(TARGETS["members"])

    def on_start(self):
        account = next(Member._accounts)
        self.structure = account["structure"]
        _log_in(self, account["email"])

    @task(2)
    def for_you(self):
        self.client.get("/espace/", headers=HEADERS)

    @task(2)
    def open_tender(self):
        slug = random.choice(TARGETS["open_tenders"])
        self.client.get(
            f"/appels-d-offres/{slug}/",
            params={"structure": self.structure},
            headers=HEADERS,
            name="/appels-d-offres/<slug>/?structure=",
        )

    @task(2)
    def mark_interest(self):
        slug = random.choice(TARGETS["open_tenders"])
        with self.client.post(
            f"/appels-d-offres/{slug}/interet/",
            data={"structure": self.structure, "answer": "interested", "csrfmiddlewaretoken": _csrf(self)},
            headers=HEADERS,
            name="/appels-d-offres/<slug>/interet/",
            catch_response=True,
        ) as response:
            # The redirect back to the tender page is followed; it says the answer was recorded.
            if response.status_code != 200 or "Votre réponse : intéressé" not in (response.text or ""):
                response.failure(f"interest not recorded on {slug}: {response.status_code}")

    @task(1)
    def withdraw(self):
        slug = random.choice(TARGETS["open_tenders"])
        self.client.post(
            f"/appels-d-offres/{slug}/interet/",
            data={"structure": self.structure, "withdraw": "1", "csrfmiddlewaretoken": _csrf(self)},
            headers=HEADERS,
            name="/appels-d-offres/<slug>/interet/ (retrait)",
        )


class Buyer(FastHttpUser):
    fixed_count = len(TARGETS["buyers"])
    wait_time = between(2, 5)
    _accounts = iter(TARGETS["buyers"])

    def on_start(self):
        _log_in(self, next(Buyer._accounts)["email"])

    @task
    def dashboard(self):
        with self.client.get("/espace/", headers=HEADERS, catch_response=True) as response:
            if response.status_code == 200 and LOGIN_FIELD in (response.text or ""):
                response.failure("the buyer was sent to the login page")
