"""``healthkg export DIR``: the current state of the local store as Turtle and TriG files.

Each graph that is an ontology (the ontology, the shapes, the reused vocabularies: a graph
named by the ``owl:Ontology`` it holds) becomes ``NAME.ttl``; every other named graph, with
the default graph if it holds anything, goes to ``data.trig``; the history of changes to
``history.trig``. Loading the files again (``healthkg serve`` with them as its data) gives
an isomorphic dataset, so accepted changes can be committed to ``data/``.

Exit codes: 0 written, 2 cannot write, 3 store in use by a running server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from healthkg.cli import local
from healthkg.execution import DEFAULT_PREFIXES
from healthkg.gate import CHANGES_GRAPH

_ONTOLOGY = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def register(subparsers: Any) -> None:
    """Add the ``export`` sub-command."""
    parser = subparsers.add_parser(
        "export", help="Write the local store's current state as Turtle and TriG files.")
    parser.add_argument("directory", type=Path, help="Where to write the files.")
    local.add_store_options(parser, writes=False)
    parser.set_defaults(func=run)


def export(store: ox.Store, directory: Path) -> list[Path]:
    """Write the store's graphs into ``directory``; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    data: list[ox.Quad] = []
    history: list[ox.Quad] = []
    for graph in sorted(store.named_graphs(), key=str):
        quads = list(store.quads_for_pattern(None, None, None, graph))
        if not quads:
            continue
        if isinstance(graph, ox.NamedNode) and ox.Quad(graph, _TYPE, _ONTOLOGY, graph) in store:
            name = graph.value.rstrip("/#").rsplit("/", 1)[-1] or "ontology"
            path = directory / f"{name}.ttl"
            triples = sorted((ox.Triple(q.subject, q.predicate, q.object) for q in quads),
                             key=str)
            path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE,
                                          prefixes=DEFAULT_PREFIXES) or b"")
            written.append(path)
        elif graph == ox.NamedNode(CHANGES_GRAPH):
            history += quads
        else:
            data += quads
    data += store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    for name, quads in (("data.trig", data), ("history.trig", history)):
        if quads:
            path = directory / name
            path.write_bytes(ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.TRIG,
                                          prefixes=DEFAULT_PREFIXES) or b"")
            written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    """Export the local store; return the exit code."""
    settings = local.settings_of(args)
    store = local.open_store(settings, "export")
    if store is None:
        return local.EXIT_IN_USE
    try:
        files = export(store.pyoxigraph_store, args.directory)
    except OSError as exc:
        print(f"healthkg export: {exc}", file=sys.stderr)
        return local.EXIT_INPUT
    finally:
        store.close()
    for path in files:
        print(path)
    return 0
