"""Canaries for the no-outbound-access tests: HTTP servers on the loopback and a file.

Each canary counts every request it gets and answers with a token, so a test can show that
no request reached it and that no token came back in an answer.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests


@dataclass
class Canary:
    """Where the canaries listen and what they would give away."""

    port: int
    port6: int | None
    file: Path
    http_token: str
    file_token: str
    hits: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The canary at 127.0.0.1."""
        return f"http://127.0.0.1:{self.port}/"

    def urls(self) -> list[str]:
        """The canary under every local spelling of the loopback address."""
        p = self.port
        urls = [f"http://127.0.0.1:{p}/", f"http://localhost:{p}/", f"http://127.1:{p}/",
                f"http://0x7f000001:{p}/", f"http://2130706433:{p}/", f"http://0177.0.0.1:{p}/",
                f"http://127.000.000.001:{p}/", f"http://[::ffff:127.0.0.1]:{p}/",
                f"http://0.0.0.0:{p}/"]
        if self.port6 is not None:
            urls.append(f"http://[::1]:{self.port6}/")
        return urls


def _serve(family: int, host: str, hits: list[str], token: str) -> http.server.HTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(f"{self.command} {self.path}")
            body = (f'{{"@context": {{"x": "urn:{token}"}}}}' if "json" in self.path else
                    f'<urn:canary> <urn:says> "{token}" .\n').encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json" if "json" in self.path
                             else "text/turtle")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_HEAD = _answer  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            pass

    class LoopbackServer(http.server.ThreadingHTTPServer):
        address_family = family

    return LoopbackServer((host, 0), Handler)


@contextlib.contextmanager
def canaries(directory: Path) -> Iterator[Canary]:
    """Start the canary servers (127.0.0.1, and ::1 where there is one) and write the file."""
    http_token = "canary-http-" + uuid.uuid4().hex
    file_token = "canary-file-" + uuid.uuid4().hex
    path = directory / "canary.ttl"
    path.write_text(f'<urn:canary> <urn:says> "{file_token}" .\n', encoding="utf-8")
    hits: list[str] = []
    servers = [_serve(socket.AF_INET, "127.0.0.1", hits, http_token)]
    with contextlib.suppress(OSError):  # no IPv6 loopback here
        servers.append(_serve(socket.AF_INET6, "::1", hits, http_token))
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    bird = Canary(port=servers[0].server_address[1],
                  port6=servers[1].server_address[1] if len(servers) > 1 else None,
                  file=path, http_token=http_token, file_token=file_token, hits=hits)
    # The canaries work: direct requests are seen and counted.
    for url in (bird.urls()[0], bird.urls()[-1]):
        assert http_token in requests.get(url + "self-test", timeout=5).text
    hits.clear()
    try:
        yield bird
    finally:
        for srv in servers:
            srv.shutdown()
