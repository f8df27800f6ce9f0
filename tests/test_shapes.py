"""SHACL shapes: the shipped data conforms; each invalid fixture fails with its shape, message."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
import rdflib.collection
from rdflib.namespace import RDF, RDFS, SH

from healthkg import dataset, validation
from tests.harness import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
INVALID = sorted((FIXTURES / "invalid").glob("*.trig"))


@pytest.fixture(scope="module")
def shapes(project_root: Path) -> rdflib.Graph:
    """The project's trusted shapes."""
    return validation.load_shapes(project_root)


@pytest.fixture(scope="module")
def ontology(project_root: Path) -> rdflib.Graph:
    """The ontology and the declarations of reused terms (their subclass axioms)."""
    graph = rdflib.Graph()
    for name in ("healthkg.ttl", "vocabularies.ttl"):
        graph.parse(data=(project_root / "ontology" / name).read_bytes(), format="turtle")
    return graph


def _fixture(path: Path) -> rdflib.Dataset:
    data = rdflib.Dataset()
    data.parse(data=path.read_bytes(), format="trig")
    return data


def _expectation(path: Path) -> dict[str, str]:
    header = dict(re.findall(r"^# expected-(shape|focus|message): (.+)$",
                             path.read_text(encoding="utf-8"), re.MULTILINE))
    assert set(header) == {"shape", "focus", "message"}, f"{path.name}: incomplete header"
    return header


def test_shipped_data_conforms(project_root: Path, shapes: rdflib.Graph) -> None:
    report = validation.validate(dataset.load(dataset.default_paths(project_root)), shapes)
    assert report.violations == ()
    assert report.conforms


def test_shipped_data_read_back_from_the_store_conforms(project_root: Path,
                                                        shapes: rdflib.Graph) -> None:
    # The store canonicalises literals; what it holds must conform too.
    store = pyoxigraph.Store()
    dataset.load_into(store, dataset.default_paths(project_root))
    data = rdflib.Dataset()
    data.parse(data=store.dump(format=pyoxigraph.RdfFormat.N_QUADS), format="nquads")
    report = validation.validate(data, shapes)
    assert report.violations == ()
    assert report.conforms


def test_minimal_fixture_conforms(shapes: rdflib.Graph, ontology: rdflib.Graph) -> None:
    report = validation.validate(_fixture(FIXTURES / "valid" / "minimal.trig"), shapes,
                                 ontology=ontology)
    assert report.violations == ()
    assert report.conforms


def test_there_is_an_invalid_fixture_per_rule() -> None:
    assert len(INVALID) >= 12
    assert len({_expectation(p)["shape"] for p in INVALID}) >= 12


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_fails_with_its_shape_and_message(path: Path, shapes: rdflib.Graph,
                                                          ontology: rdflib.Graph) -> None:
    expected = _expectation(path)
    report = validation.validate(_fixture(path), shapes, ontology=ontology)
    assert not report.conforms
    assert {(v.shape, v.focus, v.message) for v in report.violations} == {
        (expected["shape"], expected["focus"], expected["message"])}
    assert all(v.severity == "Violation" for v in report.violations)
    assert (None, RDF.type, SH.ValidationReport) in report.graph


def test_report_carries_labels_paths_and_constraints(shapes: rdflib.Graph,
                                                     ontology: rdflib.Graph) -> None:
    report = validation.validate(_fixture(FIXTURES / "invalid" / "count_value_as_string.trig"),
                                 shapes, ontology=ontology)
    violation = report.violations[0]
    assert violation.focus_label == "Example network researchers"
    assert violation.path == "https://schema.org/value"
    assert violation.value == "40"
    assert violation.value_term == '"40"'  # the N-Triples form keeps the quotes
    assert {v.constraint for v in report.violations} == {
        "sh:DatatypeConstraintComponent", "sh:MinInclusiveConstraintComponent"}


def test_focus_nodes_restrict_validation_to_them(shapes: rdflib.Graph,
                                                 ontology: rdflib.Graph) -> None:
    data = _fixture(FIXTURES / "invalid" / "missing_label.trig")
    elsewhere = rdflib.URIRef("https://w3id.org/rennes-health/id/org/network")
    assert validation.validate(data, shapes, ontology=ontology, focus_nodes=[elsewhere]).conforms
    region = rdflib.URIRef("https://w3id.org/rennes-health/id/place/region")
    assert not validation.validate(data, shapes, ontology=ontology, focus_nodes=[region]).conforms


