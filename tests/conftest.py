"""Shared fixtures: the project root and the real server under gunicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import backend as remote
from tests.harness import ROOT, Server


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The checkout's root directory."""
    return ROOT


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server for the session, on an in-memory store loaded with the shipped graph."""
    tokens = tmp_path_factory.mktemp("tokens") / "tokens.json"
    backend = remote.start(tmp_path_factory.mktemp("backend")) if remote.wanted() else None
    store = backend.args if backend else ["--memory"]
    srv = Server(args=[*store, "--tokens", str(tokens)]).start()
    yield srv
    srv.stop()
    if backend:
        backend.stop()


#: The W3C SPARQL 1.1 Protocol test data (read-only, shared with the other conformance files).
W3C_PROTOCOL_TESTS = ROOT.parent / "shared" / "conformance" / "w3c-sparql11-protocol-tests.json"

#: Small limits of the ``protocol_server``, so that tests can cross them cheaply.
PROTOCOL_LIMITS = {"max_rows": 3, "max_query_length": 2000, "max_body": 65536}


@pytest.fixture(scope="session")
def protocol_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server on the W3C protocol test data and the fixture named queries.

    Each graph of the W3C data is loaded into the named graph of its IRI (a TriG file
    given with --extra-data); the limits are small (``PROTOCOL_LIMITS``).
    """
    import json

    data = json.loads(W3C_PROTOCOL_TESTS.read_text(encoding="utf-8"))
    trig = tmp_path_factory.mktemp("w3c") / "protocol-data.trig"
    trig.write_text("".join(f"<{iri}> {{\n{graph['ntriples']}\n}}\n"
                            for iri, graph in data["graph_data"].items()), encoding="utf-8")
    backend = (remote.start(tmp_path_factory.mktemp("backend"), [trig]) if remote.wanted()
               else None)
    store = backend.args if backend else ["--memory", "--extra-data", str(trig)]
    args = [*store, "--queries", "tests/fixtures/queries"]
    for name, value in PROTOCOL_LIMITS.items():
        args += ["--" + name.replace("_", "-"), str(value)]
    srv = Server(args=args).start()
    yield srv
    srv.stop()
    if backend:
        backend.stop()


def steward_token(directory: Path, name: str = "steward") -> tuple[Path, str]:
    """A tokens file in ``directory`` holding one steward's token; (file, token)."""
    from healthkg.tokens import TokenFile

    path = directory / "tokens.json"
    return path, TokenFile(path).add(name)


@pytest.fixture(scope="session")
def write_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A real server on an in-memory copy of the shipped graph, gated by the project's
    shapes, with one steward token: (server, token)."""
    tokens, token = steward_token(tmp_path_factory.mktemp("write-tokens"))
    srv = Server(args=["--memory", "--tokens", str(tokens), "--max-body", "65536"]).start()
    yield srv, token
    srv.stop()


@pytest.fixture(scope="session")
def w3c_write_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A real server for the W3C update and Graph Store tests: their data lies outside the
    project's shapes, so its writes are gated by a shapes file without shapes."""
    tokens, token = steward_token(tmp_path_factory.mktemp("w3c-write-tokens"))
    srv = Server(args=["--memory", "--tokens", str(tokens), "--shapes",
                       "tests/fixtures/write/no-shapes.ttl"]).start()
    yield srv, token
    srv.stop()


#: Deadline of the ``hostile_server``'s queries: short, so that runaway inputs cost little.
HOSTILE_DEADLINE = 2.0


@pytest.fixture(scope="session")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A real server for the reliability suite (fuzzing, hostile inputs, outbound and access
    attempts): an in-memory copy of the shipped graph, 2-second query and write deadlines, updates
    up to 4 MiB, the project's shapes, one steward token: (server, token)."""
    tokens, token = steward_token(tmp_path_factory.mktemp("hostile-tokens"))
    srv = Server(args=["--memory", "--tokens", str(tokens),
                       "--query-timeout", str(HOSTILE_DEADLINE),
                       "--write-timeout", str(HOSTILE_DEADLINE),
                       "--max-query-length", str(4 * 1024 * 1024)]).start()
    yield srv, token
    srv.stop()
