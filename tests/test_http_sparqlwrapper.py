"""A common SPARQL client, SPARQLWrapper, works against the real server."""

from __future__ import annotations

import pytest
import rdflib
from SPARQLWrapper import CSV, GET, JSON, POST, TURTLE, XML, SPARQLWrapper

from tests.harness import Server

pytestmark = pytest.mark.server


def client(server: Server, method: str = GET) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(server.url + "sparql")
    wrapper.setMethod(method)
    return wrapper


@pytest.mark.parametrize("method", [GET, POST])
def test_select_as_json(server: Server, method: str) -> None:
    wrapper = client(server, method)
    wrapper.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    wrapper.setReturnFormat(JSON)
    result = wrapper.query().convert()
    assert isinstance(result, dict)
    assert int(result["results"]["bindings"][0]["n"]["value"]) > 0


def test_select_as_xml_and_csv(server: Server) -> None:
    wrapper = client(server)
    wrapper.setQuery("SELECT ?x WHERE { VALUES ?x { 1 2 } }")
    wrapper.setReturnFormat(XML)
    document = wrapper.query().convert()
    assert len(document.getElementsByTagName("result")) == 2  # type: ignore[union-attr]
    wrapper.setReturnFormat(CSV)
    assert wrapper.query().convert() == b"x\r\n1\r\n2\r\n"


def test_ask(server: Server) -> None:
    wrapper = client(server)
    wrapper.setQuery("ASK { ?s ?p ?o }")
    wrapper.setReturnFormat(JSON)
    assert wrapper.query().convert()["boolean"] is True  # type: ignore[index]


def test_construct_as_turtle(server: Server) -> None:
    wrapper = client(server)
    wrapper.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3")
    wrapper.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=wrapper.query().convert(), format="turtle")
    assert len(graph) == 3


def test_malformed_query_raises_the_clients_bad_request_error(server: Server) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    wrapper = client(server)
    wrapper.setQuery("SELECT * WHERE { ?s ?p }")
    wrapper.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="error at 1"):
        wrapper.query()
