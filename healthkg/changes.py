"""Changes to the graph: the quads a write adds and removes, computed before anything is written.

Every way to write (SPARQL Update, Graph Store PUT/POST/DELETE, RDF bodies to add and remove)
is turned into a ``Change`` against a consistent view of the store; the gate validates the
change and only then applies it. SPARQL Update is evaluated by rdflib over an overlay of the
pyoxigraph store that records additions and removals instead of writing them, so a
multi-operation update sees its own earlier operations and the store is untouched until the
gate accepts. rdflib's SPARQL parser is not thread-safe: callers serialise writes (there is
one writer).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import defusedxml.ElementTree
import pyoxigraph as ox
import rdflib
import rdflib.plugins.sparql
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, Graph
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Update
from rdflib.plugins.sparql.update import evalUpdate
from rdflib.store import Store as RdflibStore
from rdflib.term import BNode, Literal, Node, URIRef

from healthkg import nesting
from healthkg.errors import BadRequest, UnsupportedMediaType
from healthkg.safety import _TOKEN as SPARQL_TOKEN

#: Media types of RDF bodies a write takes, with pyoxigraph's parser for each.
RDF_MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


class QuadSource(Protocol):
    """The reads a change is computed with: a pyoxigraph Store, or a remote backend's."""

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,
                          graph_name: Any = None, /) -> Iterator[ox.Quad]:
        """Quads matching a pattern (None matches anything)."""
        ...

    def __contains__(self, quad: Any, /) -> bool:
        """Whether the quad is held."""
        ...

    def named_graphs(self) -> Iterator[Any]:
        """The named graphs held."""
        ...


@dataclass(frozen=True)
class Change:
    """Quads to add and to remove; never both the same quad."""

    added: frozenset[ox.Quad]
    removed: frozenset[ox.Quad]

    @property
    def empty(self) -> bool:
        """True when the change would change nothing."""
        return not self.added and not self.removed

    def touched_nodes(self) -> set[ox.NamedNode | ox.BlankNode]:
        """Subjects and node objects of changed quads: what validation must look at."""
        nodes: set[ox.NamedNode | ox.BlankNode] = set()
        for quad in self.added | self.removed:
            nodes.add(quad.subject)  # type: ignore[arg-type]
            if isinstance(quad.object, ox.NamedNode | ox.BlankNode):
                nodes.add(quad.object)
        return nodes


