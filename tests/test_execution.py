"""Query execution on a pyoxigraph store: dataset, bindings, forms, formats, row cap."""

from __future__ import annotations

import json

import pyoxigraph
import pytest

from healthkg import negotiation
from healthkg.errors import BadRequest, NotAcceptable, QuerySyntaxError
from healthkg.execution import execute
from healthkg.store.base import QueryRequest

EX = "http://example.org/"


@pytest.fixture
def store() -> pyoxigraph.Store:
    """Three named graphs, one triple each, nothing in the default graph."""
    store = pyoxigraph.Store()
    for name in ("g1", "g2", "g3"):
        store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(EX + name + "/s"),
                                  pyoxigraph.NamedNode(EX + "p"),
                                  pyoxigraph.Literal(name), pyoxigraph.NamedNode(EX + name)))
    return store


def run(store: pyoxigraph.Store, text: str, max_rows: int = 100, **kwargs: object) -> object:
    outcome = execute(store, QueryRequest(text=text, **kwargs),  # type: ignore[arg-type]
                      max_rows=max_rows, version="v1")
    return outcome


def values(store: pyoxigraph.Store, text: str, **kwargs: object) -> list[str]:
    outcome = execute(store, QueryRequest(text=text, **kwargs),  # type: ignore[arg-type]
                      max_rows=100, version="v1")
    bindings = json.loads(outcome.body)["results"]["bindings"]
    return sorted(b["o"]["value"] for b in bindings)


def test_default_graph_is_the_union_of_named_graphs(store: pyoxigraph.Store) -> None:
    assert values(store, "SELECT ?o { ?s ?p ?o }") == ["g1", "g2", "g3"]


def test_from_restricts_the_default_graph(store: pyoxigraph.Store) -> None:
    assert values(store, f"SELECT ?o FROM <{EX}g2> {{ ?s ?p ?o }}") == ["g2"]


def test_protocol_default_graphs_take_precedence_over_from(store: pyoxigraph.Store) -> None:
    text = f"SELECT ?o FROM <{EX}g2> {{ ?s ?p ?o }}"
    assert values(store, text, default_graphs=(EX + "g1", EX + "g3")) == ["g1", "g3"]


def test_protocol_named_graphs_restrict_graph_patterns(store: pyoxigraph.Store) -> None:
    text = f"SELECT ?o FROM NAMED <{EX}g3> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert values(store, text, named_graphs=(EX + "g1",)) == ["g1"]


def test_named_graphs_alone_leave_the_default_graph_empty(store: pyoxigraph.Store) -> None:
    assert values(store, "SELECT ?o { ?s ?p ?o }", named_graphs=(EX + "g1",)) == []


def test_substitutions_bind_variables_without_editing_text(store: pyoxigraph.Store) -> None:
    text = "SELECT * { ?s ?p ?o }"
    assert values(store, text, substitutions=(("s", f"<{EX}g2/s>"),)) == ["g2"]
    assert values(store, text, substitutions=(("o", '"g3"'),)) == ["g3"]


def test_a_substitution_that_is_not_a_term_is_a_bad_request(store: pyoxigraph.Store) -> None:
    with pytest.raises(BadRequest):
        run(store, "SELECT ?o { ?s ?p ?o }", substitutions=(("s", "<a> } INSERT {"),))


def test_invalid_graph_iri_is_a_bad_request(store: pyoxigraph.Store) -> None:
    with pytest.raises(BadRequest, match="default-graph-uri"):
        run(store, "ASK {}", default_graphs=("not an iri",))


def test_syntax_error_carries_the_parser_message_and_position(store: pyoxigraph.Store) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        run(store, "SELECT ?o\nWHERE { ?s ?p }")
    assert caught.value.status == 400
    assert caught.value.details == {"line": 2, "column": 16}
    assert "error at 2:16" in caught.value.message


def test_update_is_refused(store: pyoxigraph.Store) -> None:
    with pytest.raises(BadRequest, match="Update"):
        run(store, "DELETE WHERE { ?s ?p ?o }")
    assert len(store) == 3


def test_service_is_refused_unless_allowed(store: pyoxigraph.Store) -> None:
    with pytest.raises(BadRequest, match="SERVICE"):
        run(store, "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


@pytest.mark.parametrize(("text", "kind", "offered"), [
    ("SELECT * { ?s ?p ?o }", "select", negotiation.TABULAR),
    ("ASK { ?s ?p ?o }", "ask", negotiation.BOOLEAN),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "graph", negotiation.GRAPH),
    (f"DESCRIBE <{EX}g1/s>", "graph", negotiation.GRAPH),
])
def test_every_form_in_every_format(store: pyoxigraph.Store, text: str, kind: str,
                                    offered: tuple[str, ...]) -> None:
    for media_type in offered:
        outcome = execute(store, QueryRequest(text=text, accept=media_type), max_rows=100,
                          version="v1")
        assert (outcome.kind, outcome.media_type, outcome.version) == (kind, media_type, "v1")
        assert outcome.body


def test_graph_results_are_parseable_in_every_format(store: pyoxigraph.Store) -> None:
    formats = {negotiation.TURTLE: pyoxigraph.RdfFormat.TURTLE,
               negotiation.N_TRIPLES: pyoxigraph.RdfFormat.N_TRIPLES,
               negotiation.RDF_XML: pyoxigraph.RdfFormat.RDF_XML,
               negotiation.JSON_LD: pyoxigraph.RdfFormat.JSON_LD,
               negotiation.N_QUADS: pyoxigraph.RdfFormat.N_QUADS,
               negotiation.TRIG: pyoxigraph.RdfFormat.TRIG}
    for media_type, rdf_format in formats.items():
        outcome = execute(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", accept=media_type),
                          max_rows=100, version="v1")
        parsed = list(pyoxigraph.parse(outcome.body, format=rdf_format))
        assert sorted(q.object.value for q in parsed) == ["g1", "g2", "g3"], media_type


def test_graph_results_are_capped(store: pyoxigraph.Store) -> None:
    outcome = execute(store, QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }",
                                          accept=negotiation.N_TRIPLES),
                      max_rows=2, version="v1")
    assert (outcome.rows, outcome.truncated) == (2, True)
    assert outcome.body.count(b"\n") == 2


def test_select_results_are_capped(store: pyoxigraph.Store) -> None:
    outcome = execute(store, QueryRequest("SELECT * { ?s ?p ?o }"), max_rows=1, version="v1")
    assert (outcome.rows, outcome.truncated) == (1, True)


def test_unacceptable_type_for_the_form_is_refused(store: pyoxigraph.Store) -> None:
    with pytest.raises(NotAcceptable):
        run(store, "ASK {}", accept="text/turtle")


def test_result_a_format_cannot_carry_is_not_acceptable(store: pyoxigraph.Store) -> None:
    text = "CONSTRUCT { ?s ?p <<( ?s ?p ?o )>> } WHERE { ?s ?p ?o }"
    with pytest.raises(NotAcceptable, match="text/turtle"):
        run(store, text, accept="application/ld+json")
    assert run(store, text, accept="text/turtle").rows == 3  # type: ignore[attr-defined]
