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
from html import escape

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

    # pyLODE takes a skos:ConceptScheme for the document's ontology when there is one
    # (the ontology declares a few schemes of its own): hide that typing from it.
    scheme = SKOS + "ConceptScheme"
    shown = [t for t in triples if not (t.predicate.value == RDF_TYPE
                                        and isinstance(t.object, pyoxigraph.NamedNode)
                                        and t.object.value == scheme)]
    html = str(OntPub(to_rdflib(shown)).make_html(include_css=True))
    html = _EXTERNAL_TAGS.sub("", html)
    html = _anchor_terms(html, triples)
    return _append_missing(html, triples)


def _append_missing(html: str, triples: list[pyoxigraph.Triple]) -> str:
    # Terms pyLODE does not document (SHACL shapes, for instance) get a plain list, so
    # that every hash IRI of the document lands somewhere.
    ids = set(re.findall(r'id="([^"]*)"', html))
    missing = [t for t in terms(triples) if "#" in t.iri
               and t.iri.rsplit("#", 1)[1] not in ids]
    if not missing:
        return html
    rows = "".join(
        f'<tr id="{escape(t.iri.rsplit("#", 1)[1])}"><td><code>{escape(t.iri)}</code><br>'
        f"{escape(t.label)}</td><td>{escape(t.kind)}</td><td>{escape(t.definition)}</td></tr>"
        for t in missing)
    section = ('<section id="other-terms" style="margin:2rem"><h2>Other terms</h2>'
               "<table><tr><th>Term</th><th>Kind</th><th>Definition or message</th></tr>"
               f"{rows}</table></section>")
    cut = html.rfind("</body>")
    return html[:cut] + section + html[cut:] if cut >= 0 else html + section


_ENTITY = re.compile(r'<div class="[^"]*\bentity" id="([^"]*)">')
_IRI_ROW = re.compile(r"<th>IRI</th>\s*<td>\s*<code>([^<]+)</code>")


def _anchor_terms(html: str, triples: list[pyoxigraph.Triple]) -> str:
    # pyLODE makes section ids from labels (in whichever language it picks): add an anchor
    # named by each term's fragment, so that def#Term lands on the term's section.
    del triples  # the IRIs are read from the sections themselves
    ids = set(re.findall(r'id="([^"]*)"', html))
    out, last = [], 0
    for match in _ENTITY.finditer(html):
        row = _IRI_ROW.search(html, match.end(), match.end() + 3000)
        if row is None or "#" not in row.group(1):
            continue
        fragment = row.group(1).rsplit("#", 1)[1]
        if fragment in ids or not re.fullmatch(r"[A-Za-z0-9_.-]+", fragment):
            continue
        ids.add(fragment)
        out.append(html[last:match.end()])
        out.append(f'<span id="{fragment}"></span>')
        last = match.end()
    out.append(html[last:])
    return "".join(out)


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
