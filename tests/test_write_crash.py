"""kill -9 during commits: no acknowledged change is lost, none is partial, the data conforms.

A client commits two-triple changes without pause to a server on an on-disk store and
journal. In each round the engine is killed (SIGKILL; its supervisor restarts it, and writes
in flight are sent again under their change id), then the whole server's process group. The
next round restarts on the same store and journal. At the end every acknowledged change is
present, every change is present whole or not at all, and the store validates.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests

from healthkg.changes import _to_rdflib
from healthkg.validation import load_shapes, validate
from healthkg.writer import ONTOLOGY_FILES
from tests.conftest import steward_token
from tests.harness import ROOT, Server
from tests.writes import ID, P, data_quads

pytestmark = pytest.mark.server

ROUNDS = 11
ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")


def _change(label: str) -> str:
    return (P + f'INSERT DATA {{ GRAPH <{ID}fact/cluster> {{ <{ID}org/biogenouest> '
            f'skos:altLabel "{label}"@en , "{label}"@fr }} }}')


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _engine_pid(supervisor: int) -> int:
    # The supervisor's children are gunicorn's arbiter (which has workers) and the engine.
    for _ in range(100):
        engines = [p for p in _children(supervisor) if not _children(p)]
        if len(engines) == 1 and len(_children(supervisor)) == 2:
            return engines[0]
        time.sleep(0.05)
    raise AssertionError("no engine process found")


def _commit_until(server: Server, token: str, stop: threading.Event, prefix: str,
                  attempted: list[str], acknowledged: list[str]) -> None:
    number = 0
    while not stop.is_set():
        label = f"{prefix} {number}"
        number += 1
        attempted.append(label)
        try:
            response = requests.post(server.url + "update", data=_change(label).encode(),
                                     timeout=20, headers={
                                         "Content-Type": "application/sparql-update",
                                         "Authorization": f"Bearer {token}"})
        except requests.RequestException:
            continue
        if response.status_code == 200:
            acknowledged.append(label)


def test_kill_9_during_commits_loses_nothing_acknowledged(tmp_path: Path) -> None:
    tokens, token = steward_token(tmp_path)
    args = ["--store", str(tmp_path / "store"), "--journal", str(tmp_path / "journal"),
            "--tokens", str(tokens), "--workers", "1"]
    rng = random.Random(4)
    attempted: list[str] = []
    acknowledged: list[str] = []
    kills = 0
    for round_ in range(ROUNDS):
        server = Server(args=args).start()
        assert server.process is not None
        stop = threading.Event()
        client = threading.Thread(target=_commit_until, args=(
            server, token, stop, f"crash {round_}", attempted, acknowledged))
        client.start()
        try:
            time.sleep(rng.uniform(0.2, 0.5))
            os.kill(_engine_pid(server.process.pid), signal.SIGKILL)
            kills += 1
            time.sleep(rng.uniform(0.3, 0.6))
            os.killpg(server.process.pid, signal.SIGKILL)
            kills += 1
        finally:
            stop.set()
            client.join()
            server.stop(signal.SIGKILL)
    print(f"{kills} kill -9, {len(acknowledged)} acknowledged of {len(attempted)} sent")
    assert kills >= 20
    assert len(acknowledged) >= ROUNDS  # commits did happen between the kills
    server = Server(args=args).start()
    try:
        labels: dict[str, set[str | None]] = {}
        for quad in data_quads(server):
            if quad.predicate == ALT and isinstance(quad.object, ox.Literal):
                labels.setdefault(quad.object.value, set()).add(quad.object.language)
    finally:
        server.stop()
    missing = [label for label in acknowledged if labels.get(label) != {"en", "fr"}]
    assert not missing, f"acknowledged changes lost: {missing}"
    partial = [label for label in attempted if labels.get(label) not in (None, {"en", "fr"})]
    assert not partial, f"partial changes: {partial}"
    store = ox.Store(str(tmp_path / "store"))
    data = rdflib.Graph()
    for quad in store.quads_for_pattern(None, None, None, None):
        data.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate),
                  _to_rdflib(quad.object)))
    ontology = rdflib.Graph()
    for name in ONTOLOGY_FILES:
        ontology.parse(data=(ROOT / "ontology" / name).read_bytes(), format="turtle")
    report = validate(data, load_shapes(ROOT), ontology=ontology)
    assert report.conforms, [v.message for v in report.violations][:5]
