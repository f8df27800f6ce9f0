"""Writes through a remote SPARQL backend: the same gate, journal and history as the embedded store.

Only data can be written: SPARQL Updates made only of ``INSERT DATA`` or only of ``DELETE
DATA`` operations, RDF bodies to add and remove (``/changes``, ``/validate``), Graph Store
PUT/POST/DELETE, and revert. An update with a WHERE clause (``DELETE/INSERT WHERE``,
``CLEAR``, ``DROP``, ``COPY``, ``MOVE``, ``ADD``) would be evaluated by the backend against a
state the gate never saw, so it is refused (501). Blank nodes of the backend cannot be named
from outside it, so a change that would remove a blank node is refused too.

For each write, under a lock (a thread lock and a file lock on the journal directory, so the
workers of one server take turns): the dataset version is read from the backend and compared
with ``If-Match``; the change's candidate quads are asked of the backend (a ``VALUES`` query
built from pyoxigraph's serialisation of the parsed terms, never from request text) to keep
those that really change; the neighbourhood the gate validates (``healthkg.gate``: quads
about the touched nodes, the nodes pointing at them, and one more hop) is fetched into a
scratch in-memory store on which ``gate.check`` runs; the record is appended to the local
journal (synced); and one SPARQL Update (``DELETE DATA`` then ``INSERT DATA``) sends the
change, its history record and the new dataset version (``owl:versionInfo`` in the graph
``id/graph/service``) to the update endpoint. Several healthkg servers writing to one backend
at once would need the backend's own transactions or locks; that is not provided.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pyoxigraph as ox

from healthkg import gate
from healthkg.changes import Change, data_quads, from_update
from healthkg.config import BASE_IRI, Settings
from healthkg.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    NotImplementedHere,
)
from healthkg.journal import ChangeRecord, Journal
from healthkg.store.base import WriteOutcome, WriteRequest
from healthkg.writer import (
    KINDS,
    _graph_node,
    _parse_nquads,
    body_quads,
    judge,
    load_gate,
    new_record,
    repeated,
    require_version,
    version_for,
)

#: Candidate quads or nodes sent in one VALUES query.
BATCH = 400
LOCK_FILE = "remote-writer.lock"
_RH = BASE_IRI + "def#"
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

Select = Callable[[str], list[dict[str, Any]]]
Term = Callable[[dict[str, Any]], Any]


def _has_blank(quad: ox.Quad) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name))


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]


def data_block(quads: Iterable[ox.Quad]) -> str:
    """Quads as the body of INSERT DATA / DELETE DATA (terms written by pyoxigraph)."""
    lines = []
    for q in sorted(quads, key=str):
        triple = f"{q.subject} {q.predicate} {q.object} ."
        lines.append(triple if isinstance(q.graph_name, ox.DefaultGraph)
                     else f"GRAPH {q.graph_name} {{ {triple} }}")
    return "\n".join(lines)


class RemoteWriter:
    """Computes, checks, journals and applies changes to a remote SPARQL backend."""

    def __init__(self, settings: Settings, *, select: Select, update: Callable[[str], None],
                 term: Term, backend: str, service_graph: str, version_predicate: str) -> None:
        self.settings = settings
        self.select = select
        self.update = update
        self.term = term
        self.backend = backend
        self.service_graph = ox.NamedNode(service_graph)
        self.version_predicate = ox.NamedNode(version_predicate)
        self.shapes, self.ontology, self.shapes_version = load_gate(settings)
        self.inverse_paths = gate.follows_inverse_paths(self.shapes)
        self.journal = Journal(settings.journal_path)
        self._history = ox.NamedNode(gate.CHANGES_GRAPH)
        self._lock = threading.Lock()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time in this process and among the workers sharing the journal."""
        with self._lock:
            self.journal.directory.mkdir(parents=True, exist_ok=True)
            with (self.journal.directory / LOCK_FILE).open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def replay(self) -> ChangeRecord | None:
        """Send the last journaled change again if the backend lacks it (after a crash).

        Writers take turns and each change is applied before the next is journaled, so only
        the last record can be missing; its update is one request, so a change whose history
        record the backend lacks was not applied at all.
        """
        with self._locked():
            self.journal.repair()
            last = self.journal.last()
            if last is None:
                return None
            change = ox.NamedNode(gate.CHANGE_BASE + last.change_id)
            if self.select(f"SELECT ?p WHERE {{ GRAPH <{gate.CHANGES_GRAPH}> {{ "
                           f"{change} ?p ?o }} }} LIMIT 1"):
                return None
            self.update(self._update_text(gate.change_from_record(last), last,
                                          self._version_quads(), version_for(last)))
            return last

    # -- history -------------------------------------------------------------------------

    def changes(self, offset: int, limit: int) -> tuple[int, list[ChangeRecord]]:
        """The number of changes made through this server and one page, newest first."""
        return self.journal.count(), self.journal.newest(offset, limit)

    def record(self, change_id: str) -> ChangeRecord | None:
        """One change made through this server."""
        return self.journal.get(change_id)

    # -- the backend ---------------------------------------------------------------------

    def _rows_as_quads(self, rows: list[dict[str, Any]]) -> set[ox.Quad]:
        return {ox.Quad(self.term(r["s"]), self.term(r["p"]), self.term(r["o"]),
                        self.term(r["g"]) if "g" in r else ox.DefaultGraph()) for r in rows}

    def _version_quads(self) -> list[ox.Quad]:
        rows = self.select(f"SELECT ?s ?v WHERE {{ GRAPH {self.service_graph} {{ "
                           f"?s {self.version_predicate} ?v }} }}")
        return [ox.Quad(self.term(r["s"]), self.version_predicate, self.term(r["v"]),
                        self.service_graph) for r in rows]

    def _version(self, quads: list[ox.Quad]) -> str:
        """The version as ``RemoteStore.version`` names it."""
        values = sorted(q.object.value for q in quads if isinstance(q.object, ox.Literal))
        return f"{self.backend}-{values[-1]}" if values else f"{self.backend}-0"

    def _present(self, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
        """Which of the quads the backend holds (quads with blank nodes are never found)."""
        named = [q for q in quads if not _has_blank(q)
                 and not isinstance(q.graph_name, ox.DefaultGraph)]
        default = [q for q in quads if not _has_blank(q)
                   and isinstance(q.graph_name, ox.DefaultGraph)]
        found: set[ox.Quad] = set()
        for chunk in _chunks(named):
            rows = " ".join(f"({q.subject} {q.predicate} {q.object} {q.graph_name})"
                            for q in chunk)
            found |= self._rows_as_quads(self.select(
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o ?g) {{ {rows} }} "
                "GRAPH ?g { ?s ?p ?o } }"))
        for chunk in _chunks(default):
            rows = " ".join(f"({q.subject} {q.predicate} {q.object})" for q in chunk)
            found |= self._rows_as_quads(self.select(
                f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} ?s ?p ?o }}"))
        return found & set(quads)

    def _effective(self, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> Change:
        """``changes.effective`` against the backend."""
        added, removed = frozenset(added), frozenset(removed)
        if any(_has_blank(q) for q in removed):
            raise NotImplementedHere(
                "this change removes triples with blank nodes; a remote SPARQL backend's blank "
                "nodes cannot be named from outside it, so such removals are not available "
                "(give the nodes IRIs, or change them with the backend's own tools)")
        present = self._present(added | removed)
        remove = frozenset(q for q in removed if q in present) - added
        return Change(frozenset(q for q in added if q not in present) - remove, remove)

    def _about(self, nodes: Iterable[Any], position: str) -> set[ox.Quad]:
        """Quads with one of ``nodes`` as subject (``?s``) or object (``?o``), in any graph."""
        named = sorted((n for n in nodes if isinstance(n, ox.NamedNode)), key=str)
        found: set[ox.Quad] = set()
        for chunk in _chunks(named):
            values = " ".join(str(n) for n in chunk)
            found |= self._rows_as_quads(self.select(
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES {position} {{ {values} }} "
                "{ GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }"))
        return found

    def _scratch(self, change: Change) -> ox.Store:
        """What ``gate.neighbourhood`` reads of the store, copied from the backend."""
        scratch = ox.Store()
        touched = change.touched_nodes()
        described = {q.subject for q in change.added | change.removed}
        inward = touched if self.inverse_paths else touched & described
        scratch.extend(self._about(inward, "?o"))
        focus: set[Any] = set(touched)
        for node in inward:
            focus |= {q.subject for q in gate.after(scratch, change, obj=node)
                      if q.predicate != _TYPE}
        scratch.extend(self._about(focus, "?s"))
        reached = {q.object for node in focus for q in gate.after(scratch, change, subject=node)
                   if isinstance(q.object, ox.NamedNode) and q.predicate != _TYPE}
        scratch.extend(self._about(reached - focus, "?s"))
        return scratch

    def _graph_quads(self, graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
        if isinstance(graph, ox.DefaultGraph):
            rows = self.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
        else:
            rows = self.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        return [ox.Quad(self.term(r["s"]), self.term(r["p"]), self.term(r["o"]), graph)
                for r in rows]

    def _graph_empty(self, graph: ox.NamedNode | ox.DefaultGraph) -> bool:
        pattern = ("?s ?p ?o" if isinstance(graph, ox.DefaultGraph)
                   else f"GRAPH {graph} {{ ?s ?p ?o }}")
        return not self.select(f"SELECT ?s WHERE {{ {pattern} }} LIMIT 1")

    # -- writing -------------------------------------------------------------------------

    def quads_matching(self, s: Any, p: Any, o: Any, g: Any) -> set[ox.Quad]:
        """Quads of the backend matching a pattern (None: any; g None: every graph)."""
        terms = [(var, t) for var, t in (("?s", s), ("?p", p), ("?o", o)) if t is not None]
        if any(isinstance(t, ox.BlankNode) for _, t in terms):
            return set()  # the backend's blank nodes cannot be named in a query
        values = "".join(f"VALUES {var} {{ {t} }} " for var, t in terms)
        if g is None:
            pattern = "{ GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o }"
        elif isinstance(g, ox.DefaultGraph):
            pattern = "?s ?p ?o"
        else:
            values += f"VALUES ?g {{ {g} }} "
            pattern = "GRAPH ?g { ?s ?p ?o }"
        return self._rows_as_quads(self.select(
            f"SELECT ?s ?p ?o ?g WHERE {{ {values}{pattern} }}"))

    def graph_names(self) -> list[ox.NamedNode]:
        """The named graphs the backend holds."""
        return [self.term(r["g"]) for r in
                self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")]

    def write(self, request: WriteRequest) -> WriteOutcome:
        """Carry out one write; raise 400/404/412/422/501 errors and change nothing on them."""
        if request.kind not in KINDS:
            raise BadRequest(f"unknown kind of write {request.kind!r}")
        with self._locked():
            if request.change_id:
                known = self.record(request.change_id)
                if known is not None:  # the same request sent again: it was applied once
                    return repeated(known, self._version(self._version_quads()))
            version_quads = self._version_quads()
            version = self._version(version_quads)
            require_version(request.if_match, version)
            change, created = self._change(request)
            if change.empty:
                return WriteOutcome(None, 0, 0, version, created=created,
                                    dry_run=request.dry_run)
            checked = gate.check(self._scratch(change), change, self.shapes, self.ontology)
            dry = judge(request, change, checked, version, created)
            if dry is not None:
                return dry
            record = new_record(request, change, self._sequence() + 1, self.shapes_version)
            new_value = version_for(record)
            self._commit(change, record, version_quads, new_value)
            return WriteOutcome(record.change_id, len(change.added), len(change.removed),
                                f"{self.backend}-{new_value}", created=created)

    def _sequence(self) -> int:
        rows = self.select(f"SELECT (MAX(?n) AS ?max) WHERE {{ GRAPH <{gate.CHANGES_GRAPH}> "
                           f"{{ ?c <{_RH}sequence> ?n }} }}")
        value = rows[0].get("max") if rows else None
        journaled = self.journal.last_seq()
        return max(int(value["value"]) if value else 0, journaled)

    def _update_text(self, change: Change, record: ChangeRecord, version_quads: list[ox.Quad],
                     new_value: str) -> str:
        """The one update applying a change, its history record and the new version."""
        history = gate.history_quads(record, len(change.added), len(change.removed))
        bump = ox.Quad(self.service_graph, self.version_predicate, ox.Literal(new_value),
                       self.service_graph)
        return (f"DELETE DATA {{ {data_block([*change.removed, *version_quads])} }} ;\n"
                f"INSERT DATA {{ {data_block([*change.added, *history, bump])} }}")

    def _commit(self, change: Change, record: ChangeRecord, version_quads: list[ox.Quad],
                new_value: str) -> None:
        """Journal (synced), then send one update; if it fails, withdraw the journal record."""
        text = self._update_text(change, record, version_quads, new_value)
        self.journal.append(record)
        try:
            self.update(text)
        except BaseException:
            self.journal.withdraw(record)
            raise

    # -- computing changes ---------------------------------------------------------------

    def _change(self, request: WriteRequest) -> tuple[Change, bool]:
        kind = request.kind
        created = False
        if kind == "update":
            change = self._update(request)
        elif kind == "revert":
            record = self.record(request.reverts or "")
            if record is None:
                raise NotFound(f"there is no change {request.reverts!r}")
            change = self._effective(_parse_nquads(record.removed),
                                     _parse_nquads(record.added))
        else:
            graph = _graph_node(request.graph)
            if graph == self._history:
                raise Forbidden("the history graph is written by the service alone")
            existing = self._graph_quads(graph) if kind in ("put", "delete") else []
            created = not existing if kind in ("put", "delete") else self._graph_empty(graph)
            if kind == "delete" and created:
                raise NotFound(f"there is no graph {request.graph or '(default)'} to delete")
            added, removed = body_quads(request, graph, self.settings.max_nesting)
            if kind in ("put", "delete"):
                removed = existing
            change = self._effective(added, removed)
        if any(q.graph_name == self._history for q in change.added):
            raise Forbidden("the history graph is written by the service alone; a change "
                            f"may not add to <{gate.CHANGES_GRAPH}>")
        return Change(change.added, frozenset(q for q in change.removed
                                              if q.graph_name != self._history)), created

    def _update(self, request: WriteRequest) -> Change:
        found = None if request.using_graphs or request.using_named_graphs else \
            data_quads(request.text, request.base_iri)
        if found is None:
            # An update with a WHERE clause (or CLEAR, DROP...): evaluated over an overlay
            # whose reads are answered by the backend, so nothing is written before the gate.
            change = from_update(_BackendQuads(self), request.text,
                                 using_graphs=request.using_graphs,
                                 using_named_graphs=request.using_named_graphs,
                                 base_iri=request.base_iri)
            if any(_has_blank(q) for q in change.removed):
                raise NotImplementedHere(
                    "this update would remove blank nodes, which a remote SPARQL backend "
                    "cannot address; the backend is unchanged")
            return change
        verb, quads = found
        if verb == "DELETE":
            if any(_has_blank(q) for q in quads):
                raise BadRequest("blank nodes are not allowed in DELETE DATA")
            return self._effective((), quads)
        # Blank nodes written by the update's text are new nodes.
        fresh: dict[str, ox.BlankNode] = {}

        def node(term: Any) -> Any:
            if isinstance(term, ox.BlankNode):
                return fresh.setdefault(term.value, ox.BlankNode())
            return term

        return self._effective([ox.Quad(node(q.subject), q.predicate, node(q.object),
                                        q.graph_name) for q in quads], ())


class _BackendQuads:
    """What the update overlay of ``healthkg.changes`` reads, answered by the backend.

    Quads it has returned are remembered, so that the overlay's membership tests on them
    cost no further request.
    """

    def __init__(self, writer: RemoteWriter) -> None:
        self.writer = writer
        self.seen: set[ox.Quad] = set()

    def quads_for_pattern(self, s: Any, p: Any, o: Any, g: Any = None) -> Iterator[ox.Quad]:
        """Quads of the backend matching the pattern."""
        found = self.writer.quads_matching(s, p, o, g)
        self.seen |= found
        return iter(found)

    def __contains__(self, quad: ox.Quad) -> bool:
        return quad in self.seen or bool(self.writer._present([quad]))

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """The backend's named graphs."""
        return iter(self.writer.graph_names())
