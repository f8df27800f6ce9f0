"""The write gate: a change is validated against the project's shapes, journaled, then applied.

Only the resources a change touches, and what their shapes reach, are validated: the nodes
of changed quads, the nodes that point at them, and two hops of their surroundings as they
would be after the change. Full validation of the whole graph is never on the write path.
The change is applied with one SPARQL Update, which pyoxigraph runs as one transaction, so
readers never see half a change; it carries the change's history record, whose sequence
number tells a restarting engine which journal records are already applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF

from healthkg.changes import Change, _to_rdflib
from healthkg.config import BASE_IRI
from healthkg.journal import ChangeRecord
from healthkg.validation import Report, validate

CHANGES_GRAPH = BASE_IRI + "id/graph/changes"
CHANGE_BASE = BASE_IRI + "id/change/"
STEWARD_BASE = BASE_IRI + "id/steward/"
_PROV = "http://www.w3.org/ns/prov#"
_RH = BASE_IRI + "def#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_TYPE = ox.NamedNode(str(RDF.type))
_INVERSE_PATH = rdflib.URIRef("http://www.w3.org/ns/shacl#inversePath")
#: Name of the custom function that turns a label into the stored blank node of that label.
_BNODE_FN = ox.NamedNode("urn:healthkg:function:bnode")

Node = ox.NamedNode | ox.BlankNode


@dataclass(frozen=True)
class Neighbourhood:
    """What validation of a change looks at: a graph and the focus nodes in it."""

    graph: rdflib.Graph
    focus: frozenset[rdflib.term.Node]


def after(store: ox.Store, change: Change, subject: Node | None = None,
           obj: Node | None = None) -> Iterable[ox.Quad]:
    """Quads matching the pattern as they would be after the change."""
    for quad in store.quads_for_pattern(subject, None, obj, None):
        if quad not in change.removed:
            yield quad
    for quad in change.added:
        if (subject is None or quad.subject == subject) and (obj is None or quad.object == obj):
            yield quad


def neighbourhood(store: ox.Store, change: Change, *,
                  inverse_paths: bool = True) -> Neighbourhood:
    """The after-change surroundings of what the change touches, as one rdflib graph.

    Without ``inverse_paths`` (shapes that never follow a property backwards), the nodes
    pointing at a touched node are validated only when that node's own description changes
    (it is the subject of a changed quad): what merely gains or loses a link from a changed
    subject (a shared concept, a fact, a unit) reads the same to everything pointing at
    it, and such nodes can have tens of thousands of in-links.
    """
    touched = change.touched_nodes()
    described = {quad.subject for quad in change.added | change.removed}
    focus: set[Node] = set(touched)
    triples: set[tuple[object, object, object]] = set()

    def keep(quad: ox.Quad) -> None:
        triples.add((quad.subject, quad.predicate, quad.object))

    for node in touched:
        if not inverse_paths and node not in described:
            continue
        for quad in after(store, change, obj=node):
            keep(quad)
            # Classes have huge in-neighbourhoods and are checked through the ontology.
            if quad.predicate != _TYPE:
                focus.add(quad.subject)  # type: ignore[arg-type]
    reached: set[Node] = set()
    for node in focus:
        for quad in after(store, change, subject=node):
            keep(quad)
            if isinstance(quad.object, ox.NamedNode | ox.BlankNode) and quad.predicate != _TYPE:
                reached.add(quad.object)
    for node in reached - focus:
        for quad in after(store, change, subject=node):
            keep(quad)
    graph = rdflib.Graph()
    for s, p, o in triples:
        graph.add((_to_rdflib(s), _to_rdflib(p), _to_rdflib(o)))
    return Neighbourhood(graph, frozenset(_to_rdflib(n) for n in focus))


def follows_inverse_paths(shapes: rdflib.Graph) -> bool:
    """True when some shape follows a property backwards (sh:inversePath)."""
    return next(iter(shapes.triples((None, _INVERSE_PATH, None))), None) is not None


def check(store: ox.Store, change: Change, shapes: rdflib.Graph,
          ontology: rdflib.Graph) -> Report:
    """Validate what a change touches, as it would be after the change."""
    around = neighbourhood(store, change, inverse_paths=follows_inverse_paths(shapes))
    graph, focus = _named_blank_focus(around)
    return validate(graph, shapes, ontology=ontology, focus_nodes=focus)


#: Prefix of the names blank focus nodes get for validation (pyshacl takes IRIs only).
BLANK_FOCUS = "urn:healthkg:bnode:"
#: Prefix of the names of focus IRIs pyshacl would take for prefixed names (CURIEs).
IRI_FOCUS = "urn:healthkg:iri:"
#: The schemes pyshacl takes as IRIs in focus_nodes; it expands anything else as a CURIE
#: (and fails on it), so a focus IRI of another scheme is renamed for validation.
_PYSHACL_SCHEMES = ("http:", "https:", "urn:", "file:")


def _named_blank_focus(around: Neighbourhood) -> tuple[rdflib.Graph, list[rdflib.term.Node]]:
    """pyshacl's focus_nodes must be IRIs of a few schemes: other focus nodes (blank nodes,
    IRIs such as ``mailto:x`` or ``tag:x``) are renamed in the copy."""
    names: dict[rdflib.term.Node, rdflib.term.Node] = {}
    for node in around.focus:
        if isinstance(node, rdflib.BNode):
            names[node] = rdflib.URIRef(BLANK_FOCUS + str(node))
        elif not str(node).lower().startswith(_PYSHACL_SCHEMES):
            names[node] = rdflib.URIRef(IRI_FOCUS + str(node))
    if not names:
        return around.graph, list(around.focus)
    graph = rdflib.Graph()
    for s, p, o in around.graph:
        graph.add((names.get(s, s), p, names.get(o, o)))
    return graph, [names.get(n, n) for n in around.focus]


# --- applying -------------------------------------------------------------------------------

class _Terms:
    """Serialises quads for an update, naming blank nodes through a bound variable."""

    def __init__(self) -> None:
        self.bnodes: dict[str, str] = {}

    def term(self, term: object) -> str:
        if isinstance(term, ox.BlankNode):
            if term.value not in self.bnodes:
                self.bnodes[term.value] = f"?b{len(self.bnodes)}"
            return self.bnodes[term.value]
        return str(term)  # pyoxigraph's canonical N-Triples form, escaped by pyoxigraph

    def quads(self, quads: Iterable[ox.Quad]) -> str:
        lines = []
        for q in sorted(quads, key=str):
            triple = f"{self.term(q.subject)} {self.term(q.predicate)} {self.term(q.object)} ."
            if isinstance(q.graph_name, ox.DefaultGraph):
                lines.append(triple)
            else:
                lines.append(f"GRAPH {self.term(q.graph_name)} {{ {triple} }}")
        return "\n".join(lines)

    def binds(self) -> str:
        return " ".join(f'BIND(<{_BNODE_FN.value}>("{label}") AS {var})'
                        for label, var in self.bnodes.items())


def history_quads(record: ChangeRecord, added: int, removed: int) -> list[ox.Quad]:
    """The PROV-O description of an accepted change, stored in the changes graph."""
    graph = ox.NamedNode(CHANGES_GRAPH)
    change = ox.NamedNode(CHANGE_BASE + record.change_id)
    steward = ox.NamedNode(STEWARD_BASE + record.author)

    def lit(value: str | int, datatype: str = "string") -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + datatype))

    quads: list[tuple[Node, ox.NamedNode, Node | ox.Literal]] = [
        (change, _TYPE, ox.NamedNode(_PROV + "Activity")),
        (change, _TYPE, ox.NamedNode(_RH + "Change")),
        (change, ox.NamedNode(_PROV + "wasAssociatedWith"), steward),
        (change, ox.NamedNode(_PROV + "startedAtTime"), lit(record.time, "dateTime")),
        (change, ox.NamedNode(_RH + "sequence"), lit(record.seq, "integer")),
        (change, ox.NamedNode(_RH + "message"), lit(record.message)),
        (change, ox.NamedNode(_RH + "shapesVersion"), lit(record.shapes_version)),
        (change, ox.NamedNode(_RH + "triplesAdded"), lit(added, "integer")),
        (change, ox.NamedNode(_RH + "triplesRemoved"), lit(removed, "integer")),
        (steward, _TYPE, ox.NamedNode(_PROV + "Agent")),
        (steward, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
         lit(record.author)),
    ]
    if record.reverts:
        quads.append((change, ox.NamedNode(_RH + "reverts"),
                      ox.NamedNode(CHANGE_BASE + record.reverts)))
    return [ox.Quad(s, p, o, graph) for s, p, o in quads]


def apply(store: ox.Store, change: Change, record: ChangeRecord) -> None:
    """Apply a change and its history record in one transaction."""
    terms = _Terms()
    removed = terms.quads(change.removed)
    added = terms.quads([*change.added,
                         *history_quads(record, len(change.added), len(change.removed))])
    text = f"DELETE {{ {removed} }} INSERT {{ {added} }} WHERE {{ {terms.binds()} }}"
    store.update(text, custom_functions={_BNODE_FN: lambda label: ox.BlankNode(label.value)})


def applied_sequence(store: ox.Store) -> int:
    """The sequence number of the last change applied to the store (0 if none)."""
    result = store.query(
        f"SELECT (MAX(?n) AS ?max) WHERE {{ GRAPH <{CHANGES_GRAPH}> {{ ?c <{_RH}sequence> ?n }} }}")
    for row in result:  # type: ignore[union-attr]
        value = row["max"]
        return int(value.value) if value is not None else 0
    return 0


def change_from_record(record: ChangeRecord) -> Change:
    """The change a journal record holds."""
    def parse(text: str) -> frozenset[ox.Quad]:
        return frozenset(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))

    return Change(parse(record.added), parse(record.removed))


def to_nquads(quads: Iterable[ox.Quad]) -> str:
    """Quads as sorted N-Quads text (the journal's form)."""
    return "".join(f"{q} .\n" for q in sorted(quads, key=str))
