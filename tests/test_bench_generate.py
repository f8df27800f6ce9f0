"""The synthetic graph generator of the benchmarks: deterministic, sized, valid, quotes exact."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
import rdflib

from bench import generate
from healthkg.config import PROJECT_ROOT
from healthkg.validation import load_shapes, validate


@pytest.fixture(scope="module")
def sample() -> tuple[bytes, bytes]:
    return generate.generate(10_000, seed=7)


def test_same_seed_gives_identical_bytes(sample: tuple[bytes, bytes], tmp_path: Path) -> None:
    path = generate.write(10_000, 7, tmp_path)
    assert path.read_bytes() == sample[0]
    assert (tmp_path / generate.SOURCE).read_bytes() == sample[1]


def test_another_seed_gives_another_graph(sample: tuple[bytes, bytes]) -> None:
    assert generate.generate(10_000, seed=8)[0] != sample[0]


@pytest.mark.parametrize("size", [5_000, 10_000, 30_000])
def test_size_is_within_five_percent_and_quads_are_distinct(size: int) -> None:
    nquads, _ = generate.generate(size, seed=3)
    store = pyoxigraph.Store()
    store.load(nquads, format=pyoxigraph.RdfFormat.N_QUADS)
    assert abs(len(store) - size) <= 0.05 * size
    assert len(store) == nquads.count(b"\n")
    assert next(iter(store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())),
                None) is None, "nothing may be in the default graph"


def test_sample_conforms_to_the_project_shapes(sample: tuple[bytes, bytes]) -> None:
    data = rdflib.Dataset()
    data.parse(data=sample[0], format="nquads")
    ontology = rdflib.Graph()
    for name in ("healthkg.ttl", "vocabularies.ttl"):
        ontology.parse(data=(PROJECT_ROOT / "ontology" / name).read_bytes(), format="turtle")
    report = validate(data, load_shapes(PROJECT_ROOT), ontology=ontology)
    assert report.conforms, [v.message for v in report.violations[:5]]


def test_every_quote_is_the_source_text_at_its_offsets(sample: tuple[bytes, bytes]) -> None:
    store = pyoxigraph.Store()
    store.load(sample[0], format=pyoxigraph.RdfFormat.N_QUADS)
    text = sample[1].decode("utf-8")
    rows = list(store.query("""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?quote ?start ?end WHERE { GRAPH ?g {
            ?fact prov:value ?quote ; oa:hasTarget/oa:hasSelector ?s .
            ?s oa:start ?start ; oa:end ?end } }"""))
    assert len(rows) > 50
    for row in rows:
        assert text[int(row["start"].value):int(row["end"].value)] == row["quote"].value


def test_kinds_of_things_the_benchmark_queries_need_are_present(
        sample: tuple[bytes, bytes]) -> None:
    store = pyoxigraph.Store()
    store.load(sample[0], format=pyoxigraph.RdfFormat.N_QUADS)
    for query in (
        "ASK { GRAPH ?g { ?o a <http://www.w3.org/ns/org#OrganizationalCollaboration> } }",
        "ASK { GRAPH ?g { ?m <http://www.w3.org/ns/org#member> ?x } }",
        "ASK { GRAPH ?g { ?p <http://www.w3.org/ns/org#memberOf> ?team } }",
        "ASK { GRAPH ?g { ?p <https://w3id.org/rennes-health/def#specialisesIn> ?c } }",
        "ASK { GRAPH ?g { ?c <http://www.w3.org/2004/02/skos/core#broader> ?b } }",
        "ASK { GRAPH ?g { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        "FILTER(lang(?l) = 'fr') } }",
    ):
        assert bool(store.query(query)), query
