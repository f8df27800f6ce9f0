"""A small HTTP/1.1 keep-alive load generator: pre-encoded requests over raw sockets.

It spends a few tens of microseconds per request, so that on a machine shared with the
server the figures measure the server rather than the client.
"""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
from collections.abc import Sequence
from urllib.parse import urlencode


def encode_get(host: str, port: int, path: str, params: dict[str, str], accept: str) -> bytes:
    """A GET request with its query string, as bytes ready to send."""
    return (f"GET {path}?{urlencode(params)} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Accept: {accept}\r\nUser-Agent: healthkg-bench\r\n\r\n").encode("ascii")


class Connection:
    """One keep-alive connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one request and read its response; reconnect once if the server closed."""
        for attempt in (1, 2):
            if self.sock is None:
                self.sock = self._connect()
            try:
                self.sock.sendall(raw)
                return self._response()
            except (ConnectionError, EOFError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _read_until(self, marker: bytes) -> bytes:
        assert self.sock is not None
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _read_exactly(self, size: int) -> bytes:
        assert self.sock is not None
        while len(self.buffer) < size:
            chunk = self.sock.recv(max(65536, size - len(self.buffer)))
            if not chunk:
                raise EOFError("connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _response(self) -> tuple[int, bytes]:
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (line.partition(":") for line in lines[1:])}
        if "content-length" in headers:
            body = self._read_exactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                parts.append(self._read_exactly(size + 2)[:size])
                if size == 0:
                    break
            body = b"".join(parts)
        else:
            body = b""
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        """Close the socket (a later request reconnects)."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def latencies(host: str, port: int, requests: Sequence[bytes]) -> tuple[list[float], int]:
    """Send the requests one after another on one connection; return seconds and errors."""
    connection = Connection(host, port)
    times, errors = [], 0
    for raw in requests:
        started = time.perf_counter()
        status, _ = connection.request(raw)
        times.append(time.perf_counter() - started)
        errors += status != 200
    connection.close()
    return times, errors


def _load_process(host: str, port: int, requests: Sequence[bytes], threads: int,
                  seconds: float, offset: int, out: multiprocessing.Queue[tuple[int, int]]
                  ) -> None:
    done = [0] * threads
    failed = [0] * threads
    stop_at = time.monotonic() + seconds

    def run(index: int) -> None:
        connection = Connection(host, port)
        i = offset + index
        while time.monotonic() < stop_at:
            status, _ = connection.request(requests[i % len(requests)])
            i += threads * 97
            done[index] += 1
            failed[index] += status != 200
        connection.close()

    workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((sum(done), sum(failed)))


def throughput(host: str, port: int, requests: Sequence[bytes], connections: int,
               seconds: float, processes: int = 2) -> tuple[float, int, int]:
    """Requests per second over ``connections`` concurrent connections; also counts."""
    queue: multiprocessing.Queue[tuple[int, int]] = multiprocessing.Queue()
    per_process = max(1, connections // processes)
    procs = [multiprocessing.Process(
        target=_load_process,
        args=(host, port, requests, per_process, seconds, k * per_process, queue))
        for k in range(processes)]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    done = sum(r[0] for r in results)
    return done / seconds, done, sum(r[1] for r in results)
