"""A local stand-in for the "API Recherche d'entreprises": a real HTTP server on 127.0.0.1 (a free port), in a thread,
answering `/search?q=<siret>` with canned JSON shaped like the real one. Some SIRETs answer badly on purpose.

    with FakeDirectory() as directory:
        directory.url  # -> "http://127.0.0.1:<port>/search", for SIRET_LOOKUP_URL
        directory.queries  # -> the `q` of every request received

The `fake_directory` fixture (import it into a test module) starts one server per test session.
"""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from structures.validators import make_siret

FOUND = make_siret(7001)  # an association, in capitals as the registers keep it
FOUND_SAS = make_siret(7002)  # a SAS: no legal form of ours to infer
UNKNOWN = make_siret(7003)  # no result
SLOW = make_siret(7004)  # answers after SLOW_SECONDS
SERVER_ERROR = make_siret(7005)  # HTTP 500
BAD_JSON = make_siret(7006)  # 200 with HTML
OTHER_COMPANY = make_siret(7007)  # a result, but for another SIREN
SLOW_SECONDS = 1.5


def _result(siret: str, *, name: str, nature: str, address: str, postcode: str, city: str) -> dict:
    street = address.split(" ", 1)
    return {
        "siren": siret[:9],
        "nom_complet": f"{name} (SIGLE)",
        "nom_raison_sociale": name,
        "sigle": "SIGLE",
        "nature_juridique": nature,
        "activite_principale": "81.30Z",
        "etat_administratif": "A",
        "siege": {
            "siret": siret,
            "adresse": f"{address} {postcode} {city}",
            "numero_voie": street[0],
            "type_voie": "RUE",
            "libelle_voie": street[1],
            "code_postal": postcode,
            "commune": "75120",
            "libelle_commune": city,
            "est_siege": True,
            "etat_administratif": "A",
        },
        "matching_etablissements": [
            {"siret": siret, "adresse": f"{address} {postcode} {city}", "code_postal": postcode, "est_siege": True}
        ],
        "complements": {"est_ess": True, "est_siae": False},
    }


ANSWERS = {
    FOUND: _result(
        FOUND,
        name="LES JARDINS DE L'OURCQ",
        nature="9220",
        address="12 RUE DES CASCADES",
        postcode="75020",
        city="PARIS",
    ),
    FOUND_SAS: _result(
        FOUND_SAS,
        name="Recyclerie du Canal",
        nature="5710",
        address="3 quai de la Loire",
        postcode="75019",
        city="Paris",
    ),
    OTHER_COMPANY: _result(
        make_siret(7999), name="AUTRE", nature="9220", address="1 RUE X", postcode="75001", city="PARIS"
    ),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query).get("q", [""])[0]
        self.server.queries.append(query)
        if url.path != "/search":
            return self._send(404, b'{"erreur": "Not found"}')
        if query == SLOW:
            time.sleep(SLOW_SECONDS)
        if query == SERVER_ERROR:
            return self._send(500, b'{"erreur": "Internal Server Error"}')
        if query == BAD_JSON:
            return self._send(200, b"<html><body>Maintenance</body></html>", content_type="text/html")
        result = ANSWERS.get(query)
        results = [result] if result else []
        body = {"results": results, "total_results": len(results), "page": 1, "per_page": 1, "total_pages": 1}
        return self._send(200, json.dumps(body).encode())

    def _send(self, status: int, body: bytes, content_type: str = "application/json"):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the slow answer): nothing to do

    def log_message(self, format, *args):  # noqa: A002 - the signature http.server calls
        pass


class FakeDirectory:
    def __enter__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.server.queries = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.base = f"http://{host}:{port}"
        self.url = f"{self.base}/search"
        return self

    @property
    def queries(self) -> list[str]:
        return self.server.queries

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fake_directory():
    with FakeDirectory() as directory:
        yield directory
