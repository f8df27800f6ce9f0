"""Writes over HTTP on the real server: tokens, If-Match, limits, dry runs, history, revert."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
import requests

from tests.harness import Server
from tests.writes import ID, alt_label, assert_revert_restores, data_quads, set_count, update

pytestmark = pytest.mark.server

WriteServer = tuple[Server, str]


def test_valid_update_is_committed_with_its_change_id_and_new_version(
        write_server: WriteServer) -> None:
    server, token = write_server
    before = requests.get(server.url + "health", timeout=10).json()["version"]
    response = update(server, token, alt_label("biogenouest", "commit test"),
                      **{"HealthKG-Message": "a new alternative label"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["added"] == 1 and body["removed"] == 0 and body["change"]
    assert body["version"] != before
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert requests.get(server.url + "health", timeout=10).json()["version"] == body["version"]
    ask = requests.get(server.url + "sparql", params={"query": (
        f'ASK {{ <{ID}org/biogenouest> ?p "commit test"@en }}')}, timeout=10)
    assert ask.json()["boolean"] is True
    change = requests.get(server.url + f"changes/{body['change']}", timeout=10).json()
    assert change["message"] == "a new alternative label" and change["author"] == "steward"
    assert len(change["added_quads"]) == 1 and change["removed_quads"] == []
    listing = requests.get(server.url + "changes", timeout=10).json()
    assert body["change"] in {c["change"] for c in listing["changes"]}
    prov = requests.get(server.url + "changes", headers={"Accept": "text/turtle"}, timeout=10)
    graph = rdflib.Graph().parse(data=prov.text, format="turtle")
    assert (rdflib.URIRef(f"{ID}change/{body['change']}"), rdflib.RDF.type,
            rdflib.URIRef("http://www.w3.org/ns/prov#Activity")) in graph


def test_violating_update_gets_422_with_a_report_and_changes_nothing(
        write_server: WriteServer) -> None:
    server, token = write_server
    before = data_quads(server)
    response = update(server, token, set_count("biogenouest-researchers", 5000))
    assert response.status_code == 422
    body = response.json()
    assert body["conforms"] is False
    resources = body["report"]["resources"]
    assert resources[0]["focus"] == f"{ID}count/biogenouest-researchers"
    assert resources[0]["violations"][0]["message"]
    assert len(body["added"]) == 1 and len(body["removed"]) == 1
    turtle = update(server, token, set_count("biogenouest-researchers", 5000),
                    Accept="text/turtle")
    assert turtle.status_code == 422
    report = rdflib.Graph().parse(data=turtle.text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, rdflib.RDF.type, sh.ValidationReport) in report
    html = update(server, token, set_count("biogenouest-researchers", 5000), Accept="text/html")
    assert html.status_code == 422 and "Biogenouest researchers" in html.text
    assert data_quads(server) == before


def test_dry_run_answers_the_diff_and_report_and_writes_nothing(
        write_server: WriteServer) -> None:
    server, _ = write_server
    before = data_quads(server)
    version = requests.get(server.url + "health", timeout=10).json()["version"]
    for text, conforms in ((set_count("biogenouest-researchers", 5000), False),
                           (alt_label("biogenouest", "dry run"), True)):
        response = requests.post(server.url + "validate", data=text.encode(),
                                 headers={"Content-Type": "application/sparql-update"},
                                 timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["conforms"] is conforms
        assert response.json()["added"]
    turtle = (f'<{ID}org/biogenouest> <http://www.w3.org/2004/02/skos/core#prefLabel> '
              '"Biogenouest"@en .')
    multipart = requests.post(server.url + "validate", params={"graph": f"{ID}fact/cluster"},
                              files={"remove": ("remove.ttl", turtle, "text/turtle")},
                              timeout=30)
    assert multipart.status_code == 200 and len(multipart.json()["removed"]) in (0, 1)
    assert data_quads(server) == before
    assert requests.get(server.url + "health", timeout=10).json()["version"] == version


@pytest.mark.parametrize("how", [
    "no token", "wrong token", "lowercase scheme", "token in query string", "basic auth",
    "token in form field", "method override header", "x-method-override", "_method field",
    "update through /sparql", "update through /sparql form"])
def test_unauthorised_write_is_refused_and_changes_nothing(
        write_server: WriteServer, how: str) -> None:
    server, token = write_server
    before = data_quads(server)
    text = alt_label("biogenouest", f"bypass {how}")
    url, headers = server.url + "update", {"Content-Type": "application/sparql-update"}
    data: object = text.encode()
    params: dict[str, str] = {}
    method = "POST"
    if how == "wrong token":
        headers["Authorization"] = "Bearer hkg_not-a-token"
    elif how == "lowercase scheme":
        headers["Authorization"] = f"bearer {token}"
    elif how == "token in query string":
        params = {"access_token": token, "token": token}
    elif how == "basic auth":
        headers["Authorization"] = "Basic " + __import__("base64").b64encode(
            f"steward:{token}".encode()).decode()
    elif how == "token in form field":
        headers = {}
        data = {"update": text, "access_token": token}
    elif how in ("method override header", "x-method-override"):
        # A GET carrying an override header must stay a GET: the update route takes POST only.
        method = "GET"
        name = "X-HTTP-Method-Override" if how == "method override header" \
            else "X-Method-Override"
        headers = {name: "POST", "Authorization": f"Bearer {token}"}
        params, data = {"update": text}, None
    elif how == "_method field":
        url, headers = server.url + "store?graph=" + f"{ID}fact/cluster", {}
        data = {"_method": "DELETE"}
    elif how == "update through /sparql":
        url = server.url + "sparql"
        headers["Authorization"] = f"Bearer {token}"
    elif how == "update through /sparql form":
        url, headers = server.url + "sparql", {"Authorization": f"Bearer {token}"}
        data = {"update": text}
    response = requests.request(method, url, params=params, data=data, headers=headers,
                                timeout=30)
    assert response.status_code in (400, 401, 405), response.text
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert data_quads(server) == before


def test_if_match_with_an_old_version_gets_412(write_server: WriteServer) -> None:
    server, token = write_server
    first = update(server, token, alt_label("biogenouest", "if-match one"))
    etag = first.headers["ETag"]
    second = update(server, token, alt_label("biogenouest", "if-match two"), **{"If-Match": etag})
    assert second.status_code == 200, second.text
    stale = update(server, token, alt_label("biogenouest", "if-match three"),
                   **{"If-Match": etag})
    assert stale.status_code == 412
    assert "if-match three" not in {q.object.value for q in data_quads(server)
                                    if isinstance(q.object, ox.Literal)}


def test_oversized_chunked_update_gets_413_and_writes_nothing(write_server: WriteServer) -> None:
    server, token = write_server
    before = data_quads(server)
    triples = " ".join(f'<{ID}org/biogenouest> <http://www.w3.org/2004/02/skos/core#altLabel> '
                       f'"big {i}"@en .' for i in range(2000))
    text = f"INSERT DATA {{ GRAPH <{ID}fact/cluster> {{ {triples} }} }}".encode()
    assert len(text) > 65536

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(text), 4096):
            yield text[start:start + 4096]

    response = requests.post(server.url + "update", data=chunks(), timeout=30, headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    assert data_quads(server) == before


@pytest.mark.parametrize(("text", "content_type", "status"), [
    ("LOAD <http://127.0.0.1:9/x.ttl>", "application/sparql-update", 400),
    ("INSERT DATA { <http://a> <http://b> }", "application/sparql-update", 400),
    ("CLEAR ALL", "text/plain", 415),
])
def test_bad_updates_are_refused_with_a_clear_status(
        write_server: WriteServer, text: str, content_type: str, status: int) -> None:
    server, token = write_server
    before = data_quads(server)
    response = requests.post(server.url + "update", data=text.encode(), timeout=30, headers={
        "Content-Type": content_type, "Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.text
    assert data_quads(server) == before


def test_repeated_update_parameter_gets_400_and_get_gets_405(write_server: WriteServer) -> None:
    server, token = write_server
    auth = {"Authorization": f"Bearer {token}"}
    twice = requests.post(server.url + "update", timeout=30, headers=auth,
                          data=[("update", alt_label("biogenouest", "a")),
                                ("update", alt_label("biogenouest", "b"))])
    assert twice.status_code == 400
    assert requests.get(server.url + "update", headers=auth, timeout=10).status_code == 405


def test_revert_restores_exactly_the_prior_state(write_server: WriteServer) -> None:
    server, token = write_server
    before = data_quads(server)
    change = update(server, token, alt_label("biogenouest", "to revert") + " ; "
                    + set_count("biogenouest-researchers", 801).removeprefix(
                        "PREFIX rh: <https://w3id.org/rennes-health/def#> "))
    assert change.status_code == 200, change.text
    assert data_quads(server) != before
    assert_revert_restores(server, token, change.json()["change"],
                           lambda: data_quads(server), before)
    refused = requests.post(server.url + f"changes/{change.json()['change']}/revert",
                            timeout=30)
    assert refused.status_code == 401


def test_graph_store_write_errors(write_server: WriteServer) -> None:
    server, token = write_server
    auth = {"Authorization": f"Bearer {token}"}
    url = server.url + "store?graph=http://example.org/g"
    bad = requests.put(url, data=b"<http://a> <http://b> .", timeout=30,
                       headers={**auth, "Content-Type": "text/turtle"})
    assert bad.status_code == 400 and "line" in bad.text.lower()
    unknown = requests.put(url, data=b"x", timeout=30,
                           headers={**auth, "Content-Type": "application/x-unknown"})
    assert unknown.status_code == 415
    dtd = requests.put(url, timeout=30, headers={**auth, "Content-Type": "application/rdf+xml"},
                       data=b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aa">]><r/>')
    assert dtd.status_code == 400
    assert requests.get(url, timeout=10).status_code == 404
    assert requests.delete(url, headers=auth, timeout=10).status_code == 404
    assert requests.delete(url, timeout=10).status_code == 401
