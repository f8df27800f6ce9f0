"""The checklist of facts (data/facts.csv): every fact of the source is in the graph."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
import rdflib
from rdflib import URIRef
from rdflib.namespace import SKOS

from healthkg import dataset
from tests.harness import ROOT

CHECKLIST = ROOT / "data" / "facts.csv"
FACT = "https://w3id.org/rennes-health/id/fact/"


def _rows() -> list[dict[str, str]]:
    with CHECKLIST.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = _rows()


@pytest.fixture(scope="module")
def store(project_root: Path) -> pyoxigraph.Store:
    """The shipped graph in an in-memory store, as the service loads it."""
    store = pyoxigraph.Store()
    dataset.load_into(store, dataset.default_paths(project_root))
    return store


@pytest.fixture(scope="module")
def prefixes(project_root: Path) -> str:
    """The prefixes the data files declare, so checklist queries read like the data."""
    data = dataset.load([project_root / "data" / "facts.trig"])
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in data.namespaces() if p)


def _select(store: pyoxigraph.Store, query: str, **options: Any) -> list[Any]:
    result = store.query(query, **options)
    assert isinstance(result, pyoxigraph.QuerySolutions)
    return list(result)


def _ask(store: pyoxigraph.Store, query: str) -> bool:
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return bool(result)
    assert isinstance(result, pyoxigraph.QuerySolutions)
    return len(list(result)) > 0


def test_checklist_lists_about_thirty_distinct_facts() -> None:
    ids = [row["id"] for row in ROWS]
    assert len(ids) >= 30
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    assert all(row["statement"] and row["quote"] and row["query"] for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_checklist_fact_has_its_triples_in_its_graph(store: pyoxigraph.Store, prefixes: str,
                                                     row: dict[str, str]) -> None:
    assert f"fact:{row['id']}" in row["query"], "the query must look inside the fact's graph"
    assert _ask(store, prefixes + row["query"]), f"{row['id']}: {row['statement']}"


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_checklist_quote_is_the_quote_of_the_fact(store: pyoxigraph.Store,
                                                  row: dict[str, str]) -> None:
    query = ("SELECT ?fact ?quote WHERE { "
             "GRAPH <https://w3id.org/rennes-health/id/graph/provenance> "
             "{ ?fact <http://www.w3.org/ns/prov#value> ?quote } }")
    rows = _select(store, query, substitutions={
        pyoxigraph.Variable("fact"): pyoxigraph.NamedNode(FACT + row["id"])})
    assert [r["quote"].value for r in rows] == [row["quote"]]


def test_every_fact_graph_is_in_the_checklist(store: pyoxigraph.Store) -> None:
    graphs = {g.value for g in store.named_graphs() if isinstance(g, pyoxigraph.NamedNode)}
    facts = {g[len(FACT):] for g in graphs if g.startswith(FACT)}
    assert facts == {row["id"] for row in ROWS}


def test_quote_of_a_statement_is_found_by_sparql(store: pyoxigraph.Store,
                                                 project_root: Path) -> None:
    # "Which sentence says that Biogenouest has 800 researchers?"
    query = """
        PREFIX rh: <https://w3id.org/rennes-health/def#>
        PREFIX schema: <https://schema.org/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?fact ?quote ?start ?end WHERE {
          GRAPH ?fact {
            <https://w3id.org/rennes-health/id/org/biogenouest> rh:hasCount ?count .
            ?count schema:value 800 .
          }
          ?fact prov:value ?quote ;
                oa:hasTarget/oa:hasSelector ?selector .
          ?selector a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
        }"""
    rows = _select(store, query, use_default_graph_as_union=True)
    assert len(rows) == 1
    text = (project_root / "data" / "source.txt").read_text(encoding="utf-8")
    quote = rows[0]["quote"].value
    start, end = int(rows[0]["start"].value), int(rows[0]["end"].value)
    assert "800 researchers" in quote
    assert text[start:end] == quote


def test_no_label_is_made_from_an_iri_slug(project_root: Path) -> None:
    # A label such as "chu-rennes in the Rennes research federation" copies an IRI's local
    # name instead of the organisation's own name.
    data = dataset.load(dataset.default_paths(project_root))
    iris = {term for quad in data.quads((None, None, None, None)) for term in quad[:3]
            if isinstance(term, URIRef)}
    slugs = {str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] for iri in iris}
    slugs = {s for s in slugs if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", s)}
    assert "chu-rennes" in slugs  # the check sees the local names it must look for
    found = []
    for subject, _p, label, _g in data.quads((None, SKOS.prefLabel, None, None)):
        tokens = set(re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+", str(label)))
        found += [(str(subject), str(label)) for token in tokens if token in slugs]
    assert found == []


NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "one hundred": 100}
SCHEMA = "https://schema.org/"
PROVENANCE_GRAPH = "https://w3id.org/rennes-health/id/graph/provenance"


def _numbers_in(quote: str) -> set[int]:
    found = {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\d|\d", quote)}
    found |= {v for w, v in NUMBER_WORDS.items() if re.search(rf"\b{w}\b", quote, re.I)}
    return found


def _quotes(data: rdflib.Dataset) -> dict[str, str]:
    provenance = data.graph(URIRef(PROVENANCE_GRAPH))
    return {str(fact): str(quote) for fact, quote in
            provenance.subject_objects(URIRef("http://www.w3.org/ns/prov#value"))}


@pytest.fixture(scope="module")
def data(project_root: Path) -> rdflib.Dataset:
    """The shipped data with its named graphs."""
    return dataset.load(dataset.default_paths(project_root))


def test_every_count_in_a_fact_states_a_number_of_its_quote(data: rdflib.Dataset) -> None:
    # A list of five items is not the statement "five areas": a count the source does not
    # state in words or digits belongs in an inference, not in a fact.
    quotes = _quotes(data)
    checked = 0
    for prop in ("value", "minValue"):
        for _count, _p, number, graph in data.quads((None, URIRef(SCHEMA + prop), None, None)):
            if not str(graph).startswith(FACT):
                continue
            checked += 1
            assert int(str(number)) in _numbers_in(quotes[str(graph)]), (graph, number)
    assert checked >= 14


def test_every_location_in_a_fact_is_stated_by_its_quote(data: rdflib.Dataset) -> None:
    # "CHU de Rennes" names a place without saying the hospital is there: a location read
    # from a name is an inference.
    quotes = _quotes(data)
    located = 0
    for _thing, _p, place, graph in data.quads((None, URIRef(SCHEMA + "location"), None, None)):
        if not str(graph).startswith(FACT):
            continue
        located += 1
        names = {str(label) for _s, _l, label, _g
                 in data.quads((place, SKOS.prefLabel, None, None))}
        quote = quotes[str(graph)]
        assert any(re.search(rf"\bin {re.escape(n)}\b", quote, re.I) for n in names), \
            (graph, place)
    assert located >= 3
