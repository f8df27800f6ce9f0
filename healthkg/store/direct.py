"""An in-process store over a pyoxigraph Store (in memory or on disk).

It serves the CLI (``healthkg query``) and tests that drive the Flask app in-process.
Deadlines are NOT enforced here: pyoxigraph cannot be interrupted from Python, so a
runaway query runs to its end. The production server uses the engine backend
(``healthkg.store.engine``), which kills its engine process at the deadline.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph

from healthkg import dataset, dump
from healthkg.config import Settings
from healthkg.execution import execute
from healthkg.journal import ChangeRecord
from healthkg.store.base import QueryOutcome, QueryRequest, WriteOutcome, WriteRequest

if TYPE_CHECKING:  # the writer (pyshacl) is imported on the first write only
    from healthkg.writer import Writer


class DirectStore:
    """The Store interface in-process; no deadlines (see the module's docstring)."""

    def __init__(self, settings: Settings, *, paths: Sequence[Path] | None = None,
                 journal_dir: Path | None = None) -> None:
        """Open the store the settings name (memory or on disk); load it when it is empty.

        ``paths`` are the RDF files loaded into an empty store (default:
        ``settings.data_paths``, the project's ontology/ and data/). The journal of writes
        is ``journal_dir``, by default the settings' journal for an on-disk store and a
        temporary directory (removed by ``close``) for an in-memory one.
        """
        self.settings = settings
        self._temporary_journal: Path | None = None
        if journal_dir is None and settings.memory:
            journal_dir = self._temporary_journal = Path(tempfile.mkdtemp(prefix="healthkg-"))
        self.journal_dir = journal_dir or settings.journal_path
        self._writer: Writer | None = None
        if settings.memory:
            self._store = pyoxigraph.Store()
        else:
            location = Path(settings.store)
            if not location.is_absolute():
                location = settings.project_root / location
            location.mkdir(parents=True, exist_ok=True)
            self._store = pyoxigraph.Store(str(location))
        self._lock = threading.Lock()
        # A fresh token at each opening: another program may have changed an on-disk
        # store between two openings, so versions never carry over.
        self._token = uuid.uuid4().hex[:12]
        self._generation = 0
        if self._is_empty():
            dataset.load_into(self._store, settings.data_paths if paths is None else paths)
        if (self.journal_dir / "journal.log").exists():
            self.writer()  # replays what a crash left in the journal but not in the store

    def _is_empty(self) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, None)), None) is None

    @property
    def pyoxigraph_store(self) -> pyoxigraph.Store:
        """The underlying pyoxigraph store (for loaders and tests)."""
        return self._store

    def query(self, request: QueryRequest, *, timeout: float) -> QueryOutcome:
        """Answer a read query; ``timeout`` is not enforced in-process (see the module)."""
        return execute(self._store, request, max_rows=self.settings.max_rows,
                       version=self.version(), allow_service=self.settings.allow_service)

    def update(self, text: str) -> None:
        """Apply a SPARQL Update atomically and change the version."""
        with self._lock:
            self._store.update(text)
            self._generation += 1

    def load_nquads(self, payload: bytes) -> None:
        """Add N-Quads atomically and change the version."""
        with self._lock:
            self._store.load(payload, format=pyoxigraph.RdfFormat.N_QUADS)
            self._generation += 1

    def writer(self) -> Writer:
        """The writer of this store (created on first use, replaying the journal)."""
        with self._lock:
            if self._writer is None:
                from healthkg.writer import open_writer

                self._writer = open_writer(self.settings, self._store, self.journal_dir,
                                           publish=self._published,
                                           current_version=self.version)
                if self._writer.replay():
                    self._generation += 1
            return self._writer

    def _published(self, record: ChangeRecord, added: int, removed: int) -> str:
        self._generation += 1
        return self.version()

    def write(self, request: WriteRequest) -> WriteOutcome:
        """Carry out a write through the gate (see ``healthkg.writer``)."""
        return self.writer().write(request)

    def read_graph(self, graph: str | None, media_type: str) -> bytes | None:
        """One graph (None: the default graph) as ``media_type``; None when it is empty."""
        from healthkg.writer import read_graph

        return read_graph(self._store, graph, media_type)

    def changes(self, offset: int, limit: int) -> tuple[int, list[ChangeRecord]]:
        """The number of accepted changes and one page of them, newest first."""
        return self.writer().changes(offset, limit)

    def change(self, change_id: str) -> ChangeRecord | None:
        """One accepted change, with its quads."""
        return self.writer().record(change_id)

    def dump(self, media_type: str) -> bytes:
        """Every quad, sorted, as ``media_type`` (Turtle, TriG, N-Quads or JSON-LD)."""
        return dump.serialise(self._store.quads_for_pattern(None, None, None, None),
                              media_type)

    def version(self) -> str:
        """The dataset version: this opening's token and the number of changes since."""
        return f"{self._token}-{self._generation}"

    def stats(self) -> dict[str, int]:
        """Counts of quads and named graphs."""
        return {"quads": len(self._store),
                "graphs": sum(1 for _ in self._store.named_graphs())}

    def close(self) -> None:
        """Flush the store to disk (when on disk)."""
        with contextlib.suppress(OSError):  # in-memory stores have nothing to flush
            self._store.flush()
        # The writer refers back to this store: drop it, so that the on-disk store (and its
        # lock) is released as soon as the caller lets go.
        self._writer = None
        if self._temporary_journal is not None:
            shutil.rmtree(self._temporary_journal, ignore_errors=True)
