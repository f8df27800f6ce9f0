"""Body limits on every route that reads a body: under, at and over ``--max-body``, sent with
Content-Length, chunked, with a Content-Length shorter than the body, and with one longer
than the body (the client stops sending early). Over the limit is 413 (never a truncated
body taken for the whole), a body that ends before its Content-Length is 400, and nothing
is ever partly written: every body is built so that any proper prefix of it does not parse,
and the dataset version is checked after each request.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
import requests

from tests.conftest import steward_token
from tests.harness import Server
from tests.reliability import record, version

pytestmark = pytest.mark.server

LIMIT = 65536


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> tuple[Server, str]:
    tokens, token = steward_token(tmp_path_factory.mktemp("limit-tokens"))
    srv = Server(args=["--memory", "--tokens", str(tokens), "--max-body", str(LIMIT),
                       "--max-query-length", str(4 * LIMIT)]).start()
    yield srv, token  # type: ignore[misc]
    srv.stop()


def _padded(head: str, tail: str, size: int) -> bytes:
    """``head`` + padding + ``tail`` of exactly ``size`` bytes."""
    pad = size - len(head.encode()) - len(tail.encode())
    assert pad >= 0
    return (head + "x" * pad + tail).encode()


def _update(n: int, size: int) -> bytes:
    # Any prefix lacks the closing braces: it does not parse.
    return _padded(f'INSERT DATA {{ GRAPH <urn:limit:g> {{ <urn:limit:s{n}> <urn:limit:p> "',
                   '" } }', size)


def _turtle(n: int, size: int) -> bytes:
    # One statement: any prefix lacks its final dot or its closing quote.
    return _padded(f'<urn:limit:s{n}> <urn:limit:p> "', '" .', size)


def _query(_: int, size: int) -> bytes:
    return _padded("ASK { FILTER(STRLEN(\"", "\") > 0) }", size)


#: (route, content type, needs the token, body maker)
ROUTES: list[tuple[str, str, bool, Callable[[int, int], bytes]]] = [
    ("/sparql", "application/sparql-query", False, _query),
    ("/update", "application/sparql-update", True, _update),
    ("/validate", "application/sparql-update", False, _update),
    ("/changes", "text/turtle", True, _turtle),
    ("/store?graph=urn:limit:g", "text/turtle", True, _turtle),
]


def _raw(server: Server, path: str, headers: dict[str, str], body: bytes, *,
         declared: int | None = None, chunked: bool = False, stop_at: int | None = None,
         ) -> int:
    """Send one request by hand; return the status (0 when no answer came)."""
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    if chunked:
        head.append("Transfer-Encoding: chunked")
        payload = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 8192]), body[i:i + 8192])
                           for i in range(0, len(body), 8192)) + b"0\r\n\r\n"
    else:
        head.append(f"Content-Length: {len(body) if declared is None else declared}")
        payload = body
    if stop_at is not None:
        payload = payload[:stop_at]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        try:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
            if stop_at is not None:
                sock.shutdown(socket.SHUT_WR)  # the client stops sending
        except OSError:
            pass  # answered (413) and closed before the whole body was sent
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    line = data.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 else 0


def test_bodies_under_at_and_over_the_limit_on_every_route(
        limited_server: tuple[Server, str]) -> None:
    server, token = limited_server
    tried = 0
    n = 0
    statuses: dict[str, int] = {}
    for path, ctype, needs_token, make in ROUTES:
        headers = {"Content-Type": ctype, "Accept": "application/json"}
        if needs_token:
            headers["Authorization"] = f"Bearer {token}"
        for size, expected in ((LIMIT - 1, "ok"), (LIMIT, "ok"), (LIMIT + 1, 413),
                               (2 * LIMIT, 413), (8 * LIMIT, 413)):
            for mode in ("length", "chunked"):
                n += 1
                before = version(server)
                status = _raw(server, path, headers, make(n, size), chunked=mode == "chunked")
                tried += 1
                statuses[f"{path} {size} {mode}"] = status
                after = version(server)
                if expected == 413:
                    assert status == 413, (path, size, mode, status)
                    assert after == before, (path, size, mode)
                else:
                    assert status in (200, 201), (path, size, mode, status)
                    writes = path not in ("/sparql", "/validate")
                    assert (after != before) == writes, (path, size, mode)
    record("body-limits", {"requests": tried, "limit": LIMIT, "partial_writes": 0})


def test_content_length_shorter_or_longer_than_the_body(
        limited_server: tuple[Server, str]) -> None:
    server, token = limited_server
    n = 1000
    tried = 0
    for path, ctype, needs_token, make in ROUTES:
        headers = {"Content-Type": ctype, "Accept": "application/json"}
        if needs_token:
            headers["Authorization"] = f"Bearer {token}"
        for size in (LIMIT // 2, LIMIT, 3 * LIMIT):
            n += 1
            body = make(n, size)
            # Shorter: only the declared bytes are the body; they are a prefix that does
            # not parse (or, over the limit, 413).
            before = version(server)
            status = _raw(server, path, headers, body, declared=size // 2)
            assert status in (400, 413) if size // 2 <= LIMIT else status == 413, (
                path, size, status)
            assert version(server) == before
            # Longer: the client declares the whole body and stops half-way.
            status = _raw(server, path, headers, body, stop_at=size // 2)
            expected = {413} if size > LIMIT else {400}
            assert status in expected | {0}, (path, size, status)
            assert version(server) == before
            tried += 2
    assert requests.get(server.url + "health", timeout=30).status_code == 200
    record("body-lengths", {"requests": tried, "partial_writes": 0})