def effective(store: QuadSource, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> Change:
    """Keep only what really changes: added quads absent from the store, removed ones present."""
    added = frozenset(added)
    add = frozenset(q for q in added if q not in store)
    # A quad both removed and added (a PUT that keeps a triple) stays: it is not removed.
    remove = frozenset(q for q in removed if q in store) - added
    return Change(add - remove, remove)


def _freshen(quads: Iterable[ox.Quad], store: QuadSource | None = None) -> list[ox.Quad]:
    """Give document-scoped blank nodes fresh labels; keep those the store already holds."""
    mapping: dict[str, ox.BlankNode] = {}

    def fresh(term: Any) -> Any:
        if not isinstance(term, ox.BlankNode):
            return term
        if term.value not in mapping:
            known = store is not None and (
                next(iter(store.quads_for_pattern(term, None, None)), None) is not None
                or next(iter(store.quads_for_pattern(None, None, term)), None) is not None)
            mapping[term.value] = term if known else ox.BlankNode()
        return mapping[term.value]

    return [ox.Quad(fresh(q.subject), q.predicate, fresh(q.object), fresh(q.graph_name))
            for q in quads]


def parse_rdf(body: bytes, media_type: str, *, graph: ox.NamedNode | ox.DefaultGraph,
              max_nesting: int, base_iri: str | None = None) -> list[ox.Quad]:
    """Parse an RDF body; triple formats go into ``graph``. Raises BadRequest/415."""
    fmt = RDF_MEDIA_TYPES.get(media_type)
    if fmt is None:
        raise UnsupportedMediaType(
            f"cannot read {media_type or 'a body without Content-Type'}; send one of: "
            + ", ".join(sorted(RDF_MEDIA_TYPES)))
    nesting.check(body, fmt, media_type, max_nesting)
    if fmt == ox.RdfFormat.RDF_XML:
        _refuse_xml_dtd(body)
    try:
        # pyoxigraph's JSON-LD parser refuses remote @context documents (no loader is set).
        quads = ox.parse(body, format=fmt, base_iri=base_iri,
                         without_named_graphs=not fmt.supports_datasets)
        # Blank node labels are scoped to the document: a body's _:x is a new node.
        return _freshen(ox.Quad(q.subject, q.predicate, q.object, graph)
                        if isinstance(q.graph_name, ox.DefaultGraph) else q for q in quads)
    except SyntaxError as exc:
        raise BadRequest(f"{media_type} body does not parse: {exc}") from exc
    except ValueError as exc:
        raise BadRequest(f"{media_type} body is not valid: {exc}") from exc


def _refuse_xml_dtd(body: bytes) -> None:
    try:
        defusedxml.ElementTree.fromstring(body, forbid_dtd=True, forbid_entities=True,
                                          forbid_external=True)
    except defusedxml.DTDForbidden as exc:
        raise BadRequest("RDF/XML with a DTD is refused (entities are a denial-of-service "
                         "risk); remove the <!DOCTYPE> declaration") from exc
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise BadRequest("RDF/XML with entity declarations is refused") from exc
    except Exception as exc:  # ParseError and friends: report as bad syntax
        raise BadRequest(f"application/rdf+xml body does not parse: {exc}") from exc


# --- SPARQL Update -----------------------------------------------------------------------

def _to_ox(term: Node) -> Any:
    if isinstance(term, URIRef):
        if term == DATASET_DEFAULT_GRAPH_ID:
            return ox.DefaultGraph()
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise BadRequest(f"unsupported term in update: {term!r}")


def _to_rdflib(term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.DefaultGraph):
        return DATASET_DEFAULT_GRAPH_ID
    raise BadRequest(f"unsupported term in store: {term!r}")


class _Overlay(RdflibStore):
    """An rdflib store reading through to pyoxigraph and recording writes instead of making them."""

    context_aware = True
    graph_aware = True
    formula_aware = False
    transaction_aware = False

    def __init__(self, base: QuadSource) -> None:
        super().__init__()
        self.base = base
        self.added: set[ox.Quad] = set()
        self.removed: set[ox.Quad] = set()
        self.graphs: set[Any] = set()
        #: The named graphs GRAPH ?g may see (using-named-graph-uri); None: all of them.
        self.visible: set[Any] | None = None

    def _graph_of(self, context: Any) -> Any:
        """The graph to read: the default graph reads as the union of all graphs."""
        graph = self._write_graph(context)
        return None if isinstance(graph, ox.DefaultGraph) else graph

    @staticmethod
    def _write_graph(context: Any) -> Any:
        if context is None:
            return ox.DefaultGraph()
        identifier = context.identifier if isinstance(context, Graph) else context
        return _to_ox(identifier)

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        s, p, o = triple
        quad = ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), self._write_graph(context))
        self.removed.discard(quad)
        if quad not in self.base:
            self.added.add(quad)

    def remove(self, triple: Any, context: Any = None) -> None:
        for quad in list(self._match(triple, self._graph_of(context))):
            if quad in self.added:
                self.added.discard(quad)
            else:
                self.removed.add(quad)

    def _match(self, triple: Any, graph: Any) -> Iterator[ox.Quad]:
        s, p, o = (None if t is None or not isinstance(t, Node) or
                   isinstance(t, rdflib.Variable) else _to_ox(t) for t in triple)
        for quad in self.base.quads_for_pattern(s, p, o, graph):
            if quad not in self.removed:
                yield quad
        for quad in list(self.added):
            if ((s is None or quad.subject == s) and (p is None or quad.predicate == p)
                    and (o is None or quad.object == o)
                    and (graph is None or quad.graph_name == graph)):
                yield quad

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:
        graph = self._graph_of(context)
        for quad in self._match(triple_pattern, graph):
            ctx = Graph(store=self, identifier=_to_rdflib(quad.graph_name))
            yield (_to_rdflib(quad.subject), _to_rdflib(quad.predicate),
                   _to_rdflib(quad.object)), iter([ctx])

    def __len__(self, context: Any = None) -> int:
        return sum(1 for _ in self._match((None, None, None), self._graph_of(context)))

    def contexts(self, triple: Any = None) -> Generator[Graph, None, None]:
        names = {_to_rdflib(g) for g in self.base.named_graphs()} | self.graphs
        names |= {_to_rdflib(q.graph_name) for q in self.added}
        if self.visible is not None:
            names &= self.visible
        for name in sorted(names, key=str):
            graph = Graph(store=self, identifier=name)
            if triple is None or any(True for _ in self.triples(triple, graph)):
                yield graph

    def add_graph(self, graph: Graph) -> None:
        self.graphs.add(graph.identifier)

    def remove_graph(self, graph: Graph) -> None:
        self.remove((None, None, None), graph)
        self.graphs.discard(graph.identifier)


