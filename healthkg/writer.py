"""The single writer: every change to the graph goes through one gate, one at a time.

Every way to write (SPARQL Update, Graph Store PUT/POST/DELETE, RDF bodies to add and
remove, revert of an earlier change) becomes a ``WriteRequest``. Under one lock the writer
computes the change against the current store (it is the only writer, so the store is a
consistent snapshot), checks ``If-Match``, validates what the change touches with the
project's trusted shapes (never shapes from a payload), and then, unless the request is a
dry run: appends the change to the journal (synced), applies it with its history record in
one transaction, and publishes the new dataset version. Only then is the outcome returned.

An empty change (an update that matches nothing, a PUT of the same triples) writes nothing
and is journaled nowhere: its outcome has no change id and the version does not change.
The history graph is written by the writer alone: a change adding to it is refused, and
removals that reach it (``CLEAR ALL``, ``DROP ALL``) leave it as it is.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from healthkg import gate, report
from healthkg.changes import Change, effective, from_update, parse_rdf
from healthkg.config import Settings
from healthkg.errors import (
    BadRequest,
    Forbidden,
    InputUnreadable,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from healthkg.execution import DEFAULT_PREFIXES as PREFIXES
from healthkg.faults import Faults
from healthkg.journal import ChangeRecord, Journal
from healthkg.store.base import WriteOutcome, WriteRequest
from healthkg.validation import Report

#: The kinds of write a request can be.
KINDS = ("update", "put", "post", "delete", "patch", "revert")

#: Called after a change was applied; returns the new dataset version.
Publish = Callable[[ChangeRecord, int, int], str]


def file_digest(path: Path) -> str:
    """The version of a shapes file: a digest of its bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def version_for(record: ChangeRecord) -> str:
    """The dataset version after a change (the same in every process, across restarts)."""
    return f"w{record.seq}-{record.change_id[:12]}"


def load_graph(paths: list[Path]) -> rdflib.Graph:
    """Read trusted Turtle files (shapes, ontology) into one rdflib graph."""
    graph = rdflib.Graph()
    for path in paths:
        # Bytes, never a str: rdflib would fetch a string as a path or URL.
        graph.parse(data=path.read_bytes(), format="turtle", publicID=path.resolve().as_uri())
    return graph


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _if_match(header: str, version: str) -> bool:
    """True when an If-Match header names the dataset version (any ETag built on it)."""
    for tag in (t.strip() for t in header.split(",")):
        if tag == "*":
            return True
        opaque = tag.removeprefix("W/").strip('"')
        if opaque == version or opaque.startswith(version + "."):
            return True
    return False


def require_version(if_match: str | None, version: str) -> None:
    """Raise 412 when the request's If-Match does not name the dataset's current version."""
    if if_match is not None and not _if_match(if_match, version):
        raise PreconditionFailed(
            f"the dataset changed: it is at version {version}, not the one in "
            "If-Match; fetch it again and redo the change",
            details={"version": version}, headers={"ETag": f'"{version}"'})


def repeated(known: ChangeRecord, version: str) -> WriteOutcome:
    """The outcome of a request sent again with the id of a change already applied."""
    return WriteOutcome(known.change_id, _count(known.added), _count(known.removed), version)


def _has_quads(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, graph)), None) is not None


def _graph_node(iri: str | None) -> ox.NamedNode | ox.DefaultGraph:
    if iri is None:
        return ox.DefaultGraph()
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise BadRequest(f"the graph is not a valid IRI: {iri!r} ({exc})") from exc


def _count(nquads: str) -> int:
    # One quad a line: N-Quads escapes the line breaks of literals.
    return nquads.count("\n")


def _parse_nquads(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))


