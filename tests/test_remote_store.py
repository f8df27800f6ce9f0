"""A remote SPARQL backend (--store sparql+http://...): same answers, deadlines, clear errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from healthkg.store.remote import _bind
from tests import backend as remote
from tests.conftest import steward_token
from tests.harness import Server

QUERIES = [
    "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "ASK { ?s a <http://www.w3.org/ns/org#Membership> }",
]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[remote.Backend]:
    """An Oxigraph server holding the project's files."""
    started = remote.start(tmp_path_factory.mktemp("remote"), timeout_s=5)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def over_oxigraph(tmp_path_factory: pytest.TempPathFactory,
                  backend: remote.Backend) -> Iterator[tuple[Server, str]]:
    """healthkg over an Oxigraph server, with a steward token and a 1 s deadline."""
    tokens, token = steward_token(tmp_path_factory.mktemp("tokens"))
    srv = Server(args=[*backend.args, "--tokens", str(tokens), "--query-timeout", "1"]).start()
    yield srv, token
    srv.stop()


def _rows(response: requests.Response) -> list[tuple[tuple[str, str], ...]]:
    data = response.json()
    if "boolean" in data:
        return [(("boolean", str(data["boolean"])),)]
    return sorted(tuple(sorted((k, v["value"]) for k, v in row.items()))
                  for row in data["results"]["bindings"])


@pytest.mark.server
@pytest.mark.parametrize("query", QUERIES)
def test_answers_equal_the_embedded_stores(server: Server, over_oxigraph: tuple[Server, str],
                                           query: str) -> None:
    remote_server, _ = over_oxigraph
    accept = {"Accept": "application/sparql-results+json"}
    mine = requests.get(server.url + "sparql", params={"query": query}, headers=accept,
                        timeout=30)
    theirs = requests.get(remote_server.url + "sparql", params={"query": query},
                          headers=accept, timeout=30)
    assert mine.status_code == theirs.status_code == 200
    assert _rows(theirs) == _rows(mine)
    assert len(_rows(mine)) >= 1


@pytest.mark.server
def test_health_counts_the_backends_quads(server: Server,
                                          over_oxigraph: tuple[Server, str]) -> None:
    mine = requests.get(server.url + "health", timeout=10).json()
    theirs = requests.get(over_oxigraph[0].url + "health", timeout=10).json()
    assert theirs["quads"] == mine["quads"] > 2000


@pytest.mark.server
def test_query_past_its_deadline_is_503_within_the_deadline_plus_one_second(
        over_oxigraph: tuple[Server, str]) -> None:
    srv, _ = over_oxigraph
    started = time.monotonic()
    response = requests.get(srv.url + "sparql", params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}, timeout=30)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert time.monotonic() - started < 2.0
    assert requests.get(srv.url + "sparql", params={"query": QUERIES[3]},
                        timeout=10).status_code == 200


@pytest.mark.server
def test_a_new_version_in_the_backend_changes_etags_and_answers(
        over_oxigraph: tuple[Server, str], backend: remote.Backend) -> None:
    srv, _ = over_oxigraph
    query = {"query": "SELECT ?l WHERE { <urn:x:thing> <urn:x:label> ?l }"}
    before = requests.get(srv.url + "sparql", params=query, timeout=10)
    assert before.json()["results"]["bindings"] == []
    service = "https://w3id.org/rennes-health/id/graph/service"
    update = (f"INSERT DATA {{ GRAPH <{service}> {{ <{service}> "
              "<http://www.w3.org/2002/07/owl#versionInfo> \"2\" } "
              "GRAPH <urn:x:g> { <urn:x:thing> <urn:x:label> \"new\" } }")
    requests.post(backend.url.replace("/query", "/update"), data=update,
                  headers={"Content-Type": "application/sparql-update"},
                  timeout=10).raise_for_status()
    time.sleep(0.7)  # the version is read at most every VERSION_TTL seconds
    after = requests.get(srv.url + "sparql", params=query, timeout=10)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert [b["l"]["value"] for b in after.json()["results"]["bindings"]] == ["new"]


@pytest.mark.server
def test_service_is_refused_before_the_backend_sees_it(
        over_oxigraph: tuple[Server, str]) -> None:
    response = requests.get(over_oxigraph[0].url + "sparql", params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, timeout=10)
    assert response.status_code == 400
    assert "SERVICE" in response.text


@pytest.mark.server
def test_a_backend_that_went_away_is_503_with_retry_after(tmp_path: Path) -> None:
    backend = remote.start(tmp_path)
    srv = Server(args=[*backend.args, "--tokens", str(tmp_path / "tokens.json")]).start()
    try:
        backend.stop()
        response = requests.get(srv.url + "sparql", params={"query": QUERIES[3] + " # new"},
                                timeout=10)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "cannot be reached" in response.text
    finally:
        srv.stop()


def test_parameters_are_bound_where_filters_in_unions_see_them() -> None:
    text = ("SELECT ?x ?g WHERE { { GRAPH ?g { ?g a ?t } FILTER(?g = ?x) } "
            "UNION { GRAPH ?g { ?g ?p ?x } } }")
    bound = _bind(text, (("x", "<urn:x:a>"),))
    assert "FILTER(?g = <urn:x:a>)" in bound
    assert "?g ?p <urn:x:a>" in bound
    assert bound.startswith("SELECT ?x ?g WHERE { BIND(<urn:x:a> AS ?x)")


def test_a_subquery_stays_alone_in_its_group_when_bound() -> None:
    text = ("SELECT ?o (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { ?s ?p ?o } } "
            "GROUP BY ?o")
    bound = _bind(text, (("s", "<urn:x:a>"),))
    assert "{ BIND(<urn:x:a> AS ?s) { SELECT DISTINCT ?s ?o WHERE { <urn:x:a> ?p ?o } }" in bound


def test_a_parameter_value_that_is_not_a_term_is_refused() -> None:
    from healthkg.errors import BadRequest

    with pytest.raises(BadRequest):
        _bind("SELECT * WHERE { ?s ?p ?x }", (("x", "<a> } ; DROP ALL ; {"),))