def test_shapes_in_the_data_are_ignored(shapes: rdflib.Graph, ontology: rdflib.Graph) -> None:
    # A change could carry a shape of its own; only the trusted shapes count.
    data = _fixture(FIXTURES / "valid" / "minimal.trig")
    data.graph(rdflib.URIRef("https://w3id.org/rennes-health/id/fact/example")).parse(
        data=b"@prefix sh: <http://www.w3.org/ns/shacl#> . "
             b"<urn:x:s> a sh:NodeShape ; sh:targetNode <urn:x:n> ; sh:minCount 5 .",
        format="turtle")
    assert validation.validate(data, shapes, ontology=ontology).conforms


def test_validate_refuses_strings(shapes: rdflib.Graph) -> None:
    with pytest.raises(TypeError):
        validation.validate("data/facts.trig", shapes)  # type: ignore[arg-type]


def _shapes_of(shapes: rdflib.Graph) -> set[rdflib.term.Node]:
    found: set[rdflib.term.Node] = set(shapes.subjects(RDF.type, SH.NodeShape))
    found |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    found |= set(shapes.objects(None, SH.property))
    return found


def test_every_shape_has_a_message_and_a_severity(shapes: rdflib.Graph) -> None:
    for shape in _shapes_of(shapes):
        assert shapes.value(shape, SH.severity) is not None, shape
        constraints = list(shapes.objects(shape, SH.sparql))
        for constraint in constraints:
            assert shapes.value(constraint, SH.message) is not None, constraint
        if not constraints:
            message = shapes.value(shape, SH.message)
            assert message is not None and len(str(message)) > 30, shape


def test_every_class_used_in_the_data_has_a_shape(project_root: Path, shapes: rdflib.Graph,
                                                  ontology: rdflib.Graph) -> None:
    data = dataset.load([project_root / "data"])
    targeted = set(shapes.objects(None, SH.targetClass))
    used = {o for _s, _p, o, _g in data.quads((None, RDF.type, None, None))}
    for cls in used:
        ancestors = set(ontology.transitive_objects(cls, RDFS.subClassOf))
        assert ancestors & targeted, f"no shape targets {cls} or a superclass of it"


def test_shipped_data_with_a_count_lacking_its_wording_fails(project_root: Path,
                                                             shapes: rdflib.Graph) -> None:
    # The shapes reach the shipped data: breaking one count is reported on that count.
    data = dataset.load(dataset.default_paths(project_root))
    count = rdflib.URIRef("https://w3id.org/rennes-health/id/count/biogenouest-researchers")
    wording = rdflib.URIRef("https://w3id.org/rennes-health/def#wording")
    for s, p, o, g in list(data.quads((count, wording, None, None))):
        data.graph(g).remove((s, p, o))
    report = validation.validate(data, shapes)
    assert not report.conforms
    assert {(v.focus, v.shape) for v in report.violations} == {
        (str(count), "https://w3id.org/rennes-health/shapes#CountWording")}
    assert report.violations[0].focus_label == "Biogenouest researchers"


def test_every_shape_is_named_by_an_iri_under_the_shapes_namespace(
        shapes: rdflib.Graph) -> None:
    # A blank-node shape would be reported as an arbitrary label no one can look up.
    found = _shapes_of(shapes) | set(shapes.subjects(SH.path, None))
    for predicate in (SH.node, SH.qualifiedValueShape, SH["not"], SH.sparql):
        found |= set(shapes.objects(None, predicate))
    for predicate in (SH["or"], SH.xone, SH["and"]):
        for head in shapes.objects(None, predicate):
            found |= set(rdflib.collection.Collection(shapes, head))
    assert len(found) > 60
    assert sorted(str(s) for s in found
                  if not str(s).startswith("https://w3id.org/rennes-health/shapes#")) == []


def test_source_document_without_title_is_reported_by_a_named_shape(
        project_root: Path, shapes: rdflib.Graph) -> None:
    data = dataset.load(dataset.default_paths(project_root))
    source = rdflib.URIRef("https://w3id.org/rennes-health/id/source/rennes-health-cluster")
    title = rdflib.URIRef("http://purl.org/dc/terms/title")
    for s, p, o, g in list(data.quads((source, title, None, None))):
        data.graph(g).remove((s, p, o))
    report = validation.validate(data, shapes, focus_nodes=[source])
    assert {(v.focus, v.shape) for v in report.violations} == {
        (str(source), "https://w3id.org/rennes-health/shapes#SourceDocumentTitle")}
