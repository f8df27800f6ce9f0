"""`healthkg serve`, `python server.py` and HEALTHKG_* variables start the same server;
an on-disk store is loaded once and reused; SIGTERM and Ctrl-C stop every process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.harness import Server, free_port
from tests.procinfo import session_members

pytestmark = pytest.mark.server

QUERY = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s) && !isBlank(?o)) } "
         "ORDER BY ?s ?p ?o LIMIT 20")


@contextlib.contextmanager
def _running(server: Server) -> Iterator[Server]:
    """Start a server; whatever is left of it at the end is killed (also on failure)."""
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(10)


def _answer(server: Server) -> dict[str, object]:
    response = requests.post(server.url + "sparql", data={"query": QUERY},
                             headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _health(server: Server) -> dict[str, object]:
    response = requests.get(server.url + "health", timeout=10)
    assert response.status_code == 200
    return dict(response.json())


def test_three_ways_of_starting_give_the_same_gunicorn_server(tmp_path: Path) -> None:
    tokens = str(tmp_path / "tokens.json")
    port, env_port = free_port(), free_port()
    ways = [
        Server(args=["--memory", "--tokens", tokens]),
        Server(command=[sys.executable, "server.py", "--port", str(port)],
               args=["--memory", "--tokens", tokens], port=port),
        # Nothing on the command line: every setting from its HEALTHKG_* variable.
        Server(command=[sys.executable, "-m", "healthkg.cli", "serve"], port=env_port,
               env={"HEALTHKG_PORT": str(env_port), "HEALTHKG_HOST": "127.0.0.1",
                    "HEALTHKG_MEMORY": "true", "HEALTHKG_TOKENS": tokens}),
    ]
    seen = []
    for server in ways:
        server.start()
        try:
            seen.append((_health(server)["version"], _health(server)["quads"],
                         _answer(server)))
            assert "Starting gunicorn" in server.log()
            assert "in-memory store" in server.log()
        finally:
            assert server.stop() == 0
    assert seen[0] == seen[1] == seen[2]


def test_restart_on_disk_store_reuses_it_and_is_ready_within_a_second(tmp_path: Path) -> None:
    args = ["--store", str(tmp_path / "store"), "--tokens", str(tmp_path / "tokens.json")]
    first = Server(args=args).start()
    try:
        before = (_health(first), _answer(first))
        assert "loaded the project files into" in first.log()
    finally:
        assert first.stop() == 0
    second = Server(args=args, poll=0.01).start()
    try:
        after = (_health(second), _answer(second))
        assert "reused" in second.log()
        assert "loaded the project files" not in second.log()
        assert second.started_in is not None
        assert second.started_in < 1.0, f"ready after {second.started_in:.2f} s"
    finally:
        second.stop()
    assert after[0]["loaded"] == 0 and before[0]["loaded"] == 1
    assert after[0]["version"] == before[0]["version"]
    assert after[0]["quads"] == before[0]["quads"]
    assert after[1] == before[1]


def test_a_store_left_half_loaded_is_loaded_again(tmp_path: Path) -> None:
    args = ["--store", str(tmp_path / "store"), "--tokens", str(tmp_path / "tokens.json")]
    with _running(Server(args=args)) as first:
        expected = _health(first)
        assert first.stop() == 0
    # No metadata file: what a start killed during its first bulk load leaves behind.
    (tmp_path / "store" / "healthkg.json").unlink()
    second = Server(args=args).start()
    try:
        assert "loaded the project files into" in second.log()
        assert _health(second)["quads"] == expected["quads"]
    finally:
        second.stop()


@pytest.mark.parametrize("how", ["SIGTERM to the server", "Ctrl-C to its process group"])
def test_stopping_exits_0_and_leaves_no_process(how: str, tmp_path: Path) -> None:
    with _running(Server(args=["--memory", "--tokens", str(tmp_path / "tokens.json")])) as server:
        assert server.process is not None
        session = server.process.pid
        # The supervisor, the engine, gunicorn's arbiter and its two workers (the second
        # worker may still be booting when the first answers).
        booted_by = time.monotonic() + 10
        while len(session_members(session)) < 5 and time.monotonic() < booted_by:
            time.sleep(0.05)
        assert len(session_members(session)) >= 5, session_members(session)
        if how.startswith("SIGTERM"):
            server.process.send_signal(signal.SIGTERM)
        else:
            os.killpg(session, signal.SIGINT)
        assert server.process.wait(20) == 0, server.log()
        deadline = time.monotonic() + 5
        while session_members(session) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_members(session) == [], server.log()


def test_killing_the_server_outright_leaves_no_orphan(tmp_path: Path) -> None:
    with _running(Server(args=["--memory", "--tokens", str(tmp_path / "tokens.json")])) as server:
        assert server.process is not None
        session = server.process.pid
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
        # The engine and gunicorn's arbiter are told by the kernel that their parent died.
        deadline = time.monotonic() + 15
        while session_members(session) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_members(session) == []


def _slow_query() -> str:
    # About a second of evaluation, whatever the data: a count over 8 million combinations.
    values = " ".join(str(i) for i in range(200))
    return (f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} "
            f"VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} FILTER(?a + ?b != ?c) }}")


@pytest.mark.parametrize("to_group", [False, True], ids=["to the server", "to the group"])
def test_sigterm_lets_a_query_in_flight_finish(to_group: bool, tmp_path: Path) -> None:
    with _running(Server(args=["--memory", "--tokens", str(tmp_path / "tokens.json")])) as server:
        assert server.process is not None
        result: dict[str, requests.Response] = {}

        def ask() -> None:
            result["response"] = requests.post(
                server.url + "sparql", data={"query": _slow_query()},
                headers={"Accept": "application/sparql-results+json"}, timeout=30)

        thread = threading.Thread(target=ask)
        thread.start()
        time.sleep(0.3)
        if to_group:
            os.killpg(server.process.pid, signal.SIGTERM)
        else:
            server.process.send_signal(signal.SIGTERM)
        thread.join()
        assert server.process.wait(20) == 0
    response = result["response"]
    assert response.status_code == 200, response.text
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) > 7_000_000


def test_reusing_a_store_loaded_from_other_files_says_so(tmp_path: Path) -> None:
    args = ["--store", str(tmp_path / "store"), "--tokens", str(tmp_path / "tokens.json")]
    Server(args=args).start().stop()
    meta_file = tmp_path / "store" / "healthkg.json"
    meta = json.loads(meta_file.read_text())
    assert meta["files"] == meta["version"]
    meta["files"] = "c-files-of-another-checkout"
    meta_file.write_text(json.dumps(meta))
    server = Server(args=args).start()
    try:
        assert "changed since" in server.log()
        assert _health(server)["version"] == meta["version"]
    finally:
        server.stop()
