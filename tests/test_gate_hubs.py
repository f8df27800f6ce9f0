"""The write gate on a large graph: linking to a shared node does not validate its in-links."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from bench import generate, writes
from healthkg import gate
from healthkg.changes import Change
from healthkg.config import PROJECT_ROOT
from healthkg.validation import load_shapes

ID = "https://w3id.org/rennes-health/id/"
ROLE_TEAM = ox.NamedNode(ID + "concept/syn-role-team")


@pytest.fixture(scope="module")
def store() -> ox.Store:
    data, _ = generate.generate(30_000, seed=5)
    loaded = ox.Store()
    loaded.load(data, format=ox.RdfFormat.N_QUADS)
    return loaded


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in ("healthkg.ttl", "vocabularies.ttl"):
        graph.parse(data=(PROJECT_ROOT / "ontology" / name).read_bytes(), format="turtle")
    return graph


def _insert(store: ox.Store, text: str) -> Change:
    scratch = ox.Store()
    scratch.update(text)
    return Change(added=frozenset(scratch.quads_for_pattern(None, None, None, None)),
                  removed=frozenset())


def test_linking_to_a_shared_concept_leaves_its_other_in_links_out(store: ox.Store) -> None:
    in_links = sum(1 for _ in store.quads_for_pattern(None, None, ROLE_TEAM, None))
    assert in_links > 100
    change = _insert(store, writes.change(0, 0, 1))
    around = gate.neighbourhood(store, change, inverse_paths=False)
    assert len(around.focus) < 60
    everything = gate.neighbourhood(store, change, inverse_paths=True)
    assert len(everything.focus) > in_links


def test_valid_100_triple_change_conforms(store: ox.Store, ontology: rdflib.Graph) -> None:
    change = _insert(store, writes.change(0, 0, 2))
    assert len(change.added) == 100
    assert gate.check(store, change, load_shapes(PROJECT_ROOT), ontology).conforms


def test_removing_the_type_of_a_shared_concept_still_fails_the_nodes_pointing_at_it(
        store: ox.Store, ontology: rdflib.Graph) -> None:
    typed = [q for q in store.quads_for_pattern(ROLE_TEAM, None, None, None)
             if q.predicate.value.endswith("#type")]
    change = Change(added=frozenset(), removed=frozenset(typed))
    report = gate.check(store, change, load_shapes(PROJECT_ROOT), ontology)
    assert not report.conforms
    assert any("org:role" in v.message for v in report.violations)
