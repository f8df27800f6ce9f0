"""A crawler reaches every organisation from the home page, with rdflib alone (no SPARQL)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import rdflib
import requests

from tests.harness import ROOT, Server

BASE = "https://w3id.org/rennes-health/"
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")

pytestmark = pytest.mark.server


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def _organisations_in_files() -> set[str]:
    """Organisations as the shipped files say (rdflib over the files, not the server)."""
    data = rdflib.Dataset()
    for path in sorted((ROOT / "data").glob("*.trig")):
        data.parse(path, format="trig")
    ontology = rdflib.Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        ontology.parse(path, format="turtle")
    classes = {ORG.Organization}
    changed = True
    while changed:  # the subclass closure, as a crawler with the ontology would compute it
        new = {s for c in classes for s in ontology.subjects(rdflib.RDFS.subClassOf, c)}
        changed = not new <= classes
        classes |= new
    return {str(s) for s, _, o, _ in data.quads((None, rdflib.RDF.type, None, None))
            if o in classes and isinstance(s, rdflib.URIRef)}


def test_crawler_reaches_every_organisation_from_the_home_page(server: Server) -> None:
    expected = _organisations_in_files()
    assert len(expected) >= 10
    home = requests.get(server.url, headers={"Accept": "text/html"}, timeout=10)
    parser = _Links()
    parser.feed(home.text)
    queue = [href if href.startswith("http") else server.url + href.lstrip("/")
             for href in parser.hrefs if re.match(r"^(/|" + re.escape(server.url) + ")doc/",
                                                  href)]
    found: set[str] = set()
    seen: set[str] = set()
    while queue and len(seen) < 400:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        graph = rdflib.Graph()
        graph.parse(url.split("?")[0] + ".ttl" if "/doc/" in url and "." not in
                    url.rsplit("/", 1)[-1] else url, format="turtle")
        for subject in graph.subjects(rdflib.RDF.type, None):
            if str(subject) in expected:
                found.add(str(subject))
        # Follow RDF links to things under the base, as a linked-data crawler does.
        for node in graph.all_nodes():
            if isinstance(node, rdflib.URIRef) and str(node).startswith(BASE + "id/org/"):
                queue.append(server.url + "id/" + str(node)[len(BASE + "id/"):])
        if found >= expected:
            break
    assert expected <= found