def body_quads(request: WriteRequest, graph: ox.NamedNode | ox.DefaultGraph, max_nesting: int
               ) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The quads a Graph Store or RDF-body write sends to add, and (patch) to remove."""
    added: list[ox.Quad] = []
    if request.kind in ("put", "post", "patch"):
        bodies = [(request.media_type, request.body)] if request.kind != "post" or \
            not request.parts else list(request.parts)
        for media_type, body in bodies:
            added += parse_rdf(body, media_type, graph=graph, max_nesting=max_nesting,
                               base_iri=request.base_iri)
    removed: list[ox.Quad] = []
    if request.kind == "patch" and request.remove_body:
        removed = parse_rdf(request.remove_body, request.remove_media_type or
                            request.media_type, graph=graph, max_nesting=max_nesting,
                            base_iri=request.base_iri)
    return added, removed


def judge(request: WriteRequest, change: Change, checked: Report, version: str,
          created: bool) -> WriteOutcome | None:
    """The outcome of a dry run, or ValidationFailed for a violating change; None to go on."""
    diff_added, diff_removed = gate.to_nquads(change.added), gate.to_nquads(change.removed)
    if request.dry_run:
        return WriteOutcome(None, len(change.added), len(change.removed), version,
                            created=created, dry_run=True, conforms=checked.conforms,
                            diff_added=diff_added, diff_removed=diff_removed,
                            report=report.to_dict(checked),
                            report_turtle=report.to_turtle(checked))
    if not checked.conforms:
        raise ValidationFailed(
            "the change was not applied: it would leave the graph violating its "
            f"shapes ({report.summary(checked)})",
            details={"report": report.to_dict(checked),
                     "report_turtle": report.to_turtle(checked),
                     "added": diff_added, "removed": diff_removed})
    return None


def new_record(request: WriteRequest, change: Change, seq: int,
               shapes_version: str) -> ChangeRecord:
    """The journal record of an accepted change."""
    return ChangeRecord(
        seq=seq, change_id=request.change_id or uuid.uuid4().hex, time=_now(),
        author=request.author or "unknown", message=request.message,
        shapes_version=shapes_version, added=gate.to_nquads(change.added),
        removed=gate.to_nquads(change.removed),
        reverts=request.reverts if request.kind == "revert" else None)


class Writer:
    """The one writer of a store: computes, checks, journals and applies changes."""

    def __init__(self, store: ox.Store, journal: Journal, shapes: rdflib.Graph,
                 ontology: rdflib.Graph, shapes_version: str, *, publish: Publish,
                 current_version: Callable[[], str], faults: Faults | None = None,
                 max_nesting: int = Settings.max_nesting) -> None:
        self.store = store
        self.journal = journal
        self.shapes = shapes
        self.ontology = ontology
        self.shapes_version = shapes_version
        self.publish = publish
        self.current_version = current_version
        #: Deepest nesting of brackets allowed in an RDF body (see ``healthkg.nesting``).
        self.max_nesting = max_nesting
        #: Held while a change is computed, validated and applied: writers are serialised.
        self.lock = threading.Lock()
        self._seq = 0
        self._history = ox.NamedNode(gate.CHANGES_GRAPH)
        #: Test hook: named points where the engine kills itself (off unless armed).
        self.faults = faults or Faults()

    # -- start-up ------------------------------------------------------------------------

    def replay(self) -> list[ChangeRecord]:
        """Apply journaled changes the store lacks (after a crash); return them."""
        with self.lock:
            self.journal.repair()
            records = self.journal.records()
            applied = gate.applied_sequence(self.store)
            replayed = [r for r in records if r.seq > applied]
            for record in replayed:
                gate.apply(self.store, gate.change_from_record(record), record)
                self.faults.point("during-replay")
            self._seq = max([applied, *(r.seq for r in records)])
            return replayed

    def status(self, change_id: str) -> WriteOutcome | None:
        """The outcome of an accepted change by its id (None if it was never applied)."""
        with self.lock:
            known = self.journal.get(change_id)
            if known is None:
                return None
            return WriteOutcome(known.change_id, _count(known.added), _count(known.removed),
                                self.current_version())

    def record(self, change_id: str) -> ChangeRecord | None:
        """The journal record of an accepted change."""
        return self.journal.get(change_id)

    def changes(self, offset: int, limit: int) -> tuple[int, list[ChangeRecord]]:
        """The number of accepted changes and one page of them, newest first."""
        return self.journal.count(), self.journal.newest(offset, limit)

    def last_record(self) -> ChangeRecord | None:
        """The last accepted change, or None."""
        return self.journal.last()

    # -- writing -------------------------------------------------------------------------

    def write(self, request: WriteRequest) -> WriteOutcome:
        """Carry out one write; raise 400/404/412/422 errors and change nothing on them."""
        if request.kind not in KINDS:
            raise BadRequest(f"unknown kind of write {request.kind!r}")
        with self.lock:
            known = self.journal.get(request.change_id) if request.change_id else None
            if known is not None:  # the same request sent again: it was applied once
                return repeated(known, self.current_version())
            version = self.current_version()
            require_version(request.if_match, version)
            change, created = self._change(request)
            if not request.dry_run:
                self.faults.point("after-parse")
            if change.empty:
                return WriteOutcome(None, 0, 0, version, created=created,
                                    dry_run=request.dry_run)
            checked = gate.check(self.store, change, self.shapes, self.ontology)
            dry = judge(request, change, checked, version, created)
            if dry is not None:
                return dry
            self.faults.point("after-validate")
            record = new_record(request, change, self._seq + 1, self.shapes_version)
            history = self._commit(change, record)
            new_version = self.publish(record, len(change.added) + history,
                                       len(change.removed))
            self.faults.point("before-answer")
            return WriteOutcome(record.change_id, len(change.added), len(change.removed),
                                new_version, created=created)

    def _commit(self, change: Change, record: ChangeRecord) -> int:
        """Journal (synced) then apply; if applying fails, the journal record is withdrawn.

        Returns the number of history quads the change added to the store.
        """
        history = sum(1 for q in gate.history_quads(record, len(change.added),
                                                    len(change.removed)) if q not in self.store)
        self.journal.append(record)
        self.faults.point("after-journal-sync")
        try:
            gate.apply(self.store, change, record)
            self.faults.point("after-commit")
        except BaseException:
            self.journal.withdraw(record)
            raise
        self._seq = record.seq
        return history

    # -- computing changes ---------------------------------------------------------------

    def _change(self, request: WriteRequest) -> tuple[Change, bool]:
        """The change a request makes, and whether its target graph is new."""
        kind = request.kind
        created = False
        if kind == "update":
            change = from_update(self.store, request.text, using_graphs=request.using_graphs,
                                 using_named_graphs=request.using_named_graphs,
                                 base_iri=request.base_iri)
        elif kind == "revert":
            change = self._revert(request.reverts or "")
        else:
            graph = _graph_node(request.graph)
            if graph == self._history:
                raise Forbidden("the history graph is written by the service alone")
            created = not _has_quads(self.store, graph)
            if kind == "delete" and created:
                raise NotFound(f"there is no graph {request.graph or '(default)'} to delete")
            added, removed = body_quads(request, graph, self.max_nesting)
            if kind in ("put", "delete"):
                removed = list(self.store.quads_for_pattern(None, None, None, graph))
            change = effective(self.store, added, removed)
        return self._protect_history(change), created

    def _revert(self, change_id: str) -> Change:
        record = self.journal.get(change_id)
        if record is None:
            raise NotFound(f"there is no change {change_id!r}")
        return effective(self.store, _parse_nquads(record.removed),
                         _parse_nquads(record.added))

    def _protect_history(self, change: Change) -> Change:
        if any(q.graph_name == self._history for q in change.added):
            raise Forbidden("the history graph is written by the service alone; a change "
                            f"may not add to <{gate.CHANGES_GRAPH}>")
        removed = frozenset(q for q in change.removed if q.graph_name != self._history)
        return Change(change.added, removed)


def change_summary(record: ChangeRecord) -> dict[str, Any]:
    """A change as JSON for people and programs (without its quads)."""
    return {"change": record.change_id, "seq": record.seq, "time": record.time,
            "author": record.author, "message": record.message,
            "shapes_version": record.shapes_version, "reverts": record.reverts,
            "added": _count(record.added), "removed": _count(record.removed)}


#: Ontology files whose class hierarchy validation follows (sh:class, sh:targetClass).
ONTOLOGY_FILES = ("healthkg.ttl", "vocabularies.ttl")


def open_writer(settings: Settings, store: ox.Store, journal_dir: Path, *, publish: Publish,
                current_version: Callable[[], str], faults: Faults | None = None) -> Writer:
    """A writer over ``store`` with the project's trusted shapes and ontology."""
    shapes, ontology, shapes_version = load_gate(settings)
    return Writer(store, Journal(journal_dir), shapes, ontology, shapes_version,
                  publish=publish, current_version=current_version, faults=faults,
                  max_nesting=settings.max_nesting)


def load_gate(settings: Settings) -> tuple[rdflib.Graph, rdflib.Graph, str]:
    """The project's trusted shapes, its ontology and the shapes' version."""
    shapes_path = settings.shapes_path
    try:
        shapes = load_graph([shapes_path])
        ontology = load_graph([settings.project_root / "ontology" / name
                               for name in ONTOLOGY_FILES
                               if (settings.project_root / "ontology" / name).exists()])
    except OSError as exc:
        raise InputUnreadable(f"cannot read the shapes or the ontology: {exc}") from exc
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise InputUnreadable(f"{shapes_path}: cannot read the shapes: {exc}") from exc
    return shapes, ontology, file_digest(shapes_path)


def read_graph(store: ox.Store, iri: str | None, media_type: str) -> bytes | None:
    """One graph of the store as ``media_type`` (a triple format); None when it is empty."""
    graph = _graph_node(iri)
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise BadRequest(f"cannot write a graph as {media_type}")
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, graph)]
    if not triples:
        return None
    triples.sort(key=str)
    body: bytes = ox.serialize(triples, format=fmt, prefixes=PREFIXES
                               if fmt == ox.RdfFormat.TURTLE else None) or b""
    return body
