"""The engine process: owns the store, answers framed requests, one thread per connection.

Each connection (one per HTTP worker thread) has its own thread, which reads a request and
evaluates it (pyoxigraph releases the GIL while it evaluates, so the threads share the
cores); a short query never queues behind slow ones. A watchdog is the last line of
defence: a query still running one second past its deadline (its client should already have
killed the engine) kills the engine itself, so that no CPU is left burning even when the
client is gone.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from healthkg import dump, errors, writer
from healthkg.config import Settings
from healthkg.engine import protocol
from healthkg.engine.storage import OpenedStore, count, open_store, record_version
from healthkg.engine.version import VersionBoard
from healthkg.execution import execute
from healthkg.faults import Faults
from healthkg.journal import ChangeRecord
from healthkg.store.base import QueryOutcome, QueryRequest, WriteRequest

log = logging.getLogger("healthkg.engine")

#: How long past a query's deadline the engine waits for its client to stop it.
WATCHDOG_GRACE = 1.0

#: Accepted writes between two flushes of an on-disk store's write buffers. RocksDB keeps
#: recent writes in memtables, which Oxigraph sizes for bulk work (a 512 MB budget), until
#: they fill: without a flush, a steady stream of small changes grew the engine by about
#: 10 KB a change. A flush of 256 small changes takes about 12 ms, in a thread of its own.
FLUSH_EVERY = 256


class Engine:
    """Serve one opened store to the HTTP workers."""

    def __init__(self, settings: Settings, opened: OpenedStore, board: VersionBoard,
                 run_dir: Path) -> None:
        self.settings = settings
        self.opened = opened
        self.board = board
        self.run_dir = run_dir
        #: Held while a change is applied: the engine is the single writer (the writer's).
        self.write_lock = threading.Lock()
        self.writer: writer.Writer
        self._deadlines: dict[int, float] = {}
        self._deadline_lock = threading.Lock()
        self._ids = itertools.count()
        self._unflushed = 0
        self._flush_due = threading.Event()
        board.write(opened.version)

    # -- serving ---------------------------------------------------------------------------

    def serve(self, listener: socket.socket, lifeline: int) -> None:
        """Accept connections until the supervisor closes the lifeline pipe."""
        threading.Thread(target=self._watchdog, name="watchdog", daemon=True).start()
        if self.opened.path is not None:
            threading.Thread(target=self._flusher, name="flusher", daemon=True).start()
        threading.Thread(target=self._accept, args=(listener,), name="accept",
                         daemon=True).start()
        # Ctrl-C reaches the whole process group, and the harness or a service manager may
        # signal it too: the engine ignores them and stops when its supervisor says so,
        # after the HTTP workers have finished their requests.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while os.read(lifeline, 1):
            pass
        log.info("engine %d stopping", os.getpid())
        self._shutdown()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=self._connection, args=(conn,), name="conn",
                             daemon=True).start()

    def _shutdown(self) -> None:
        # Reads in flight are simply dropped; a write in progress is allowed to finish.
        lock = self.writer.lock if hasattr(self, "writer") else self.write_lock
        if lock.acquire(timeout=30) and self.opened.path is not None:
            self.opened.store.flush()

    def _connection(self, conn: socket.socket) -> None:
        try:
            protocol.send_frame(conn, {"ok": True, "op": "hello", "pid": os.getpid(),
                                       "version": self.board.read()})
            while True:
                header, body = protocol.recv_frame(conn)
                reply, payload = self._dispatch(header, body)
                protocol.send_frame(conn, reply, payload)
        except protocol.ConnectionLost:
            pass
        except Exception:  # a broken frame: drop the connection, keep the engine
            log.exception("engine: dropping a connection after a protocol error")
        finally:
            conn.close()

    def _dispatch(self, header: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
        op = header.get("op")
        try:
            if op == "query":
                request = protocol.request_from_json(header["request"])
                timeout = float(header.get("timeout", self.settings.query_timeout))
                return protocol.outcome_to_frame(self._query(request, timeout))
            if op == "stats":
                return {"ok": True, "stats": self.stats()}, b""
            if op == "dump":
                media_type = str(header.get("media_type", ""))
                body = dump.serialise(
                    self.opened.store.quads_for_pattern(None, None, None, None), media_type)
                return {"ok": True, "media_type": media_type}, body
            if op == "ping":
                return {"ok": True, "pid": os.getpid(), "version": self.board.read()}, b""
            if op in ("write", "write-status", "graph", "changes", "change"):
                return self._write_op(op, header, body)
            raise errors.BadRequest(f"unknown engine operation {op!r}")
        except errors.HealthkgError as exc:
            return protocol.error_to_header(exc), b""
        except Exception:
            log.exception("engine: unexpected error answering %s", op)
            error = errors.HealthkgError("The query engine failed on this request.")
            return protocol.error_to_header(error), b""

    # -- operations ------------------------------------------------------------------------

    def _query(self, request: QueryRequest, timeout: float) -> QueryOutcome:
        token = next(self._ids)
        with self._deadline_lock:
            self._deadlines[token] = time.monotonic() + timeout + WATCHDOG_GRACE
        try:
            # Evaluated on the connection's own thread: each HTTP worker thread has its own
            # connection, so the connections already bound the concurrency, and handing the
            # query to another thread cost a switch (and the GIL) per request.
            return execute(self.opened.store, request, max_rows=self.settings.max_rows,
                           version=self.board.read(), allow_service=self.settings.allow_service)
        finally:
            with self._deadline_lock:
                del self._deadlines[token]

    def _write_op(self, op: str, header: dict[str, Any],
                  body: bytes) -> tuple[dict[str, Any], bytes]:
        """The operations of the write path and of the Graph Store and history reads."""
        if op == "write":
            request = WriteRequest.from_frame(header["request"], body)
            outcome = self.writer.write(request)
            return {"ok": True, "outcome": outcome.to_json()}, b""
        if op == "write-status":
            known = self.writer.status(str(header["change_id"]))
            return {"ok": True, "outcome": known.to_json() if known else None}, b""
        if op == "graph":
            graph = header.get("graph")
            data = writer.read_graph(self.opened.store, None if graph is None else str(graph),
                                     str(header["media_type"]))
            return {"ok": True, "found": data is not None}, data or b""
        if op == "changes":
            total, chosen = self.writer.changes(int(header.get("offset", 0)),
                                                int(header.get("limit", 50)))
            return {"ok": True, "total": total,
                    "records": [protocol.record_to_json(r) for r in chosen]}, b""
        record = self.writer.record(str(header["change_id"]))
        return {"ok": True, "record": protocol.record_to_json(record) if record else None}, b""

    def open_writer(self, journal_dir: Path) -> None:
        """Create the writer and replay what the journal holds beyond the store."""
        self.writer = writer.open_writer(self.settings, self.opened.store, journal_dir,
                                         publish=self._published,
                                         current_version=self.board.read,
                                         faults=Faults.from_environment(os.environ,
                                                                        self.run_dir))
        replayed = self.writer.replay()
        last = self.writer.last_record()
        if replayed:
            log.warning("engine %d replayed %d journaled change(s) the store lacked",
                        os.getpid(), len(replayed))
            self.opened.quads, self.opened.graphs = count(self.opened.store)
        if last is not None and self.opened.version != writer.version_for(last):
            self.publish_version(writer.version_for(last))

    def _published(self, record: ChangeRecord, added: int, removed: int) -> str:
        version = writer.version_for(record)
        self.publish_version(version, quads_added=added, quads_removed=removed)
        return version

    def stats(self) -> dict[str, int]:
        """Counts describing the store."""
        return {"quads": self.opened.quads, "graphs": self.opened.graphs, "pid": os.getpid(),
                "loaded": int(self.opened.loaded)}

    def publish_version(self, version: str, *, quads_added: int = 0,
                        quads_removed: int = 0) -> None:
        """After a write has been applied (under ``write_lock``): record and share its version.

        The version is written durably with the store, then published to the HTTP workers,
        whose caches and ETags change with it. The quad count is kept from the write's own
        counts (counting a large on-disk store takes a while).
        """
        self.opened.quads += quads_added - quads_removed
        self.opened.graphs = sum(1 for _ in self.opened.store.named_graphs())
        record_version(self.opened, self.run_dir, version)
        self.board.write(version)
        self._unflushed += 1
        if self._unflushed >= FLUSH_EVERY:
            self._unflushed = 0
            self._flush_due.set()

    def _flusher(self) -> None:
        # The journal, synced before each write is applied, is what makes writes durable;
        # this flush only bounds the memory RocksDB holds for recent writes.
        while True:
            self._flush_due.wait()
            self._flush_due.clear()
            self.opened.store.flush()

    def _watchdog(self) -> None:
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            with self._deadline_lock:
                late = [d for d in self._deadlines.values() if d < now]
            if late:
                log.error("engine %d: a query ran %.1f s past its deadline without being "
                          "stopped by its client; stopping the engine", os.getpid(),
                          now - min(late) + WATCHDOG_GRACE)
                os.kill(os.getpid(), signal.SIGKILL)


def run(settings: Settings, listener: socket.socket, run_dir: Path,
        ready: Callable[[], None], lifeline: int) -> None:
    """Open the store and serve it until ``lifeline`` (a pipe) reaches its end."""
    board = VersionBoard(run_dir / "version")
    opened = open_store(settings, run_dir)
    engine = Engine(settings, opened, board, run_dir)
    # An in-memory store lives as long as its server: so does its journal (in the run
    # directory), which restores accepted writes after an engine restart.
    engine.open_writer(run_dir / "journal" if settings.memory else settings.journal_path)
    ready()
    engine.serve(listener, lifeline)
