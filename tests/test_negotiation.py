"""Content negotiation: one function for every route."""

from __future__ import annotations

import pytest

from healthkg import negotiation
from healthkg.errors import NotAcceptable
from healthkg.negotiation import (
    CSV,
    GRAPH,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    SPARQL_JSON,
    SPARQL_XML,
    TABULAR,
    TSV,
    TURTLE,
    negotiate,
)


def test_no_accept_header_gives_the_default() -> None:
    assert negotiate(None, TABULAR) == SPARQL_JSON
    assert negotiate("", GRAPH) == TURTLE


def test_any_type_gives_the_default() -> None:
    assert negotiate("*/*", TABULAR) == SPARQL_JSON
    assert negotiate("*/*", GRAPH) == TURTLE


def test_exact_type_is_chosen() -> None:
    assert negotiate("text/csv", TABULAR) == CSV
    assert negotiate("application/rdf+xml", GRAPH) == RDF_XML


def test_higher_q_value_wins_over_order() -> None:
    accept = "application/sparql-results+xml;q=0.5, text/tab-separated-values;q=0.9"
    assert negotiate(accept, TABULAR) == TSV


def test_zero_q_value_excludes_a_type() -> None:
    assert negotiate("application/sparql-results+json;q=0, */*", TABULAR) == SPARQL_XML


def test_specific_type_beats_wildcard_at_equal_q() -> None:
    assert negotiate("*/*, text/csv", TABULAR) == CSV


def test_type_wildcard_matches_its_subtypes_only() -> None:
    assert negotiate("text/*", TABULAR) == CSV
    assert negotiate("text/*", GRAPH) == TURTLE
    assert negotiate("application/*", GRAPH) == N_TRIPLES


def test_client_order_breaks_ties_between_exact_matches() -> None:
    accept = "application/sparql-results+xml, application/sparql-results+json"
    assert negotiate(accept, TABULAR) == SPARQL_XML


def test_media_type_parameters_are_ignored_when_matching() -> None:
    assert negotiate("text/turtle; charset=utf-8; q=0.8", GRAPH) == TURTLE


def test_browser_accept_header_gets_a_sensible_answer() -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert negotiate(accept, TABULAR) == SPARQL_XML
    assert negotiate(accept, GRAPH) == RDF_XML


def test_application_json_means_the_json_form_of_the_result() -> None:
    assert negotiate("application/json", TABULAR) == SPARQL_JSON
    assert negotiate("application/json", GRAPH) == JSON_LD


def test_unsupported_type_is_not_acceptable_and_lists_what_is_offered() -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate("image/png", TABULAR)
    assert caught.value.status == 406
    for media_type in TABULAR:
        assert media_type in caught.value.message
    assert caught.value.details["offered"] == list(TABULAR)


def test_all_types_refused_by_q_zero_is_not_acceptable() -> None:
    with pytest.raises(NotAcceptable):
        negotiate("*/*;q=0", GRAPH)


def test_malformed_accept_elements_are_ignored() -> None:
    assert negotiate("garbage, text/csv;q=abc, text/tab-separated-values", TABULAR) == TSV


@pytest.mark.parametrize(("name", "offered", "expected"), [
    ("json", TABULAR, SPARQL_JSON), ("xml", TABULAR, SPARQL_XML), ("csv", TABULAR, CSV),
    ("tsv", TABULAR, TSV), ("ttl", GRAPH, TURTLE), ("turtle", GRAPH, TURTLE),
    ("nt", GRAPH, N_TRIPLES), ("rdf", GRAPH, RDF_XML), ("xml", GRAPH, RDF_XML),
    ("jsonld", GRAPH, JSON_LD), ("json", GRAPH, JSON_LD), ("nq", GRAPH, negotiation.N_QUADS),
    ("trig", GRAPH, negotiation.TRIG), ("text/csv", TABULAR, CSV),
])
def test_format_parameter_overrides_accept(name: str, offered: tuple[str, ...],
                                           expected: str) -> None:
    assert negotiate("image/png", offered, format=name) == expected


def test_format_parameter_naming_an_unoffered_type_is_not_acceptable() -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate(None, TABULAR, format="ttl")
    assert "csv" in caught.value.message