class _UpdateDataset(rdflib.Dataset):
    """A Dataset whose ``+=`` takes triples too (INSERT DATA into the default graph)."""

    def __iadd__(self, other: Any) -> _UpdateDataset:  # type: ignore[misc]
        # rdflib's own Dataset expects quads here and fails on triples (rdflib#2019).
        for item in other:
            if len(item) == 3:
                self.default_graph.add(item)
            else:
                self.add(item)
        return self


def _data_operations(text: str) -> tuple[str, list[int]] | None:
    """('INSERT' or 'DELETE', offsets of those keywords) when the update is only INSERT DATA
    or only DELETE DATA operations; None otherwise."""
    depth = 0
    words: list[tuple[str, int]] = []
    previous = ""
    for match in SPARQL_TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "other":
            depth += (value in "([{") - (value in ")]}")
        elif kind == "word" and depth == 0:
            if previous != "PREFIX":
                words.append((value.upper(), match.start()))
            previous = value.upper()
        elif kind == "iri" and depth == 0:
            previous = ""
    names = [w for w, _ in words]
    verbs = {w for w in names if w in ("INSERT", "DELETE")}
    if len(verbs) != 1 or not set(names) <= {"PREFIX", "BASE", "INSERT", "DELETE", "DATA"}:
        return None
    verb = verbs.pop()
    offsets = [at for w, at in words if w == verb]
    if names.count("DATA") != len(offsets) or any(
            w == verb and (i + 1 >= len(names) or names[i + 1] != "DATA")
            for i, w in enumerate(names)):
        return None
    return verb, offsets


def data_quads(text: str, base_iri: str | None) -> tuple[str, list[ox.Quad]] | None:
    """('INSERT' or 'DELETE', the quads) of an update made only of INSERT DATA or only of
    DELETE DATA operations, parsed by pyoxigraph; None when the update is anything else or
    does not parse (blank nodes keep the labels of the text)."""
    found = _data_operations(text)
    if found is None:
        return None
    verb, offsets = found
    if verb == "DELETE":
        # The same data blocks, collected by an INSERT DATA into an empty scratch store
        # (each DELETE keyword is replaced where the tokenizer found it, never in a string).
        for at in reversed(offsets):
            text = text[:at] + "INSERT" + text[at + len("DELETE"):]
    scratch = ox.Store()
    try:
        scratch.update(text, base_iri=base_iri)
    except (SyntaxError, ValueError, OSError):
        return None
    return verb, list(scratch.quads_for_pattern(None, None, None, None))


