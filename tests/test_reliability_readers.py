"""Readers during writes: 4 readers x 250 queries while 100 changes commit, and no reader
ever sees half a change.

Each change replaces a count's value, its wording and a note that repeats the value, three
triples removed and three added together (``rh:`` terms under a graph of the test). Before
and after every change the invariant holds: exactly one value, one wording and one note,
all saying the same number. Readers query without pause (each query differs, so nothing is
answered from a cache) and check the invariant on every answer.
"""

from __future__ import annotations

import threading

import pytest
import requests

from tests.harness import Server
from tests.reliability import record

pytestmark = pytest.mark.server

READERS = 4
QUERIES = 250
CHANGES = 100
NODE = "<urn:readers:count>"
GRAPH = "<urn:readers:g>"
P = "PREFIX ex: <urn:readers:> "


def _change(previous: int | None, value: int) -> str:
    insert = (f'{NODE} ex:value {value} ; ex:wording "{value} researchers" ; '
              f'ex:note "the count is {value}" .')
    if previous is None:
        return P + f"INSERT DATA {{ GRAPH {GRAPH} {{ {insert} }} }}"
    return P + (f"DELETE DATA {{ GRAPH {GRAPH} {{ {NODE} ex:value {previous} ; "
                f'ex:wording "{previous} researchers" ; ex:note "the count is {previous}" }} }} ; '
                f"INSERT DATA {{ GRAPH {GRAPH} {{ {insert} }} }}")


def test_readers_never_see_half_a_change(hostile_server: tuple[Server, str]) -> None:
    server, token = hostile_server
    auth = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"}
    first = requests.post(server.url + "update", data=_change(None, 0).encode(), headers=auth,
                          timeout=30)
    assert first.status_code == 200, first.text
    violations: list[str] = []
    seen: set[int] = set()
    answered = [0]
    lock = threading.Lock()
    started = threading.Event()

    def reader(number: int) -> None:
        with requests.Session() as session:
            started.wait()
            for i in range(QUERIES):
                query = (P + f"SELECT ?v ?w ?n WHERE {{ GRAPH {GRAPH} {{ OPTIONAL {{ {NODE} "
                         f"ex:value ?v }} OPTIONAL {{ {NODE} ex:wording ?w }} OPTIONAL {{ "
                         f"{NODE} ex:note ?n }} }} }} # reader {number} query {i}")
                response = session.post(server.url + "sparql", data={"query": query},
                                        headers={"Accept": "application/sparql-results+json"},
                                        timeout=30)
                rows = response.json()["results"]["bindings"] if response.ok else None
                with lock:
                    answered[0] += 1
                    if rows is None or len(rows) != 1 or set(rows[0]) != {"v", "w", "n"}:
                        violations.append(f"{response.status_code} {rows}")
                        continue
                    value = rows[0]["v"]["value"]
                    if (rows[0]["w"]["value"] != f"{value} researchers"
                            or rows[0]["n"]["value"] != f"the count is {value}"):
                        violations.append(str(rows))
                    seen.add(int(value))

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    started.set()
    committed = 0
    with requests.Session() as session:
        for value in range(1, CHANGES + 1):
            response = session.post(server.url + "update", headers=auth, timeout=30,
                                    data=_change(value - 1, value).encode())
            assert response.status_code == 200, response.text
            assert response.json()["added"] == 3 and response.json()["removed"] == 3
            committed += 1
    for thread in threads:
        thread.join()
    print(f"{answered[0]} reads during {committed} changes; {len(seen)} distinct values seen")
    assert violations == [], violations[:5]
    assert answered[0] == READERS * QUERIES
    assert len(seen) > 1  # the readers did overlap the writes
    record("readers-during-writes", {"reads": answered[0], "changes": committed,
                                     "values_seen": len(seen), "half_changes_seen": 0})
