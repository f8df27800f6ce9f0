"""Run the named queries on the shipped graph; write their answers as golden files.

    .venv/bin/python -m tests.regen_golden            # every query of queries/
    .venv/bin/python -m tests.regen_golden NAME ...   # some of them

The tests only compare with these files and never write them. Check every changed answer
against data/source.txt before committing it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pyoxigraph

from healthkg import dataset, namedqueries
from tests.harness import ROOT

QUERIES = ROOT / "queries"
GOLDEN = ROOT / "tests" / "golden"


def open_store(root: Path = ROOT) -> pyoxigraph.Store:
    """An in-memory store holding the project's ontology, shapes and data."""
    store = pyoxigraph.Store()
    dataset.load_into(store, dataset.default_paths(root))
    return store


def parse_term(ntriples: str) -> Any:
    """Read one N-Triples term (IRI or literal) into a pyoxigraph term."""
    quads = pyoxigraph.parse(f"<urn:x:s> <urn:x:p> {ntriples} .".encode(),
                             format=pyoxigraph.RdfFormat.N_TRIPLES)
    return next(iter(quads)).object


def run(store: pyoxigraph.Store, query: namedqueries.NamedQuery,
        values: dict[str, str] | None = None) -> dict[str, Any]:
    """Answer a named query with bound parameters, as parsed SPARQL JSON results."""
    substitutions = {pyoxigraph.Variable(name): parse_term(term)
                     for name, term in namedqueries.bind(query, values or {})}
    results = store.query(query.text, use_default_graph_as_union=True,
                          substitutions=substitutions)
    body = results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def write(name: str, results: dict[str, Any]) -> Path:
    """Write one golden file, pretty-printed for review."""
    path = GOLDEN / f"{name}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def main(names: list[str]) -> int:
    """Regenerate the golden files of the named queries (all when none is given)."""
    queries = namedqueries.load_all(QUERIES)
    unknown = [n for n in names if n not in queries]
    if unknown:
        print(f"unknown named queries: {', '.join(unknown)}", file=sys.stderr)
        return 2
    GOLDEN.mkdir(parents=True, exist_ok=True)
    store = open_store()
    for name in names or sorted(queries):
        results = run(store, queries[name])
        rows = len(results.get("results", {}).get("bindings", []))
        print(f"{write(name, results).relative_to(ROOT)}: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
