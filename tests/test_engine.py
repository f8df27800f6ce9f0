"""The engine process and its protocol, without HTTP: answers, errors of the same type,
the shared dataset version, and the watchdog that stops a query no client stopped."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthkg import errors
from healthkg.config import Settings
from healthkg.engine import protocol, service
from healthkg.engine.version import VersionBoard
from healthkg.store.base import QueryRequest
from healthkg.store.engine import EngineStore

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _engine_main(run_dir: str, listener: socket.socket) -> None:
    lifeline_r, _lifeline_w = os.pipe()  # never closed: the test ends the process itself
    service.run(Settings(memory=True), listener, Path(run_dir), lambda: None, lifeline_r)


@pytest.fixture
def engine() -> Iterator[tuple[Path, multiprocessing.process.BaseProcess]]:
    """An engine process on an in-memory store, and its run directory."""
    with tempfile.TemporaryDirectory(prefix="healthkg-test-") as tmp:
        run_dir = Path(tmp)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(run_dir / "engine.sock"))
        listener.listen(16)
        VersionBoard(run_dir / "version", create=True).close()
        process = multiprocessing.get_context("fork").Process(
            target=_engine_main, args=(str(run_dir), listener), daemon=True)
        process.start()
        listener.close()
        yield run_dir, process
        if process.is_alive():
            os.kill(process.pid or 0, signal.SIGKILL)
        process.join(5)


def test_a_query_is_answered_with_the_published_version(engine: tuple[Path, object]) -> None:
    store = EngineStore(engine[0])
    request = QueryRequest("ASK { ?s ?p ?o }", accept="application/sparql-results+json")
    outcome = store.query(request, timeout=30)
    assert outcome.kind == "ask" and b"true" in outcome.body
    assert outcome.version == store.version() != ""
    assert store.stats()["quads"] > 0


def test_an_error_crosses_the_socket_as_the_same_type(engine: tuple[Path, object]) -> None:
    store = EngineStore(engine[0])
    with pytest.raises(errors.QuerySyntaxError) as raised:
        store.query(QueryRequest("SELECT ?s WHERE { ?s ?p }"), timeout=30)
    assert raised.value.status == 400
    assert raised.value.message


def test_the_version_is_read_from_shared_memory(engine: tuple[Path, object]) -> None:
    store = EngineStore(engine[0])
    store.stats()  # the engine has published its version
    VersionBoard(engine[0] / "version").write("after-a-change")
    assert store.version() == "after-a-change"


def test_the_engine_stops_a_query_that_no_client_stopped(
        engine: tuple[Path, multiprocessing.process.BaseProcess]) -> None:
    run_dir, process = engine
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(run_dir / "engine.sock"))
    protocol.recv_frame(sock)  # hello
    sent = time.monotonic()
    protocol.send_frame(sock, {"op": "query", "timeout": 0.5,
                               "request": protocol.request_to_json(QueryRequest(RUNAWAY))})
    # The client vanishes without killing anything: the engine's watchdog must.
    process.join(5)
    assert process.exitcode == -signal.SIGKILL
    assert time.monotonic() - sent < 0.5 + service.WATCHDOG_GRACE + 0.5
    sock.close()
