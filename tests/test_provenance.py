"""Provenance: quotes sit at their offsets; each graph is a quoted fact, inference or linkset."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, SKOS, XSD, Namespace

from healthkg import dataset

RH = Namespace("https://w3id.org/rennes-health/def#")
OA = Namespace("http://www.w3.org/ns/oa#")
VOID = Namespace("http://rdfs.org/ns/void#")
SCHEMA = Namespace("https://schema.org/")
BASE = "https://w3id.org/rennes-health/"
PROVENANCE = rdflib.URIRef(BASE + "id/graph/provenance")
BOOKKEEPING = {rdflib.URIRef(BASE + "def"), rdflib.URIRef(BASE + "shapes"),
               rdflib.URIRef(BASE + "def/vocabularies"), PROVENANCE}


@pytest.fixture(scope="module")
def data(project_root: Path) -> rdflib.Dataset:
    """The shipped ontology and data, with their named graphs."""
    return dataset.load(dataset.default_paths(project_root))


@pytest.fixture(scope="module")
def provenance(data: rdflib.Dataset) -> rdflib.Graph:
    """The provenance graph."""
    return data.graph(PROVENANCE)


@pytest.fixture(scope="module")
def source_text(project_root: Path) -> str:
    """The source document as UTF-8 text (offsets count its characters)."""
    return (project_root / "data" / "source.txt").read_text(encoding="utf-8")


def _graph_names(data: rdflib.Dataset) -> set[rdflib.URIRef]:
    return {g for _s, _p, _o, g in data.quads((None, None, None, None))
            if isinstance(g, rdflib.URIRef)}


def test_every_quote_equals_the_source_at_its_offsets(provenance: rdflib.Graph,
                                                      source_text: str) -> None:
    facts = list(provenance.subjects(RDF.type, RH.SourceFact))
    assert len(facts) >= 30
    for fact in facts:
        quote = provenance.value(fact, PROV.value)
        target = provenance.value(fact, OA.hasTarget)
        selectors = list(provenance.objects(target, OA.hasSelector))
        position = next(s for s in selectors
                        if (s, RDF.type, OA.TextPositionSelector) in provenance)
        exact = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in provenance)
        start = provenance.value(position, OA.start)
        end = provenance.value(position, OA.end)
        assert isinstance(start, rdflib.Literal) and start.datatype == XSD.integer
        assert isinstance(end, rdflib.Literal) and end.datatype == XSD.integer
        assert source_text[start.toPython():end.toPython()] == str(quote), fact
        assert str(provenance.value(exact, OA.exact)) == str(quote), fact
        prefix = provenance.value(exact, OA.prefix)
        if prefix is not None:
            assert source_text[:start.toPython()].endswith(str(prefix)), fact
        suffix = provenance.value(exact, OA.suffix)
        if suffix is not None:
            assert source_text[end.toPython():].startswith(str(suffix)), fact


def test_every_fact_graph_has_a_provenance_node(data: rdflib.Dataset,
                                                provenance: rdflib.Graph) -> None:
    facts = {g for g in _graph_names(data) if str(g).startswith(BASE + "id/fact/")}
    assert len(facts) >= 30
    for fact in facts:
        assert (fact, RDF.type, RH.SourceFact) in provenance, fact
        assert provenance.value(fact, PROV.value) is not None, fact
        assert provenance.value(fact, PROV.wasQuotedFrom) == rdflib.URIRef(
            BASE + "id/source/rennes-health-cluster"), fact


def test_every_statement_is_quoted_inferred_or_sourced(data: rdflib.Dataset,
                                                      provenance: rdflib.Graph) -> None:
    assert len(data.default_graph) == 0, "nothing belongs in the default graph"
    for name in _graph_names(data) - BOOKKEEPING:
        if (name, RDF.type, RH.SourceFact) in provenance:
            assert provenance.value(name, PROV.value) is not None, name
        elif (name, RDF.type, RH.Inference) in provenance:
            assert provenance.value(name, RH.inferred) == rdflib.Literal(True), name
            assert len(str(provenance.value(name, RH.reasoning) or "")) > 20, name
        elif (name, RDF.type, VOID.Linkset) in provenance:
            assert provenance.value(name, DCTERMS.source) is not None, name
        else:
            pytest.fail(f"graph {name} is neither a quoted fact, an inference nor a linkset")


def test_every_provenance_node_names_a_graph_with_statements(data: rdflib.Dataset,
                                                             provenance: rdflib.Graph) -> None:
    names = _graph_names(data)
    for cls in (RH.SourceFact, RH.Inference, VOID.Linkset):
        for node in provenance.subjects(RDF.type, cls):
            assert node in names, f"{node} describes a graph that holds nothing"


def test_claims_point_to_the_fact_that_holds_them(data: rdflib.Dataset) -> None:
    claims = 0
    for claim, _p, fact, graph in data.quads((None, PROV.wasDerivedFrom, None, None)):
        if graph == PROVENANCE:
            continue  # inferences name the facts they rest on
        claims += 1
        assert fact == graph, f"{claim} says it comes from {fact} but sits in {graph}"
    assert claims > 0


def test_source_checksum_matches_the_copy(provenance: rdflib.Graph, project_root: Path) -> None:
    source = rdflib.URIRef(BASE + "id/source/rennes-health-cluster")
    copy = project_root / str(provenance.value(source, RH.localCopy))
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert str(provenance.value(source, RH.sha256)) == digest


def test_historical_names_are_linked_not_merged(data: rdflib.Dataset) -> None:
    assert not list(data.quads((None, OWL.sameAs, None, None)))
    vivo = Namespace("http://vivoweb.org/ontology/core#")
    org = BASE + "id/org/"
    place = BASE + "id/place/"
    union = rdflib.Graph()
    for s, p, o, _g in data.quads((None, None, None, None)):
        union.add((s, p, o))
    assert (rdflib.URIRef(org + "inra"), vivo.hasSuccessorOrganization,
            rdflib.URIRef(org + "inrae")) in union
    assert (rdflib.URIRef(org + "university-of-rennes-1"), vivo.hasSuccessorOrganization,
            rdflib.URIRef(org + "universite-de-rennes")) in union
    assert (rdflib.URIRef(place + "centre"), DCTERMS.isReplacedBy,
            rdflib.URIRef(place + "centre-val-de-loire")) in union
    assert (rdflib.URIRef(place + "poitou-charentes"), DCTERMS.isReplacedBy,
            rdflib.URIRef(place + "nouvelle-aquitaine")) in union
    assert str(union.value(rdflib.URIRef(org + "inra"), SKOS.prefLabel)) == "Inra"


def test_external_identifiers_sit_in_sourced_graphs(data: rdflib.Dataset,
                                                   provenance: rdflib.Graph) -> None:
    links = list(data.quads((None, SCHEMA.sameAs, None, None)))
    assert links
    for _s, _p, _o, graph in links:
        assert provenance.value(graph, DCTERMS.source) is not None, graph


def test_official_codes_of_places_sit_in_sourced_linksets(data: rdflib.Dataset,
                                                          provenance: rdflib.Graph) -> None:
    codes = [(s, o, g) for s, _p, o, g in data.quads((None, SKOS.notation, None, None))
             if str(s).startswith(BASE + "id/place/")]
    assert codes
    for place, code, graph in codes:
        assert isinstance(code, rdflib.Literal) and str(code.datatype).startswith(
            BASE + "def#"), (place, code)  # the datatype names the code list
        assert (graph, RDF.type, VOID.Linkset) in provenance, (place, code)
        assert provenance.value(graph, DCTERMS.source) is not None, graph
        assert provenance.value(graph, VOID.linkPredicate) == SKOS.notation, graph
