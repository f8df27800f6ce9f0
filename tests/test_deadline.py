"""A runaway query is stopped at its deadline: 503 with Retry-After within the deadline plus
one second, while another client's queries keep being answered, and no CPU is left burning."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.harness import Server
from tests.procinfo import cpu_seconds, is_running, session_cpu_seconds

pytestmark = pytest.mark.server

DEADLINE = 2.0
#: Four copies of the whole store joined with each other: far beyond any deadline.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: A property path over every edge of the store, in any direction, from every node.
PATH_EXPLOSION = ("SELECT (COUNT(*) AS ?n) WHERE { ?x (<urn:p>|!<urn:p>|^!<urn:p>)* ?y . "
                  "?y (!<urn:p>|^!<urn:p>)* ?z . ?z ?p ?o }")
SIMPLE = "SELECT ?s WHERE { ?s a ?type } LIMIT 5"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose queries have a 2-second deadline."""
    tokens = tmp_path_factory.mktemp("deadline") / "tokens.json"
    srv = Server(args=["--memory", "--tokens", str(tokens),
                       "--query-timeout", str(DEADLINE)]).start()
    yield srv
    srv.stop()


def _ask(server: Server, query: str, timeout: float = 30) -> requests.Response:
    return requests.post(server.url + "sparql", data={"query": query},
                         headers={"Accept": "application/sparql-results+json"},
                         timeout=timeout)


def _engine_pid(server: Server) -> int:
    return int(requests.get(server.url + "health", timeout=10).json()["pid"])


@pytest.mark.parametrize("query", [RUNAWAY, PATH_EXPLOSION], ids=["cartesian", "path"])
def test_runaway_query_gets_503_in_time_while_another_client_is_answered(
        server: Server, query: str) -> None:
    engine_before = _engine_pid(server)
    result: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        response = _ask(server, query)
        result["elapsed"] = time.monotonic() - started
        result["response"] = response

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    answered = []
    # A second client, while the runaway query runs and while the engine restarts.
    while thread.is_alive():
        response = _ask(server, SIMPLE, timeout=10)
        assert response.status_code == 200, response.text
        answered.append(response.json())
        time.sleep(0.05)
    thread.join()
    response = result["response"]
    assert isinstance(response, requests.Response)
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "deadline" in response.text
    assert DEADLINE <= float(str(result["elapsed"])) <= DEADLINE + 1.0
    assert len(answered) >= 10
    assert all(len(a["results"]["bindings"]) == 5 for a in answered)
    # The engine that ran it was killed and replaced.
    assert _engine_pid(server) != engine_before


def test_after_a_deadline_nothing_burns_cpu_and_the_server_answers(server: Server) -> None:
    assert server.process is not None
    engine_before = _engine_pid(server)
    assert _ask(server, RUNAWAY).status_code == 503
    # The engine that ran it is gone (SIGKILL takes effect within moments).
    gone_by = time.monotonic() + 1.0
    while is_running(engine_before) and time.monotonic() < gone_by:
        time.sleep(0.01)
    assert not is_running(engine_before)
    engine = _engine_pid(server)
    session_before = session_cpu_seconds(server.process.pid)
    engine_cpu_before = cpu_seconds(engine)
    time.sleep(1.0)
    assert cpu_seconds(engine) - engine_cpu_before < 0.1
    assert session_cpu_seconds(server.process.pid) - session_before < 0.3
    response = _ask(server, SIMPLE)
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 5


def test_reads_in_flight_when_the_engine_dies_are_sent_again(server: Server) -> None:
    errors: list[str] = []
    answered = [0]
    stop_at = time.monotonic() + 3.0

    def client(number: int) -> None:
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            # Distinct text, so that every request reaches the engine.
            response = _ask(server, f"{SIMPLE} # client {number} request {i}", timeout=10)
            if response.status_code != 200:
                errors.append(f"{response.status_code} {response.text[:200]}")
            answered[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    killed = []
    for _ in range(3):
        time.sleep(0.7)
        pid = _engine_pid(server)
        os.kill(pid, signal.SIGKILL)  # what a crash of the native code looks like
        killed.append(pid)
    for thread in threads:
        thread.join()
    assert errors == []
    assert answered[0] > 50
    assert _engine_pid(server) not in killed
    assert "restarting it" in server.log()
