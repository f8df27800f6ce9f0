"""SELECT and ASK serialisers: the W3C formats, checked by pyoxigraph's own parsers."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph
import pytest

from healthkg import negotiation, results

QUERY = """
SELECT ?iri ?bnode ?plain ?lang ?typed ?tricky ?unbound ?triple WHERE {
  VALUES (?iri ?plain ?lang ?typed ?tricky) {
    (<http://example.org/a?b=c&d> "plain" "Cancéropôle"@fr 42
     "tab\\there \\"quoted\\" <tag> & new\\nline\\r, comma")
    (<http://example.org/e> UNDEF "x"@en-GB "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date>
     "")
  }
  BIND(BNODE() AS ?bnode)
  BIND(TRIPLE(?iri, <http://example.org/p>, ?plain) AS ?triple)
}
"""

ROUND_TRIP_FORMATS = {
    negotiation.SPARQL_JSON: pyoxigraph.QueryResultsFormat.JSON,
    negotiation.SPARQL_XML: pyoxigraph.QueryResultsFormat.XML,
    negotiation.TSV: pyoxigraph.QueryResultsFormat.TSV,
}


def solutions() -> pyoxigraph.QuerySolutions:
    answer = pyoxigraph.Store().query(QUERY)
    assert isinstance(answer, pyoxigraph.QuerySolutions)
    return answer


def expected_rows() -> tuple[list[str], list[list[object]]]:
    answer = solutions()
    variables = [v.value for v in answer.variables]
    return variables, [[s[v] for v in variables] for s in answer]


def _normalise(rows: list[list[object]]) -> list[list[object]]:
    # Blank node labels are local to a document: compare them by position only.
    return [["_:" if isinstance(t, pyoxigraph.BlankNode) else t for t in row] for row in rows]


@pytest.mark.parametrize("media_type", list(ROUND_TRIP_FORMATS))
def test_select_round_trips_through_pyoxigraph_parser(media_type: str) -> None:
    variables, rows = expected_rows()
    body, count, truncated = results.write_select(media_type, variables, solutions(), 100)
    parsed = pyoxigraph.parse_query_results(body, format=ROUND_TRIP_FORMATS[media_type])
    assert isinstance(parsed, pyoxigraph.QuerySolutions)
    assert [v.value for v in parsed.variables] == variables
    assert _normalise([[s[v] for v in variables] for s in parsed]) == _normalise(rows)
    assert (count, truncated) == (2, False)


def test_select_json_is_the_w3c_json_shape() -> None:
    variables, _ = expected_rows()
    body, _, _ = results.write_select(negotiation.SPARQL_JSON, variables, solutions(), 100)
    document = json.loads(body)
    first = document["results"]["bindings"][0]
    assert first["lang"] == {"type": "literal", "value": "Cancéropôle", "xml:lang": "fr"}
    assert first["typed"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert "datatype" not in first["plain"]
    assert "unbound" not in first
    assert first["triple"]["type"] == "triple"
    assert "plain" not in document["results"]["bindings"][1]


def test_select_csv_follows_the_w3c_csv_format() -> None:
    variables, _ = expected_rows()
    body, _, _ = results.write_select(negotiation.CSV, variables, solutions(), 100)
    text = body.decode("utf-8")
    assert text.split("\r\n", 1)[0] == ",".join(variables)
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == variables
    first = dict(zip(variables, records[1], strict=True))
    assert first["iri"] == "http://example.org/a?b=c&d"
    assert first["lang"] == "Cancéropôle"
    assert first["typed"] == "42"
    assert first["tricky"] == 'tab\there "quoted" <tag> & new\nline\r, comma'
    assert first["unbound"] == ""
    assert first["bnode"].startswith("_:")


def test_rows_over_the_limit_are_cut_and_reported() -> None:
    answer = pyoxigraph.Store().query("SELECT ?n { VALUES ?n { 1 2 3 4 5 } }")
    assert isinstance(answer, pyoxigraph.QuerySolutions)
    body, count, truncated = results.write_select(negotiation.SPARQL_JSON, ["n"], answer, 3)
    assert (count, truncated) == (3, True)
    assert [b["n"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["1", "2", "3"]


def test_rows_at_the_limit_are_not_reported_as_truncated() -> None:
    answer = pyoxigraph.Store().query("SELECT ?n { VALUES ?n { 1 2 3 } }")
    assert isinstance(answer, pyoxigraph.QuerySolutions)
    _, count, truncated = results.write_select(negotiation.TSV, ["n"], answer, 3)
    assert (count, truncated) == (3, False)


@pytest.mark.parametrize("media_type", [negotiation.SPARQL_JSON, negotiation.SPARQL_XML,
                                        negotiation.TSV])
@pytest.mark.parametrize("value", [True, False])
def test_ask_round_trips_through_pyoxigraph_parser(media_type: str, value: bool) -> None:
    body = results.write_ask(media_type, value)
    parsed = pyoxigraph.parse_query_results(body, format=ROUND_TRIP_FORMATS[media_type])
    assert isinstance(parsed, pyoxigraph.QueryBoolean)
    assert bool(parsed) is value
