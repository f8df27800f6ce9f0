"""What the document about a resource says: its statements, their sources, its neighbours.

``describe`` asks the store (through the Store interface, the resource bound as a
substitution) for:
- the resource's outgoing statements and the named graph (the fact) each sits in;
- the types and labels of what they point to, and the labels of the properties;
- one page of its incoming links, with the labels of the linking resources;
- the provenance of each fact: its node in ``id/graph/provenance`` (quote, offsets,
  reasoning of an inference, source of a linkset);
- when the resource names a graph (a fact), the statements of that graph.
``Description.triples`` turns this into the RDF document; the HTML page is built from the
same object by ``healthkg.presentation``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph

from healthkg.addresses import Addresses
from healthkg.lookup import Row, Term, integer, select
from healthkg.namespaces import (
    DCTERMS,
    FOAF,
    HYDRA,
    OA,
    PROV,
    PROVENANCE_GRAPH,
    RDF,
    RDF_TYPE,
    RDFS,
    RH,
    SKOS,
    XSD,
)
from healthkg.store.base import Store

#: Incoming links per page.
PAGE_SIZE = 50
#: Statements of a graph shown on the page of the graph's name (the dump has them all).
GRAPH_LIMIT = 500

_NEIGHBOUR_KEYS = f"<{RDF_TYPE}> <{SKOS}prefLabel> <{RDFS}label> <{SKOS}altLabel>"

OUTGOING = """
SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }
"""

NEIGHBOURS = f"""
SELECT DISTINCT ?s ?x ?k ?v WHERE {{
  {{ ?s ?p0 ?x }} UNION {{ ?s ?x ?o1 }} UNION {{ ?s ?p2 ?o2 . ?o2 <{RDF_TYPE}> ?x }}
  FILTER(!isLiteral(?x))
  ?x ?k ?v .
  VALUES ?k {{ {_NEIGHBOUR_KEYS} }}
}}
"""

INCOMING_COUNT = """
SELECT ?o (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } GROUP BY ?o
"""

# LIMIT and OFFSET cannot be bound as terms: they are written from Python integers.
_INCOMING_PAGE = """
SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o }} ORDER BY ?p ?s LIMIT {limit} OFFSET {offset}
"""

_INCOMING_LABELS = f"""
SELECT DISTINCT ?o ?x ?k ?v WHERE {{
  {{ {{ {{_page}} }} ?s ?k ?v . BIND(?s AS ?x) }}
  UNION
  {{ {{ {{_page}} }} ?p ?k ?v . BIND(?p AS ?x) }}
  VALUES ?k {{ {_NEIGHBOUR_KEYS} }}
}}
"""

PROVENANCE = f"""
SELECT DISTINCT ?s ?g ?n ?k ?v WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  GRAPH <{PROVENANCE_GRAPH}> {{
    {{ ?g ?k ?v . BIND(?g AS ?n) }}
    UNION {{ ?g <{OA}hasTarget> ?n . ?n ?k ?v }}
    UNION {{ ?g <{OA}hasTarget> ?t . ?t <{OA}hasSelector> ?n . ?n ?k ?v }}
  }}
}}
"""

GRAPH_CONTENT = f"""
SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o LIMIT {GRAPH_LIMIT}
"""


@dataclass
class Statement:
    """One outgoing statement and the graphs (facts) it sits in."""

    predicate: pyoxigraph.NamedNode
    object: Term
    graphs: list[str] = field(default_factory=list)


@dataclass
class Source:
    """The provenance node of one named graph: a fact, an inference or a linkset."""

    graph: str
    triples: list[pyoxigraph.Triple] = field(default_factory=list)
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    reasoning: str | None = None
    origin: str | None = None
    label: str | None = None
    types: list[str] = field(default_factory=list)


@dataclass
class Description:
    """Everything the document about ``iri`` shows."""

    iri: str
    statements: list[Statement]
    neighbours: dict[str, list[tuple[str, Term]]]
    incoming: list[tuple[Term, pyoxigraph.NamedNode]]
    incoming_total: int
    page: int
    sources: dict[str, Source]
    graph_content: list[pyoxigraph.Quad]

    @property
    def exists(self) -> bool:
        """Whether the IRI names anything in the dataset."""
        return bool(self.statements or self.incoming_total or self.graph_content)

    @property
    def pages(self) -> int:
        """Number of pages of incoming links (at least 1)."""
        return max(1, -(-self.incoming_total // PAGE_SIZE))

    def neighbour_triples(self) -> list[pyoxigraph.Triple]:
        """Types and labels of the resources linked to and from this one."""
        out = []
        for node, values in self.neighbours.items():
            subject: pyoxigraph.NamedNode | pyoxigraph.BlankNode = (
                pyoxigraph.BlankNode(node[2:]) if node.startswith("_:")
                else pyoxigraph.NamedNode(node))
            for key, value in values:
                out.append(pyoxigraph.Triple(subject, pyoxigraph.NamedNode(key), value))
        return out

    def triples(self, addresses: Addresses) -> list[pyoxigraph.Triple]:
        """The RDF document about the resource (persistent IRIs throughout)."""
        me = pyoxigraph.NamedNode(self.iri)
        doc = pyoxigraph.NamedNode(addresses.document_iri(self.iri))
        out = [pyoxigraph.Triple(me, s.predicate, s.object) for s in self.statements]
        out += self.neighbour_triples()
        out += [pyoxigraph.Triple(s, p, me) for s, p in self.incoming
                if isinstance(s, pyoxigraph.NamedNode | pyoxigraph.BlankNode)]
        for source in self.sources.values():
            out += source.triples
        # Which fact each statement comes from, as standard RDF reification.
        for index, statement in enumerate(self.statements):
            for number, graph in enumerate(sorted(statement.graphs)):
                if graph not in self.sources:
                    continue
                node = pyoxigraph.BlankNode(f"statement{index}n{number}")
                out += [
                    pyoxigraph.Triple(node, _iri(RDF_TYPE), _iri(RDF + "Statement")),
                    pyoxigraph.Triple(node, _iri(RDF + "subject"), me),
                    pyoxigraph.Triple(node, _iri(RDF + "predicate"), statement.predicate),
                    pyoxigraph.Triple(node, _iri(RDF + "object"), statement.object),
                    pyoxigraph.Triple(node, _iri(PROV + "wasDerivedFrom"), _iri(graph)),
                ]
        out += self._document_triples(doc, me)
        return out

    def _document_triples(self, doc: pyoxigraph.NamedNode,
                          me: pyoxigraph.NamedNode) -> list[pyoxigraph.Triple]:
        out = [pyoxigraph.Triple(doc, _iri(FOAF + "primaryTopic"), me)]
        if self.incoming_total > PAGE_SIZE:
            view = pyoxigraph.NamedNode(f"{doc.value}?page={self.page}")
            out += [
                pyoxigraph.Triple(doc, _iri(HYDRA + "view"), view),
                pyoxigraph.Triple(view, _iri(RDF_TYPE), _iri(HYDRA + "PartialCollectionView")),
                pyoxigraph.Triple(doc, _iri(HYDRA + "totalItems"),
                                  pyoxigraph.Literal(str(self.incoming_total),
                                                     datatype=_iri(XSD + "integer"))),
                pyoxigraph.Triple(view, _iri(HYDRA + "first"), _iri(f"{doc.value}?page=1")),
                pyoxigraph.Triple(view, _iri(HYDRA + "last"),
                                  _iri(f"{doc.value}?page={self.pages}")),
            ]
            if self.page < self.pages:
                out.append(pyoxigraph.Triple(view, _iri(HYDRA + "next"),
                                             _iri(f"{doc.value}?page={self.page + 1}")))
            if self.page > 1:
                out.append(pyoxigraph.Triple(view, _iri(HYDRA + "previous"),
                                             _iri(f"{doc.value}?page={self.page - 1}")))
        return out

    def quads(self, addresses: Addresses) -> list[pyoxigraph.Quad]:
        """The document as a dataset: statements in their own graphs, provenance in its."""
        me = pyoxigraph.NamedNode(self.iri)
        out = [pyoxigraph.Quad(me, s.predicate, s.object, _iri(g))
               for s in self.statements for g in s.graphs]
        out += [pyoxigraph.Quad(t.subject, t.predicate, t.object, _iri(PROVENANCE_GRAPH))
                for source in self.sources.values() for t in source.triples]
        out += self.graph_content
        doc = pyoxigraph.NamedNode(addresses.document_iri(self.iri))
        extra = self.neighbour_triples()
        extra += [pyoxigraph.Triple(s, p, me) for s, p in self.incoming
                  if isinstance(s, pyoxigraph.NamedNode | pyoxigraph.BlankNode)]
        extra += self._document_triples(doc, me)
        out += [pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in extra]
        return out


def _iri(value: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(value)


def _neighbours(rows: list[Row], into: dict[str, list[tuple[str, Term]]]) -> None:
    for row in rows:
        node, key, value = row.get("x"), row.get("k"), row.get("v")
        if node is None or key is None or value is None:
            continue
        name = node.value if isinstance(node, pyoxigraph.NamedNode) else "_:" + node.value
        pair = (key.value, value)
        if pair not in into[name]:
            into[name].append(pair)


def _sources(rows: list[Row]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for row in rows:
        graph, node, key, value = row["g"].value, row["n"], row["k"], row["v"]
        source = sources.setdefault(graph, Source(graph))
        if not isinstance(node, pyoxigraph.NamedNode | pyoxigraph.BlankNode) or \
                not isinstance(key, pyoxigraph.NamedNode):
            continue
        triple = pyoxigraph.Triple(node, key, value)
        if triple not in source.triples:
            source.triples.append(triple)
        text = value.value
        if node.value == graph:
            if key.value == PROV + "value":
                source.quote = text
            elif key.value == RH + "reasoning":
                source.reasoning = text
            elif key.value == DCTERMS + "source":
                source.origin = text
            elif key.value == SKOS + "prefLabel":
                source.label = text
            elif key.value == RDF_TYPE:
                source.types.append(text)
        elif key.value == OA + "start":
            source.start = int(text)
        elif key.value == OA + "end":
            source.end = int(text)
    return sources


def describe(store: Store, iri: str, *, page: int = 1, timeout: float) -> Description:
    """Gather the description of ``iri`` (one page of its incoming links)."""
    me = pyoxigraph.NamedNode(iri)
    statements: dict[tuple[str, str], Statement] = {}
    for row in select(store, OUTGOING, {"s": me}, timeout=timeout):
        predicate, obj, graph = row["p"], row["o"], row["g"]
        assert isinstance(predicate, pyoxigraph.NamedNode)
        statement = statements.setdefault((str(predicate), str(obj)),
                                          Statement(predicate, obj))
        if graph.value not in statement.graphs:
            statement.graphs.append(graph.value)
    neighbours: dict[str, list[tuple[str, Term]]] = defaultdict(list)
    _neighbours(select(store, NEIGHBOURS, {"s": me}, timeout=timeout), neighbours)
    counts = select(store, INCOMING_COUNT, {"o": me}, timeout=timeout)
    total = integer(counts[0], "n") if counts else 0
    incoming: list[tuple[Term, pyoxigraph.NamedNode]] = []
    if total:
        page_query = _INCOMING_PAGE.format(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        for row in select(store, page_query, {"o": me}, timeout=timeout):
            predicate = row["p"]
            assert isinstance(predicate, pyoxigraph.NamedNode)
            incoming.append((row["s"], predicate))
        labels = _INCOMING_LABELS.replace("{_page}", page_query.strip())
        _neighbours(select(store, labels, {"o": me}, timeout=timeout), neighbours)
    sources = _sources(select(store, PROVENANCE, {"s": me}, timeout=timeout))
    content = []
    for row in select(store, GRAPH_CONTENT, {"g": me}, timeout=timeout):
        s, p, o = row["s"], row["p"], row["o"]
        if isinstance(s, pyoxigraph.NamedNode | pyoxigraph.BlankNode) and \
                isinstance(p, pyoxigraph.NamedNode):
            content.append(pyoxigraph.Quad(s, p, o, me))
    ordered = sorted(statements.values(), key=lambda s: (str(s.predicate), str(s.object)))
    return Description(iri=iri, statements=ordered, neighbours=dict(neighbours),
                       incoming=incoming, incoming_total=total, page=page, sources=sources,
                       graph_content=content)
