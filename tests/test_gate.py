"""The write gate: what a change touches is validated as it would be, then applied at once."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from healthkg import dataset
from healthkg.changes import from_update
from healthkg.gate import (
    BLANK_FOCUS,
    CHANGES_GRAPH,
    applied_sequence,
    apply,
    change_from_record,
    check,
    to_nquads,
)
from healthkg.journal import ChangeRecord
from healthkg.validation import load_shapes
from tests.harness import ROOT

P = ("PREFIX rh: <https://w3id.org/rennes-health/def#> PREFIX schema: <https://schema.org/> "
     "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
ID = "https://w3id.org/rennes-health/id/"


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    """The project's shapes."""
    return load_shapes(ROOT)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    """The ontology and the reused vocabularies (class hierarchy)."""
    graph = rdflib.Graph()
    for name in ("healthkg.ttl", "vocabularies.ttl"):
        graph.parse(data=(ROOT / "ontology" / name).read_bytes(), format="turtle")
    return graph


@pytest.fixture
def store() -> ox.Store:
    """A fresh in-memory store with the shipped graph."""
    s = ox.Store()
    dataset.load_into(s, dataset.default_paths(Path(ROOT)))
    return s


def _set_value(count: str, value: int) -> str:
    node = f"<{ID}count/{count}>"
    return (P + f"DELETE {{ GRAPH ?g {{ {node} schema:value ?v }} }} "
            f"INSERT {{ GRAPH ?g {{ {node} schema:value {value} }} }} "
            f"WHERE {{ GRAPH ?g {{ {node} schema:value ?v }} }}")


def test_part_made_larger_than_its_whole_is_rejected(store: ox.Store, shapes: rdflib.Graph,
                                                     ontology: rdflib.Graph) -> None:
    report = check(store, from_update(store, _set_value("biogenouest-researchers", 5000)),
                   shapes, ontology)
    assert not report.conforms
    assert any("larger than the exact count it is part of" in v.message
               for v in report.violations)


def test_whole_made_smaller_than_its_part_is_rejected_on_the_part(
        store: ox.Store, shapes: rdflib.Graph, ontology: rdflib.Graph) -> None:
    report = check(store, from_update(store, _set_value("biogenouest-people", 10)),
                   shapes, ontology)
    assert [v.focus for v in report.violations] == [f"{ID}count/biogenouest-researchers"]


def test_removing_the_only_label_is_rejected(store: ox.Store, shapes: rdflib.Graph,
                                             ontology: rdflib.Graph) -> None:
    change = from_update(store, P + f"DELETE WHERE {{ GRAPH <{ID}fact/cluster> {{ "
                                    f"<{ID}org/rennes-health-cluster> skos:prefLabel ?l }} }}")
    report = check(store, change, shapes, ontology)
    assert not report.conforms
    assert report.violations[0].focus == f"{ID}org/rennes-health-cluster"


def test_valid_change_conforms(store: ox.Store, shapes: rdflib.Graph,
                               ontology: rdflib.Graph) -> None:
    change = from_update(store, P + f'INSERT DATA {{ GRAPH <{ID}fact/cluster> {{ '
                                    f'<{ID}org/rennes-health-cluster> skos:altLabel '
                                    f'"pôle santé"@fr }} }}')
    assert check(store, change, shapes, ontology).conforms


def test_applied_change_with_blank_nodes_is_exact_and_recorded(store: ox.Store) -> None:
    before = len(store)
    store.update('INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/q> [ '
                 '<http://ex/r> "x" ] } }')
    change = from_update(store, 'DELETE { GRAPH ?g { ?b <http://ex/r> ?o } } WHERE { GRAPH ?g '
                                '{ ?b <http://ex/r> ?o } } ; INSERT DATA { GRAPH <http://ex/g> '
                                '{ <http://ex/a> <http://ex/p> "q\\"uote\\nline" } }')
    record = ChangeRecord(seq=1, change_id="c1", time="2026-01-01T00:00:00+00:00",
                          author="alice", message="m", shapes_version="1",
                          added=to_nquads(change.added), removed=to_nquads(change.removed))
    assert change_from_record(record) == change
    apply(store, change, record)
    assert not list(store.quads_for_pattern(None, ox.NamedNode("http://ex/r"), None))
    assert (ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"),
                    ox.Literal('q"uote\nline'), ox.NamedNode("http://ex/g")) in store)
    assert applied_sequence(store) == 1
    history = list(store.quads_for_pattern(None, None, None, ox.NamedNode(CHANGES_GRAPH)))
    assert len(store) == before + 2 - 1 + 1 + len(history)


def test_blank_node_in_a_change_is_validated_as_a_focus_node(
        store: ox.Store, shapes: rdflib.Graph, ontology: rdflib.Graph) -> None:
    # Regression: pyshacl takes IRIs only as focus nodes; a change with a blank node failed
    # with a TypeError instead of being validated.
    change = from_update(store, P + f"INSERT DATA {{ GRAPH <{ID}fact/cluster> {{ "
                                    f"<{ID}org/biogenouest> rh:hasCount _:c . _:c a rh:Count }} }}")
    blank = next(q.object for q in change.added if isinstance(q.object, ox.BlankNode))
    report = check(store, change, shapes, ontology)
    assert not report.conforms
    assert BLANK_FOCUS + blank.value in {v.focus for v in report.violations}
