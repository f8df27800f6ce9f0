"""Every term the data and the shapes use is defined, locally or as a declared reused term."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from healthkg import dataset
from tests.harness import ROOT

RH = "https://w3id.org/rennes-health/def#"
TERM_TYPES = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
              OWL.AnnotationProperty, RDF.Property}


def _parse(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=path.read_bytes(), format="turtle")
    return graph


@pytest.fixture(scope="module")
def ontology(project_root: Path) -> rdflib.Graph:
    """The local ontology."""
    return _parse(project_root / "ontology" / "healthkg.ttl")


@pytest.fixture(scope="module")
def reused(project_root: Path) -> rdflib.Graph:
    """The declarations of reused vocabulary terms."""
    return _parse(project_root / "ontology" / "vocabularies.ttl")


@pytest.fixture(scope="module")
def defined(ontology: rdflib.Graph, reused: rdflib.Graph) -> set[rdflib.term.Node]:
    """Every class and property declared locally or as a reused term."""
    terms: set[rdflib.term.Node] = set()
    for graph in (ontology, reused):
        for kind in TERM_TYPES:
            terms |= set(graph.subjects(RDF.type, kind))
    return terms


def used_terms(data: rdflib.Dataset) -> set[rdflib.term.Node]:
    """The classes (objects of rdf:type) and properties (predicates) a dataset uses."""
    terms: set[rdflib.term.Node] = set()
    for _s, p, o, _g in data.quads((None, None, None, None)):
        terms.add(p)
        if p == RDF.type:
            terms.add(o)
    return terms


def test_every_term_used_in_the_data_is_defined(project_root: Path,
                                                defined: set[rdflib.term.Node]) -> None:
    data = dataset.load([project_root / "data"])
    assert sorted(map(str, used_terms(data) - defined)) == []


def test_misspelt_org_memberof_is_reported(defined: set[rdflib.term.Node]) -> None:
    data = rdflib.Dataset()
    data.parse(data=(ROOT / "tests" / "fixtures" / "vocabulary" / "org_memberof.trig").read_bytes(),
               format="trig")
    assert used_terms(data) - defined == {rdflib.URIRef("http://www.w3.org/ns/org#memberof")}


def test_every_term_used_in_the_shapes_is_defined(project_root: Path,
                                                  defined: set[rdflib.term.Node]) -> None:
    # A misspelt path or class in a shape would silently never fire.
    shapes = _parse(project_root / "ontology" / "shapes.ttl")
    used = {o for p in (SH.path, SH["class"], SH.targetClass, SH.targetObjectsOf)
            for o in shapes.objects(None, p) if isinstance(o, rdflib.URIRef)}
    assert sorted(map(str, used - defined)) == []


def test_every_local_term_is_labelled_defined_and_described(ontology: rdflib.Graph,
                                                            project_root: Path) -> None:
    shapes = _parse(project_root / "ontology" / "shapes.ttl")
    paths = set(shapes.objects(None, SH.path))
    local = {s for s in ontology.subjects() if str(s).startswith(RH)}
    assert len(local) >= 30
    for term in local:
        labels = {o.language for o in ontology.objects(term, SKOS.prefLabel)
                  if isinstance(o, rdflib.Literal)}
        assert "en" in labels, term
        assert ontology.value(term, SKOS.definition) is not None, term
        assert ontology.value(term, RDFS.isDefinedBy) is not None, term
        is_property = any((term, RDF.type, t) in ontology for t in
                          (OWL.ObjectProperty, OWL.DatatypeProperty))
        if is_property:
            described = (ontology.value(term, RDFS.domain) is not None
                         or ontology.value(term, RDFS.range) is not None or term in paths)
            assert described, f"{term} has no domain, range or shape"


def test_reused_terms_name_their_vocabulary(reused: rdflib.Graph) -> None:
    for kind in TERM_TYPES:
        for term in reused.subjects(RDF.type, kind):
            vocabulary = reused.value(term, RDFS.isDefinedBy)
            assert vocabulary is not None, term
            assert not str(term).startswith(RH), f"{term} is local: declare it in healthkg.ttl"


def test_ontology_has_version_licence_and_description(ontology: rdflib.Graph) -> None:
    iri = rdflib.URIRef("https://w3id.org/rennes-health/def")
    assert (iri, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(iri, OWL.versionInfo) is not None
    assert ontology.value(iri, OWL.versionIRI) is not None
    assert ontology.value(iri, DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert ontology.value(iri, DCTERMS.description) is not None
    assert str(ontology.value(iri, DCTERMS.creator)) == "healthkg"
