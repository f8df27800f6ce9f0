"""The ontology and shapes documents: their triples, and HTML documentation by pyLODE.

pyLODE writes a self-contained page (its CSS inline, icons as data: URIs); what could
still make a browser reach out (scripts or stylesheets by URL) is removed, so the page
loads offline. pyLODE names class anchors in lower case; the anchors are renamed to the
terms' local names so that a hash IRI such as ``def#Cluster`` lands on its term.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pyoxigraph
import rdflib

from healthkg.lookup import select
from healthkg.namespaces import OWL, RDF_TYPE, RDFS, SH, SKOS, local_name
from healthkg.store.base import Store

log = logging.getLogger("healthkg.documentation")

GRAPH_OF = f"""
SELECT ?x ?g WHERE {{
  {{ GRAPH ?g {{ ?g <{RDF_TYPE}> <{OWL}Ontology> }} FILTER(?g = ?x) }}
  UNION {{ GRAPH ?g {{ ?g <{OWL}versionIRI> ?x }} }}
}} LIMIT 1
"""

CONTENT = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"

_EXTERNAL_TAGS = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    """One term of a document, for the fallback term list."""

    iri: str
    label: str
    kind: str
    definition: str


def graph_of(store: Store, iri: str, *, timeout: float) -> str | None:
    """The graph served at ``iri``: an ontology's own graph, or the one of its version IRI."""
    try:
        node = pyoxigraph.NamedNode(iri)
    except ValueError:
        return None
    rows = select(store, GRAPH_OF, {"x": node}, timeout=timeout)
    return rows[0]["g"].value if rows else None


def triples_of(store: Store, graph: str, *, timeout: float) -> list[pyoxigraph.Triple]:
    """Every triple of one graph."""
    out = []
    for row in select(store, CONTENT, {"g": pyoxigraph.NamedNode(graph)}, timeout=timeout):
        s, p, o = row["s"], row["p"], row["o"]
        if isinstance(s, pyoxigraph.NamedNode | pyoxigraph.BlankNode) and \
                isinstance(p, pyoxigraph.NamedNode):
            out.append(pyoxigraph.Triple(s, p, o))
    return out


def to_rdflib(triples: list[pyoxigraph.Triple]) -> rdflib.Graph:
    """An rdflib Graph of the triples (for pyLODE)."""
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def pylode_html(triples: list[pyoxigraph.Triple]) -> str:
    """pyLODE's documentation of the graph, made to load offline; raises when pyLODE fails."""
    from pylode import OntPub  # imported lazily: it loads its background ontologies

    html = str(OntPub(to_rdflib(triples)).make_html(include_css=True))
    html = _EXTERNAL_TAGS.sub("", html)
    return _anchor_terms(html, triples)


def _anchor_terms(html: str, triples: list[pyoxigraph.Triple]) -> str:
    names = {local_name(t.subject.value) for t in triples
             if isinstance(t.subject, pyoxigraph.NamedNode) and "#" in t.subject.value}
    lowered = {n.lower() for n in names}
    for name in sorted(names):
        low = name.lower()
        if low == name or f'id="{name}"' in html or low in names:
            continue
        if html.count(f'id="{low}"') == 1 and sum(1 for n in lowered if n == low) == 1:
            html = html.replace(f'id="{low}"', f'id="{name}"')
            html = html.replace(f'href="#{low}"', f'href="#{name}"')
    return html


def terms(triples: list[pyoxigraph.Triple]) -> list[Term]:
    """The terms a document defines, with their labels, kinds and definitions."""
    info: dict[str, dict[str, str]] = {}
    for t in triples:
        if not isinstance(t.subject, pyoxigraph.NamedNode):
            continue
        entry = info.setdefault(t.subject.value, {})
        p, o = t.predicate.value, t.object
        if p in (SKOS + "prefLabel", RDFS + "label") and isinstance(o, pyoxigraph.Literal):
            if o.language in (None, "", "en") or "label" not in entry:
                entry["label"] = o.value
        elif p in (SKOS + "definition", RDFS + "comment", SH + "message") and \
                isinstance(o, pyoxigraph.Literal) and "definition" not in entry:
            entry["definition"] = o.value
        elif p == RDF_TYPE and isinstance(o, pyoxigraph.NamedNode) and "kind" not in entry:
            entry["kind"] = local_name(o.value)
    return sorted((Term(iri, e.get("label", local_name(iri)), e.get("kind", ""),
                        e.get("definition", "")) for iri, e in info.items()),
                  key=lambda term: (term.kind, term.label.lower()))
