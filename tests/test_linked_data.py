"""Dereferencing over the real server: 303s, hash IRIs, formats, 404s, headers, 304s."""

from __future__ import annotations

import gzip
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import rdflib
import requests

from tests.harness import Server

BASE = "https://w3id.org/rennes-health/"
FORMATS = {  # suffix: (media type, rdflib parser)
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}
SUBJECTS = f"""
SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/")) }}
"""
OUTGOING = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"

pytestmark = pytest.mark.server


def _select(server: Server, query: str) -> list[dict[str, dict[str, str]]]:
    response = requests.get(server.url + "sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    response.raise_for_status()
    rows: list[dict[str, dict[str, str]]] = response.json()["results"]["bindings"]
    return rows


def _term(binding: dict[str, str]) -> rdflib.term.Node:
    if binding["type"] == "uri":
        return rdflib.URIRef(binding["value"])
    if binding["type"] == "bnode":
        return rdflib.BNode(binding["value"])
    return rdflib.Literal(binding["value"], lang=binding.get("xml:lang"),
                          datatype=binding.get("datatype"))


@pytest.fixture(scope="module")
def statements(server: Server) -> dict[str, set[tuple[rdflib.term.Node, rdflib.term.Node]]]:
    """Every IRI subject under id/ and its outgoing (predicate, object) pairs, by SPARQL."""
    out: dict[str, set[tuple[rdflib.term.Node, rdflib.term.Node]]] = {}
    for row in _select(server, OUTGOING):
        subject = row["s"]["value"]
        if subject.startswith(BASE + "id/") and row["o"]["type"] != "bnode":
            out.setdefault(subject, set()).add((_term(row["p"]), _term(row["o"])))
    assert {r["s"]["value"] for r in _select(server, SUBJECTS)} == set(out)
    return out


def _url(server: Server, iri: str) -> str:
    return server.url + iri[len(BASE):]


def test_every_subject_in_every_format_carries_its_triples(server: Server, statements) -> None:
    assert len(statements) > 100

    def check(job: tuple[str, str]) -> str | None:
        iri, suffix = job
        media_type, parser = FORMATS[suffix]
        with requests.Session() as session:
            response = session.get(_url(server, iri), headers={"Accept": media_type},
                                   timeout=30)
        if response.status_code != 200 or not response.history or \
                response.history[0].status_code != 303:
            return f"{iri} {suffix}: {response.status_code} {response.history}"
        if not response.headers["Content-Type"].startswith(media_type):
            return f"{iri} {suffix}: {response.headers['Content-Type']}"
        graph = rdflib.Graph()
        graph.parse(data=response.content, format=parser)
        me = rdflib.URIRef(iri)
        found = set(graph.predicate_objects(me))
        missing = statements[iri] - found
        return f"{iri} {suffix}: missing {sorted(missing)[:3]}" if missing else None

    jobs = [(iri, suffix) for iri in statements for suffix in FORMATS]
    with ThreadPoolExecutor(8) as pool:
        problems = [p for p in pool.map(check, jobs) if p]
    assert problems == []


def test_rdflib_parses_a_thing_iri_on_the_server(server: Server, statements) -> None:
    iri = BASE + "id/org/biogenouest"
    graph = rdflib.Graph()
    graph.parse(_url(server, iri))
    assert statements[iri] <= set(graph.predicate_objects(rdflib.URIRef(iri)))


def test_thing_iri_answers_303_to_its_document(server: Server) -> None:
    response = requests.get(server.url + "id/org/biogenouest", allow_redirects=False,
                            timeout=10)
    assert response.status_code == 303
    assert response.headers["Location"] == server.url + "doc/org/biogenouest"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_document_negotiates_and_lists_alternates(server: Server) -> None:
    url = server.url + "doc/org/biogenouest"
    response = requests.get(url, headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"] == url + ".html"
    links = response.headers["Link"]
    for suffix, (media_type, _) in FORMATS.items():
        assert f'<{url}.{suffix}>; rel="alternate"; type="{media_type}"' in links
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("suffix", [*FORMATS, "html"])
def test_suffix_overrides_accept(server: Server, suffix: str) -> None:
    response = requests.get(server.url + f"doc/org/biogenouest.{suffix}",
                            headers={"Accept": "text/html" if suffix != "html"
                                     else "text/turtle"}, timeout=10)
    assert response.status_code == 200
    expected = FORMATS[suffix][0] if suffix in FORMATS else "text/html"
    assert response.headers["Content-Type"].startswith(expected)


def test_jsonld_has_compact_keys_and_an_inline_context(server: Server) -> None:
    response = requests.get(server.url + "doc/org/biogenouest.jsonld", timeout=10)
    document = response.json()
    assert isinstance(document["@context"], dict)
    me = next(n for n in document["graph"] if n["id"] == BASE + "id/org/biogenouest")
    assert "prefLabel" in me and not any(k.startswith("http") for k in me)


def test_browser_gets_the_page_with_labels_quotes_and_identifiers(server: Server) -> None:
    response = requests.get(server.url + "id/org/canceropole-grand-ouest",
                            headers={"Accept": "text/html,application/xhtml+xml,"
                                     "application/xml;q=0.9,*/*;q=0.8"}, timeout=10)
    assert response.status_code == 200
    page = response.text
    assert "<h1>Cancéropôle Grand Ouest</h1>" in page or "Cancéropôle" in page
    assert 'href="https://ror.org/03vx94b97"' in page
    assert "<blockquote>" in page
    # Everything is in the HTML; scripts only draw the neighbourhood (deferred, from here).
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" not in tag or (f'src="{server.url}' in tag and " defer" in tag), tag
    assert 'class="neighbour-list"' in page
    assert f'href="{server.url}doc/' in page


def test_ontology_terms_are_hash_iris_of_the_ontology_document(server: Server) -> None:
    response = requests.get(server.url + "def", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    assert (rdflib.URIRef(BASE + "def#Cluster"), None, None) in graph
    html = requests.get(server.url + "def", headers={"Accept": "text/html"}, timeout=30)
    assert html.status_code == 200
    assert 'id="Cluster"' in html.text
    assert not any(f'src="{s}' in html.text for s in ("http:", "https:", "//"))
    shapes = requests.get(server.url + "shapes.ttl", timeout=30)
    assert shapes.status_code == 200
    assert "sh:NodeShape" in shapes.text or "NodeShape" in shapes.text


def test_unknown_iri_is_404_with_a_search_form_for_people(server: Server) -> None:
    url = server.url + "id/org/no-such-organisation"
    page = requests.get(url, headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<form role="search"' in page.text and 'name="q"' in page.text
    plain = requests.get(url, headers={"Accept": "text/turtle"}, timeout=10)
    assert plain.status_code == 404
    assert plain.headers["Content-Type"].startswith("text/plain")
    assert requests.get(server.url + "doc/org/no-such-organisation.ttl",
                        timeout=10).status_code == 404


def test_incoming_links_are_paged_with_next_links(server: Server) -> None:
    url = server.url + "doc/source/rennes-health-cluster"
    first = requests.get(url, headers={"Accept": "text/turtle"}, timeout=10)
    assert f'<{url}?page=2>; rel="next"' in first.headers["Link"]
    graph = rdflib.Graph().parse(data=first.content, format="turtle")
    hydra = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
    total = int(next(graph.objects(None, hydra.totalItems)))
    me = rdflib.URIRef(BASE + "id/source/rennes-health-cluster")
    def incoming(g: rdflib.Graph) -> set[tuple[rdflib.term.Node, rdflib.term.Node]]:
        return {(s, p) for s, p in g.subject_predicates(me)
                if not str(s).startswith(BASE + "doc/")}

    seen = incoming(graph)
    second = requests.get(url + "?page=2", headers={"Accept": "text/turtle"}, timeout=10)
    assert second.status_code == 200
    seen |= incoming(rdflib.Graph().parse(data=second.content, format="turtle"))
    assert len(seen) == total > 50
    assert requests.get(url + "?page=99", timeout=10).status_code == 404
    assert requests.get(url + "?page=x", timeout=10).status_code == 400


def test_statements_carry_the_quote_of_their_fact(server: Server) -> None:
    response = requests.get(server.url + "doc/org/biogenouest.ttl", timeout=10)
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    rdf = rdflib.RDF
    facts = {graph.value(st, prov.wasDerivedFrom) for st in graph.subjects(rdf.type,
                                                                          rdf.Statement)}
    assert facts
    text = _source_text()
    oa = rdflib.Namespace("http://www.w3.org/ns/oa#")
    checked = 0
    for fact in facts:
        quote = graph.value(fact, prov.value)
        if quote is None:
            continue
        target = graph.value(fact, oa.hasTarget)
        for selector in graph.objects(target, oa.hasSelector):
            start, end = graph.value(selector, oa.start), graph.value(selector, oa.end)
            if start is not None:
                assert text[int(start):int(end)] == str(quote)
                checked += 1
    assert checked


def _source_text() -> str:
    from tests.harness import ROOT

    return (ROOT / "data" / "source.txt").read_text(encoding="utf-8")


def test_conditional_requests_get_304(server: Server) -> None:
    url = server.url + "doc/org/biogenouest.ttl"
    first = requests.get(url, timeout=10)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"]
    again = requests.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    since = requests.get(url, headers={"If-Modified-Since": modified,
                                       "Accept-Encoding": "identity"}, timeout=10)
    assert since.status_code == 304
    other = requests.get(url, headers={"If-None-Match": '"other"'}, timeout=10)
    assert other.status_code == 200


@pytest.mark.parametrize("path", ["", "doc/org/biogenouest", ".well-known/void", "dump.ttl",
                                  "search?q=canc"])
def test_every_linked_data_route_has_validators_and_cors(server: Server, path: str) -> None:
    response = requests.get(server.url + path, timeout=30)
    assert response.status_code == 200
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert requests.get(server.url + path, headers={"If-None-Match": response.headers["ETag"]},
                        timeout=30).status_code == 304


def test_large_answers_are_gzipped_when_accepted(server: Server) -> None:
    url = server.url + "doc/org/biogenouest.ttl"
    raw = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in raw.headers["Vary"]
    body = gzip.decompress(raw.raw.read())
    rdflib.Graph().parse(data=body, format="turtle")
    refused = requests.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"}, timeout=10)
    assert "Content-Encoding" not in refused.headers
    none = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in none.headers
    assert none.content == body


def test_service_description_links_the_void_description(server: Server) -> None:
    response = requests.get(server.url + "sparql", headers={"Accept": "text/turtle"},
                            timeout=10)
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    assert rdflib.URIRef(server.url + ".well-known/void") in set(graph.objects(
        None, rdflib.RDFS.seeAlso))
