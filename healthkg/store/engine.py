"""The store backend of the HTTP workers: requests to the engine process over a Unix socket.

Connections are made lazily in each process (never shared across a fork) and reused. A
query that passes its deadline is stopped the only way that works for native code: the
engine process is killed (SIGKILL) and its supervisor starts a new one at once; the late
client gets ``QueryTimeout`` (503 with Retry-After). Other reads that were in flight on the
killed engine see their connection close and are sent again once (reads are idempotent).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from healthkg import errors
from healthkg.engine import protocol
from healthkg.engine.version import VersionBoard
from healthkg.journal import ChangeRecord
from healthkg.store.base import QueryOutcome, QueryRequest, WriteOutcome, WriteRequest

#: Seconds a client is told to wait after a deadline kill (the engine restarts in less).
RETRY_AFTER = 1
#: Deadline of the small control operations (stats, ping).
CONTROL_TIMEOUT = 10.0
#: Deadline of a full dump (not an interactive query; large stores take a while).
DUMP_TIMEOUT = 300.0
#: Deadline of a write that names none (the HTTP layer passes the write_timeout setting).
WRITE_TIMEOUT = 60.0
#: Times a write is sent again, with the same change id, after its engine died.
WRITE_RESENDS = 2


class _Link:
    """One connection to one incarnation of the engine."""

    def __init__(self, sock: socket.socket, pid: int) -> None:
        self.sock = sock
        self.pid = pid


class EngineStore:
    """The ``Store`` of the HTTP workers: every operation is answered by the engine."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._socket_path = str(run_dir / "engine.sock")
        self._owner = os.getpid()
        self._idle: list[_Link] = []
        self._lock = threading.Lock()
        self._board: VersionBoard | None = None

    # -- the Store protocol ----------------------------------------------------------------

    def query(self, request: QueryRequest, *, timeout: float) -> QueryOutcome:
        """Answer a read query within ``timeout`` seconds or raise ``QueryTimeout``."""
        header = {"op": "query", "timeout": timeout,
                  "request": protocol.request_to_json(request)}
        reply, body = self._call(header, timeout,
                                 on_deadline=errors.QueryTimeout.past(timeout, RETRY_AFTER))
        return protocol.outcome_from_frame(reply, body)

    def version(self) -> str:
        """The current dataset version, read from shared memory."""
        if self._board is None or self._owner != os.getpid():
            self._reset_after_fork()
            self._board = VersionBoard(self.run_dir / "version")
        return self._board.read()

    def dump(self, media_type: str) -> bytes:
        """Every quad, sorted, as ``media_type`` (never cut by the row limit)."""
        _, body = self._call({"op": "dump", "media_type": media_type}, DUMP_TIMEOUT)
        return body

    def stats(self) -> dict[str, int]:
        """Counts describing the store (``quads``, ``graphs``) and the engine's pid."""
        # An engine that cannot answer this in time is hung: it is killed and restarted.
        hung = errors.ServiceUnavailable(
            f"The query engine did not answer within {CONTROL_TIMEOUT:g} s and is being "
            "restarted.", headers={"Retry-After": str(RETRY_AFTER)})
        reply, _ = self._call({"op": "stats"}, CONTROL_TIMEOUT, on_deadline=hung)
        return {str(k): int(v) for k, v in reply["stats"].items()}

    def write(self, request: WriteRequest) -> WriteOutcome:
        """Send a write to the engine's writer; it is applied at most once.

        The request carries a change id chosen here. If the engine dies with the write in
        flight (another query's deadline kill), the journal has made it durable or it never
        happened: the request is sent again with the same id, and the restarted engine
        (which has replayed its journal) answers with the recorded outcome instead of
        applying it twice. Past its deadline, the engine is asked whether it was applied.
        """
        if not request.change_id:
            request = replace(request, change_id=uuid.uuid4().hex)
        header, payload = request.to_frame()
        limit = request.deadline or WRITE_TIMEOUT
        stopped = errors.ServiceUnavailable(
            f"The change was not completed within {limit:g} s.",
            headers={"Retry-After": str(RETRY_AFTER)})
        for attempt in range(WRITE_RESENDS + 1):
            try:
                reply, _ = self._call({"op": "write", "request": header}, limit,
                                      on_deadline=stopped, idempotent=False, body=payload)
                return WriteOutcome.from_json(reply["outcome"])
            except errors.ServiceUnavailable as exc:
                if exc is stopped:
                    known = self._write_status(request.change_id)
                    if known is not None:
                        return known
                    raise errors.ServiceUnavailable(
                        f"The change was not applied: it took longer than {limit:g} s.",
                        headers={"Retry-After": str(RETRY_AFTER)}) from exc
                if attempt == WRITE_RESENDS:
                    known = self._write_status(request.change_id)
                    if known is not None:
                        return known
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _write_status(self, change_id: str) -> WriteOutcome | None:
        reply, _ = self._call({"op": "write-status", "change_id": change_id},
                              CONTROL_TIMEOUT)
        outcome = reply.get("outcome")
        return WriteOutcome.from_json(outcome) if outcome else None

    def read_graph(self, graph: str | None, media_type: str) -> bytes | None:
        """One graph (None: the default graph) as ``media_type``; None when it is empty."""
        reply, body = self._call({"op": "graph", "graph": graph, "media_type": media_type},
                                 DUMP_TIMEOUT)
        return body if reply.get("found") else None

    def changes(self, offset: int, limit: int) -> tuple[int, list[ChangeRecord]]:
        """The number of accepted changes and one page of them, newest first."""
        reply, _ = self._call({"op": "changes", "offset": offset, "limit": limit},
                              CONTROL_TIMEOUT)
        return int(reply["total"]), [protocol.record_from_json(r) for r in reply["records"]]

    def change(self, change_id: str) -> ChangeRecord | None:
        """One accepted change, with its quads."""
        reply, _ = self._call({"op": "change", "change_id": change_id}, CONTROL_TIMEOUT)
        record = reply.get("record")
        return protocol.record_from_json(record) if record else None

    def close(self) -> None:
        """Close the idle connections of this process."""
        with self._lock:
            links, self._idle = self._idle, []
        for link in links:
            link.sock.close()

    # -- requests --------------------------------------------------------------------------

    def _call(self, header: dict[str, Any], timeout: float,
              on_deadline: errors.HealthkgError | None = None, *,
              idempotent: bool = True, body: bytes = b"") -> tuple[dict[str, Any], bytes]:
        """Send one request to the engine and return its answer.

        A request that was in flight when the engine died is sent again once, but only when
        ``idempotent`` (reads): a write must not be applied twice, so its caller gets
        ``ServiceUnavailable`` and the journal says whether it was applied.
        """
        deadline = time.monotonic() + timeout
        for attempt in (1, 2):
            link = None
            sent = False
            try:
                link = self._checkout(deadline)
                link.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                sent = True
                protocol.send_frame(link.sock, header, body)
                reply, body = protocol.recv_frame(link.sock)
            except TimeoutError as exc:
                if link is None:
                    raise errors.ServiceUnavailable(
                        "The query engine did not accept the request in time; please send "
                        "it again.", headers={"Retry-After": str(RETRY_AFTER)}) from exc
                # The only way to stop native evaluation: kill the engine running it.
                self._kill(link)
                raise on_deadline or errors.QueryTimeout.past(timeout, RETRY_AFTER) from exc
            except (protocol.ConnectionLost, ConnectionError, FileNotFoundError) as exc:
                # The engine died (another request's deadline, a crash): reads are
                # idempotent, so send it once more to the next engine.
                if link is not None:
                    link.sock.close()
                    self._discard(link.pid)
                if (attempt == 2 or (sent and not idempotent)
                        or time.monotonic() >= deadline):
                    raise errors.ServiceUnavailable(
                        "The query engine stopped while answering this request; "
                        "please send it again.", headers={"Retry-After": str(RETRY_AFTER)},
                    ) from exc
                continue
            self._checkin(link)
            if not reply.get("ok"):
                raise protocol.error_from_header(reply)
            return reply, body
        raise AssertionError("unreachable")  # pragma: no cover

    def _kill(self, link: _Link) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
            os.kill(link.pid, signal.SIGKILL)
        link.sock.close()

    # -- connections -----------------------------------------------------------------------

    def _reset_after_fork(self) -> None:
        if self._owner != os.getpid():
            # Connections made before a fork belong to the parent: drop them unused.
            for link in self._idle:
                link.sock.close()
            self._idle = []
            self._lock = threading.Lock()
            self._board = None
            self._owner = os.getpid()

    def _checkout(self, deadline: float) -> _Link:
        self._reset_after_fork()
        while True:
            with self._lock:
                if not self._idle:
                    break
                link = self._idle.pop()
            # The engine never speaks first on an idle connection: readable means closed.
            readable, _, _ = select.select([link.sock], [], [], 0)
            if not readable:
                return link
            link.sock.close()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.connect(self._socket_path)
            # The engine greets each connection with its pid (the process a deadline kills).
            hello, _ = protocol.recv_frame(sock)
        except BaseException:
            sock.close()
            raise
        return _Link(sock, int(hello["pid"]))

    def _discard(self, pid: int) -> None:
        with self._lock:
            dead = [link for link in self._idle if link.pid == pid]
            self._idle = [link for link in self._idle if link.pid != pid]
        for link in dead:
            link.sock.close()

    def _checkin(self, link: _Link) -> None:
        with self._lock:
            self._idle.append(link)