def _data_change(store: QuadSource, text: str, base_iri: str | None) -> Change | None:
    """The change of an update made only of INSERT DATA or only of DELETE DATA operations,
    parsed by pyoxigraph (rdflib's parser takes seconds for a large INSERT DATA); None when
    the update is anything else, or for rdflib to report its errors."""
    found = data_quads(text, base_iri)
    if found is None:
        return None
    verb, quads = found
    if verb == "DELETE":
        if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
            return None  # blank nodes are not allowed in DELETE DATA: rdflib says so
        return effective(store, (), quads)
    return effective(store, _freshen(quads, None), ())


def from_update(store: QuadSource, text: str, *, using_graphs: Iterable[str] = (),
                using_named_graphs: Iterable[str] = (), base_iri: str | None = None) -> Change:
    """Compute the change a SPARQL 1.1 Update would make, without writing anything."""
    fast = _data_change(store, text, base_iri)
    if fast is not None:
        return fast
    try:
        parsed = translateUpdate(parseUpdate(text), base=base_iri)
    except Exception as exc:  # pyparsing's ParseException names line and column
        raise BadRequest(f"malformed update: {exc}") from exc
    if not getattr(parsed, "algebra", None):
        # An update without operations (empty, or only a prologue or comments) is valid
        # SPARQL and changes nothing; rdflib returns a bare list for it.
        return Change(frozenset(), frozenset())
    for operation in parsed.algebra:
        if operation.name == "Load":
            raise BadRequest("LOAD is refused: the service makes no outbound requests; "
                             "send the data in the body instead")
        if operation.name == "DeleteWhere" and any(
                isinstance(g, rdflib.Variable) for g in (operation.quads or {})):
            raise BadRequest("DELETE WHERE with GRAPH ?variable is not supported; write it "
                             "as DELETE { GRAPH ?g { ... } } WHERE { GRAPH ?g { ... } }")
    if _mentions(parsed.algebra, "ServiceGraphPattern"):
        raise BadRequest("SERVICE is refused in updates: the service makes no outbound "
                         "requests")
    using_named_graphs = list(using_named_graphs)
    using = [CompValue("UsingClause", default=URIRef(g)) for g in using_graphs]
    using += [CompValue("UsingClause", named=URIRef(g)) for g in using_named_graphs]
    if using:
        for operation in parsed.algebra:
            if operation.name != "Modify":
                continue
            if operation.using or operation.withClause:
                # SPARQL 1.1 Protocol, 2.2.3: the parameters and the clauses exclude each other.
                raise BadRequest("using-graph-uri/using-named-graph-uri may not be combined "
                                 "with USING, USING NAMED or WITH in the update")
            operation["using"] = using
    # Never fetch USING/FROM graphs from the web: a graph not in the store is empty.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    overlay = _Overlay(store)
    dataset = _UpdateDataset(store=overlay, default_union=True)
    try:
        # One operation at a time, each seeing its own dataset: rdflib lets GRAPH ?g see
        # every graph despite USING NAMED, but an operation with USING or USING NAMED (in
        # its text or from the protocol's parameters) has exactly the named graphs of its
        # USING NAMED clauses (none if it has only USING).
        for operation in parsed.algebra:
            clauses = operation["using"] if operation.name == "Modify" and \
                "using" in operation and operation["using"] else None
            overlay.visible = None if clauses is None else \
                {URIRef(c["named"]) for c in clauses if "named" in c}
            evalUpdate(dataset, Update(parsed.prologue, [operation]))
    except BadRequest:
        raise
    except Exception as exc:
        raise BadRequest(f"update failed: {exc}") from exc
    # Blank nodes written by the update's text are new nodes; those matched in the store stay.
    return effective(store, _freshen(overlay.added, store), overlay.removed)


def _mentions(node: Any, name: str) -> bool:
    """True if a parsed SPARQL tree contains a part called ``name``."""
    if isinstance(node, CompValue):
        return node.name == name or any(_mentions(v, name) for v in node.values())
    if isinstance(node, list | tuple):
        return any(_mentions(v, name) for v in node)
    return False
