"""``healthkg load``, ``update`` and ``export`` on a local on-disk store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from healthkg import dataset
from healthkg.cli import main
from tests.conftest import steward_token
from tests.harness import ROOT, Server
from tests.writes import ID, alt_label, set_count


def _options(tmp_path: Path) -> list[str]:
    return ["--store", str(tmp_path / "store"), "--journal", str(tmp_path / "journal")]


def _graphs(paths: list[Path]) -> dict[str, rdflib.Graph]:
    """Each graph of the files, loaded as the service loads them."""
    store = ox.Store()
    dataset.load_into(store, paths)
    return _store_graphs(store)


def _store_graphs(store: ox.Store) -> dict[str, rdflib.Graph]:
    from healthkg.changes import _to_rdflib

    graphs: dict[str, rdflib.Graph] = {}
    for quad in store.quads_for_pattern(None, None, None, None):
        graph = graphs.setdefault(str(quad.graph_name), rdflib.Graph())
        graph.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate),
                   _to_rdflib(quad.object)))
    return graphs


def test_update_load_and_export_round_trip(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    options = _options(tmp_path)
    assert main(["update", alt_label("biogenouest", "local"), "-m", "local label",
                 *options]) == 0
    assert "1 added" in capsys.readouterr().out
    assert main(["update", set_count("biogenouest-researchers", 5000), *options]) == 1
    assert "larger than the exact count" in capsys.readouterr().out
    turtle = tmp_path / "more.ttl"
    turtle.write_text(f'<{ID}org/biogenouest> <http://www.w3.org/2004/02/skos/core#altLabel> '
                      '"loaded"@en .\n', encoding="utf-8")
    assert main(["load", str(turtle), "--graph", f"{ID}fact/cluster", "-m", "load",
                 *options]) == 0
    assert main(["load", str(turtle), *options]) == 2  # a Turtle file needs --graph
    assert main(["export", str(tmp_path / "out"), *options]) == 0
    files = sorted((tmp_path / "out").iterdir())
    assert {p.name for p in files} >= {"data.trig", "history.trig", "def.ttl", "shapes.ttl"}
    exported = _graphs(files)
    store = ox.Store(str(tmp_path / "store"))
    try:
        current = _store_graphs(store)
    finally:
        del store
    assert exported.keys() == current.keys()
    for name, graph in current.items():
        assert isomorphic(exported[name], graph), name
    alt = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#altLabel")
    labels = {str(o) for o in exported[f"<{ID}fact/cluster>"].objects(None, alt)}
    assert {"local", "loaded"} <= labels


@pytest.mark.server
def test_store_held_by_a_running_server_is_refused_with_advice(tmp_path: Path) -> None:
    tokens, _ = steward_token(tmp_path)
    server = Server(args=[*_options(tmp_path), "--tokens", str(tokens)]).start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "healthkg.cli", "update", alt_label("biogenouest", "x"),
             *_options(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        server.stop()
    assert result.returncode == 3
    assert "in use by a running server" in result.stderr and "Bearer" in result.stderr
