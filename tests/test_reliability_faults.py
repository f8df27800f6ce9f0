"""Faults in the write path: kill -9 at named points and at random moments loses nothing.

A server on an on-disk store and journal is started once per group of armed fault points
(``HEALTHKG_FAULT``, see ``healthkg.faults``); a client commits two-triple changes one
after the other while the engine kills itself at the armed points, a thread kills it at
random moments, and at the end of each round the whole server is killed (SIGKILL). After a
clean restart: every acknowledged change is present, none is partial, the store conforms to
the shapes, and the journal (``/changes``) and the history graph agree.

A journal truncated at offsets spanning every record boundary replays, at engine start, to
exactly the prefix of the changes it holds whole.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests

from healthkg import gate, writer
from healthkg.changes import _to_rdflib
from healthkg.config import Settings
from healthkg.engine.storage import open_store
from healthkg.journal import JOURNAL_FILE, Journal
from healthkg.store.base import WriteRequest
from healthkg.validation import load_shapes, validate
from healthkg.writer import ONTOLOGY_FILES
from tests.conftest import steward_token
from tests.harness import ROOT, Server
from tests.reliability import record
from tests.writes import HISTORY, ID, P, data_quads

pytestmark = pytest.mark.server

ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
#: Points armed together in one round; during-replay needs a journaled, unapplied change.
ROUNDS = [["after-parse:2"], ["after-validate:2"],
          ["after-journal-sync:2", "during-replay:2"], ["after-commit:2"],
          ["before-answer:2"]]
WRITES_PER_ROUND = 12


def _change(label: str) -> str:
    return (P + f'INSERT DATA {{ GRAPH <{ID}fact/cluster> {{ <{ID}org/biogenouest> '
            f'skos:altLabel "{label}"@en , "{label}"@fr }} }}')


def _engine_pid(server: Server) -> int:
    return int(requests.get(server.url + "health", timeout=30).json()["pid"])


def _labels(server: Server) -> dict[str, set[str | None]]:
    labels: dict[str, set[str | None]] = {}
    for quad in data_quads(server):
        if quad.predicate == ALT and isinstance(quad.object, ox.Literal):
            labels.setdefault(quad.object.value, set()).add(quad.object.language)
    return labels


def _conforms(store_dir: Path) -> None:
    store = ox.Store(str(store_dir))
    data = rdflib.Graph()
    for quad in store.quads_for_pattern(None, None, None, None):
        data.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate),
                  _to_rdflib(quad.object)))
    del store
    ontology = rdflib.Graph()
    for name in ONTOLOGY_FILES:
        ontology.parse(data=(ROOT / "ontology" / name).read_bytes(), format="turtle")
    report = validate(data, load_shapes(ROOT), ontology=ontology)
    assert report.conforms, [v.message for v in report.violations][:5]


def _history_agrees_with_journal(server: Server) -> int:
    records = []
    page = 1
    while True:
        body = requests.get(server.url + "changes", params={"page": page},
                            headers={"Accept": "application/json"}, timeout=30).json()
        records += body["changes"]
        if page * body["page_size"] >= body["total"]:
            break
        page += 1
    journaled = {(r["change"], r["seq"]) for r in records}
    seq = ox.NamedNode(gate._RH + "sequence")
    dump = requests.get(server.url + "dump.nq", timeout=60).content
    history = {(q.subject.value.removeprefix(gate.CHANGE_BASE), int(q.object.value))
               for q in ox.parse(dump, format=ox.RdfFormat.N_QUADS)
               if q.graph_name == HISTORY and q.predicate == seq}
    assert journaled == history
    assert sorted(s for _, s in journaled) == list(range(1, len(journaled) + 1))
    return len(journaled)


def test_kill_9_at_every_fault_point_and_at_random_loses_nothing(tmp_path: Path) -> None:
    tokens, token = steward_token(tmp_path)
    args = ["--store", str(tmp_path / "store"), "--journal", str(tmp_path / "journal"),
            "--tokens", str(tokens), "--workers", "1"]
    rng = random.Random(8)
    attempted: list[str] = []
    acknowledged: list[str] = []
    fired: dict[str, int] = {}
    random_kills = group_kills = 0
    for number, points in enumerate(ROUNDS):
        server = Server(args=args, env={"HEALTHKG_FAULT": ",".join(points)}).start()
        assert server.process is not None
        stop = threading.Event()
        killed: list[int] = []

        def killer(srv: Server = server, done: threading.Event = stop,
                   out: list[int] = killed) -> None:
            # Random moments, away from the fault points' own restarts.
            while not done.wait(rng.uniform(0.4, 1.2)):
                try:
                    os.kill(_engine_pid(srv), signal.SIGKILL)
                    out.append(1)
                except (requests.RequestException, ProcessLookupError, ValueError):
                    pass
                if len(out) >= 2:
                    return

        thread = threading.Thread(target=killer)
        thread.start()
        try:
            with requests.Session() as session:
                for i in range(WRITES_PER_ROUND):
                    label = f"fault {number} {i}"
                    attempted.append(label)
                    try:
                        response = session.post(
                            server.url + "update", data=_change(label).encode(), timeout=120,
                            headers={"Content-Type": "application/sparql-update",
                                     "Authorization": f"Bearer {token}"})
                    except requests.RequestException:
                        continue
                    assert response.status_code in (200, 503), response.text
                    if response.status_code == 200:
                        acknowledged.append(label)
        finally:
            stop.set()
            thread.join()
            random_kills += len(killed)
            time.sleep(rng.uniform(0.0, 0.3))
            os.killpg(server.process.pid, signal.SIGKILL)
            group_kills += 1
            server.stop(signal.SIGKILL)
        log = server.log()
        for point in points:
            name = point.split(":")[0]
            fired[name] = log.count(f"fault point {name} reached")
    faults = sum(fired.values())
    print(f"fault points fired: {fired}; {random_kills} random engine kills, {group_kills} "
          f"server kills; {len(acknowledged)} acknowledged of {len(attempted)}")
    assert all(count >= 1 for count in fired.values()), fired
    assert faults + random_kills + group_kills >= 20
    server = Server(args=args).start()
    try:
        labels = _labels(server)
        changes = _history_agrees_with_journal(server)
    finally:
        server.stop()
    missing = [label for label in acknowledged if labels.get(label) != {"en", "fr"}]
    assert not missing, f"acknowledged changes lost: {missing}"
    partial = [label for label in attempted if labels.get(label) not in (None, {"en", "fr"})]
    assert not partial, f"partial changes: {partial}"
    _conforms(tmp_path / "store")
    record("write-faults", {
        "fault_points_fired": fired, "random_engine_kills": random_kills,
        "server_kills": group_kills, "kills": faults + random_kills + group_kills,
        "changes_sent": len(attempted), "acknowledged": len(acknowledged),
        "changes_in_history": changes, "lost": len(missing), "partial": len(partial)})


# --- a truncated journal --------------------------------------------------------------------

CHANGES = 4


def _record_update(i: int) -> str:
    return (P + f'INSERT DATA {{ GRAPH <{ID}fact/cluster> {{ <{ID}org/biogenouest> '
            f'skos:altLabel "journal {i}"@en , "journal {i}"@fr }} }}')


def _present(store: ox.Store) -> list[int]:
    labels: dict[int, set[str | None]] = {}
    for quad in store.quads_for_pattern(None, ALT, None, None):
        value = quad.object.value
        if isinstance(quad.object, ox.Literal) and value.startswith("journal "):
            labels.setdefault(int(value.split()[1]), set()).add(quad.object.language)
    assert all(langs == {"en", "fr"} for langs in labels.values()), labels  # none partial
    return sorted(labels)


def test_journal_truncated_at_any_offset_replays_to_a_prefix_at_engine_start(
        tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "pristine"))
    opened = open_store(settings, tmp_path)
    opened.store.flush()
    del opened
    # The journal of four accepted changes, written by the writer itself on a copy.
    shutil.copytree(tmp_path / "pristine", tmp_path / "written")
    shapes = writer.load_graph([settings.shapes_path])
    ontology = writer.load_graph([ROOT / "ontology" / n for n in ONTOLOGY_FILES])

    def open_writer(store: ox.Store, journal_dir: Path) -> writer.Writer:
        return writer.Writer(store, Journal(journal_dir), shapes, ontology, "test",
                             publish=lambda record, added, removed: writer.version_for(record),
                             current_version=lambda: "v0")

    journal_dir = tmp_path / "journal"
    written = open_writer(ox.Store(str(tmp_path / "written")), journal_dir)
    for i in range(CHANGES):
        outcome = written.write(WriteRequest(kind="update", text=_record_update(i),
                                             author="steward"))
        assert outcome.change_id is not None
    del written
    data = (journal_dir / JOURNAL_FILE).read_bytes()
    boundaries = [0] + [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]
    assert len(boundaries) == CHANGES + 1
    rng = random.Random(5)
    offsets = sorted({*(b + d for b in boundaries for d in (-2, -1, 0, 1, 2)),
                      *(rng.randrange(len(data)) for _ in range(20))} & set(
                          range(len(data) + 1)))
    for cut in offsets:
        trial = tmp_path / f"trial-{cut}"
        shutil.copytree(tmp_path / "pristine", trial / "store")
        (trial / "journal").mkdir()
        (trial / "journal" / JOURNAL_FILE).write_bytes(data[:cut])
        store = ox.Store(str(trial / "store"))
        replayed = open_writer(store, trial / "journal").replay()
        whole = sum(1 for b in boundaries[1:] if b <= cut)
        assert len(replayed) == whole, cut
        assert _present(store) == list(range(whole)), cut
        assert gate.applied_sequence(store) == whole
        # The torn tail was cut off: the next append follows the last whole record.
        assert (trial / "journal" / JOURNAL_FILE).read_bytes() == data[:boundaries[whole]]
        del store
        shutil.rmtree(trial)
    # And through the real server: a store and a journal cut inside the third record.
    shutil.copytree(tmp_path / "pristine", tmp_path / "served")
    (tmp_path / "served-journal").mkdir()
    (tmp_path / "served-journal" / JOURNAL_FILE).write_bytes(data[:boundaries[2] + 40])
    tokens, _ = steward_token(tmp_path)
    server = Server(args=["--store", str(tmp_path / "served"), "--journal",
                          str(tmp_path / "served-journal"), "--tokens", str(tokens)]).start()
    try:
        labels = _labels(server)
        assert {k for k in labels if k.startswith("journal ")} == {"journal 0", "journal 1"}
        assert _history_agrees_with_journal(server) == 2
    finally:
        server.stop()
    record("journal-truncation", {"offsets_tried": len(offsets) + 1,
                                  "journal_bytes": len(data), "records": CHANGES})
