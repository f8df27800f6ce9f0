"""Search, dumps and the VoID description over the real server."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from healthkg.search import EXACT, PREFIX, SUBSTRING, WORD_PREFIX, Entry, LabelIndex, normalise
from tests.harness import Server

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DATASET = rdflib.URIRef("https://w3id.org/rennes-health/.well-known/void#dataset")

pytestmark = pytest.mark.server


def _count(server: Server, query: str) -> int:
    response = requests.get(server.url + "sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def _search(server: Server, q: str) -> list[dict[str, object]]:
    response = requests.get(server.url + "search", params={"q": q},
                            headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 200
    results: list[dict[str, object]] = response.json()["results"]
    return results


def test_search_is_accent_and_case_insensitive_with_prefixes(server: Server) -> None:
    assert any("Cancéropôle" in str(r["label"]) for r in _search(server, "canc"))
    assert any("Cancéropôle" in str(r["label"]) for r in _search(server, "CANCEROPOLE"))
    hits = _search(server, "genetique")
    assert hits and all("genetique" in normalise(str(h["matched"])) for h in hits)


def test_search_ranks_exact_before_prefix_before_word_before_substring(server: Server) -> None:
    hits = _search(server, "rennes")
    order = ["exact", "prefix", "word-prefix", "substring"]
    ranks = [order.index(str(h["match"])) for h in hits]
    assert ranks == sorted(ranks) and ranks[0] == 0


def test_search_page_has_a_form_and_links(server: Server) -> None:
    page = requests.get(server.url + "search", params={"q": "biogen"},
                        headers={"Accept": "text/html"}, timeout=10)
    assert 'name="q"' in page.text and f'href="{server.url}doc/org/biogenouest"' in page.text


def test_label_index_ranking_rules() -> None:
    def entry(iri: str, label: str, preferred: bool = True) -> Entry:
        key = normalise(label)
        return Entry(iri, label, "en", preferred, key, tuple(key.split()))

    index = LabelIndex([entry("a", "Génétique"), entry("b", "Génétique moléculaire"),
                        entry("c", "Centre de génétique"), entry("d", "Épigénétique"),
                        entry("e", "Génétique", preferred=False)], {})
    hits = index.search("GENETIQUE")
    assert [(h.iri, h.rank) for h in hits] == [("a", EXACT), ("e", EXACT), ("b", PREFIX),
                                               ("c", WORD_PREFIX), ("d", SUBSTRING)]


FORMATS = {"ttl": "turtle", "trig": "trig", "nq": "nquads", "jsonld": "json-ld"}


def test_dumps_parse_agree_and_match_their_checksums(server: Server) -> None:
    datasets = {}
    for suffix, parser in FORMATS.items():
        plain = requests.get(server.url + f"dump.{suffix}",
                             headers={"Accept-Encoding": "identity"}, timeout=60)
        assert plain.status_code == 200
        checksum = requests.get(server.url + f"dump.{suffix}.sha256", timeout=10).text
        assert checksum.split()[0] == hashlib.sha256(plain.content).hexdigest()
        assert plain.headers["Repr-Digest"].startswith("sha-256=:")
        packed = requests.get(server.url + f"dump.{suffix}.gz", timeout=60)
        assert packed.headers["Content-Type"] == "application/gzip"
        assert gzip.decompress(packed.content) == plain.content
        gz_sum = requests.get(server.url + f"dump.{suffix}.gz.sha256", timeout=10).text
        assert gz_sum.split()[0] == hashlib.sha256(packed.content).hexdigest()
        again = requests.get(server.url + f"dump.{suffix}",
                             headers={"Accept-Encoding": "identity"}, timeout=60)
        assert again.content == plain.content
        data = rdflib.Dataset()
        data.parse(data=plain.content, format=parser)
        datasets[suffix] = data
    quads = _count(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    for suffix in ("trig", "nq", "jsonld"):
        assert len(list(datasets[suffix].quads((None, None, None, None)))) == quads
    union = {suffix: rdflib.Graph() for suffix in FORMATS}
    for suffix, data in datasets.items():
        for s, p, o, _ in data.quads((None, None, None, None)):
            union[suffix].add((s, p, o))
    for suffix in ("trig", "nq", "jsonld"):
        assert isomorphic(union["ttl"], union[suffix]), suffix


def test_dump_negotiates_its_format(server: Server) -> None:
    response = requests.get(server.url + "dump", headers={"Accept": "application/n-quads"},
                            timeout=60)
    assert response.headers["Content-Type"].startswith("application/n-quads")
    assert response.headers["Content-Location"] == server.url + "dump.nq"
    assert "Accept" in response.headers["Vary"]
    assert requests.get(server.url + "dump.xyz", timeout=10).status_code == 404


def test_void_counts_equal_sparql_counts(server: Server) -> None:
    response = requests.get(server.url + ".well-known/void",
                            headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    distinct = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    assert int(graph.value(DATASET, VOID.triples)) == _count(
        server, f"SELECT (COUNT(*) AS ?n) WHERE {distinct}")
    assert int(graph.value(DATASET, VOID.distinctSubjects)) == _count(
        server, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    partitions = list(graph.objects(DATASET, VOID.classPartition))
    assert len(partitions) == _count(
        server, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    for node in partitions:
        cls = graph.value(node, VOID["class"])
        assert int(graph.value(node, VOID.entities)) == _count(
            server, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}")
    for node in graph.objects(DATASET, VOID.propertyPartition):
        prop = graph.value(node, VOID.property)
        assert int(graph.value(node, VOID.triples)) == _count(
            server, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE "
                    f"{{ ?s <{prop}> ?o }} }}")
    targets = set()
    for linkset in graph.objects(DATASET, VOID.subset):
        assert int(graph.value(linkset, VOID.triples)) == _count(
            server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{linkset}> {{ ?s ?p ?o }} }}")
        targets.add(str(graph.value(graph.value(linkset, VOID.objectsTarget),
                                    rdflib.DCTERMS.title)))
    assert {"ROR", "Wikidata", "GeoNames"} <= targets
    assert graph.value(DATASET, VOID.sparqlEndpoint) == rdflib.URIRef(server.url + "sparql")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    urls = {str(graph.value(d, dcat.downloadURL)) for d in graph.objects(DATASET,
                                                                          dcat.distribution)}
    assert server.url + "dump.trig" in urls
    assert graph.value(DATASET, rdflib.DCTERMS.license) is not None


def test_void_as_jsonld_and_html(server: Server) -> None:
    data = requests.get(server.url + ".well-known/void",
                        headers={"Accept": "application/ld+json"}, timeout=30)
    assert "@context" in json.loads(data.content)
    page = requests.get(server.url + ".well-known/void", headers={"Accept": "text/html"},
                        timeout=30)
    assert page.headers["Content-Type"].startswith("text/html")
    home = requests.get(server.url, headers={"Accept": "text/html"}, timeout=30).text
    assert 'href="' + server.url + '.well-known/void"' in home
