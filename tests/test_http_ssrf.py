"""No query makes an outbound request or reads a local file.

A canary HTTP server on 127.0.0.1 counts every request it receives and answers with a
token; a canary file holds another token. Queries aim SERVICE, FROM, FROM NAMED, LOAD,
DESCRIBE and the protocol's dataset parameters at them: the canary sees no request and no
token ever appears in a response.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.canary import Canary, canaries
from tests.harness import Server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Canary]:
    """The canaries, for this module."""
    with canaries(tmp_path_factory.mktemp("canary")) as bird:
        yield bird


def attacks(canary: Canary) -> list[tuple[str, dict[str, str]]]:
    """(query, extra parameters) pairs that would fetch the canary if anything fetched."""
    http_url = canary.url + "x"
    file_url = canary.file.as_uri()
    spellings = [canary.url, f"http://localhost:{canary.port}/", f"http://[::1]:{canary.port}/",
                 f"http://2130706433:{canary.port}/", f"http://127.1:{canary.port}/"]
    out: list[tuple[str, dict[str, str]]] = []
    for url in spellings:
        out += [
            (f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", {}),
            (f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}", {}),
            (f"select * {{ service <{url}sparql> {{ ?s ?p ?o }} }}", {}),
        ]
    out += [
        (f"SELECT * FROM <{http_url}> {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM <{file_url}> {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{http_url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * FROM NAMED <{file_url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (f"CONSTRUCT {{ ?s ?p ?o }} FROM <{file_url}> WHERE {{ ?s ?p ?o }}", {}),
        (f"DESCRIBE <{http_url}>", {}),
        (f"ASK {{ GRAPH <{http_url}> {{ ?s ?p ?o }} }}", {}),
        ("SELECT * { ?s ?p ?o }", {"default-graph-uri": http_url}),
        ("SELECT * { ?s ?p ?o }", {"default-graph-uri": file_url}),
        ("SELECT * { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": http_url}),
        ("SELECT * { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": file_url}),
        (f"LOAD <{http_url}>", {}),
        (f"LOAD <{file_url}> INTO GRAPH <urn:g>", {}),
        (f"SELECT * {{ BIND(IRI(\"{http_url}\") AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}", {}),
    ]
    return out


def test_no_query_reaches_the_canary(server: Server, canary: Canary) -> None:
    statuses = []
    for query, params in attacks(canary):
        for send in ("get", "post"):
            if send == "get":
                response = requests.get(server.url + "sparql",
                                        params={"query": query, **params}, timeout=30)
            else:
                response = requests.post(server.url + "sparql", params=params,
                                         data=query.encode(), timeout=30,
                                         headers={"Content-Type": "application/sparql-query"})
            statuses.append(response.status_code)
            assert response.status_code in (200, 400), (query, response.text)
            assert canary.http_token not in response.text, query
            assert canary.file_token not in response.text, query
    assert canary.hits == []
    assert 400 in statuses and 200 in statuses  # refused (SERVICE, LOAD) and empty (FROM)


def test_service_and_load_are_refused_with_a_message(server: Server, canary: Canary) -> None:
    for query in (f"SELECT * {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
                  f"LOAD <{canary.url}x>"):
        response = requests.get(server.url + "sparql", params={"query": query}, timeout=30)
        assert response.status_code == 400
        assert ("SERVICE" in response.text) or ("LOAD" in response.text)
    assert canary.hits == []


def test_from_a_remote_graph_is_answered_from_the_store_only(server: Server,
                                                             canary: Canary) -> None:
    response = requests.get(server.url + "sparql", params={
        "query": f"SELECT * FROM <{canary.url}x> {{ ?s ?p ?o }}"}, timeout=30)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    assert canary.hits == []
