"""Scale-out: one and two stateless healthkg replicas over one shared Oxigraph server.

One Oxigraph server holds the project's files and a synthetic graph; healthkg replicas serve
it with ``--store sparql+http://...``. The load generator spreads its connections round-robin
over the replicas (as a load balancer would) and measures throughput for cold and repeated
requests of a few queries of the mix, with one replica and then with two.

Results: ``bench/results/replicas.json`` and ``bench/results/replicas.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import generate
from bench.load import request, throughput
from bench.mix import MIX, cold_texts, repeated_texts
from bench.peers import RESULTS, SIZES, project_nquads, shape_of
from bench.run import _machine
from bench.servers import Server, start_healthkg, start_oxigraph

QUERIES = ["point lookup", "members and roles (2-hop join)",
           "people of a network (4-hop join)", "largest organisations (ORDER BY, LIMIT)"]


def measure(replicas: list[Server], backend: Server, shape: Any, *, seconds: float,
            connections: int) -> dict[str, Any]:
    """Throughput of each chosen query, cold and repeated, spread over the replicas."""
    figures: dict[str, Any] = {}
    for number, query in enumerate(q for q in MIX if q.name in QUERIES):
        cold = cold_texts(query, shape, 20_000, seed=500 + number)
        repeated = repeated_texts(query, shape, 20_000, seed=600 + number)
        figures[query.name] = {
            mode: throughput([(r.port, [request(r.port, r.path, t, query.accept)
                                        for t in texts]) for r in replicas],
                             connections=connections, seconds=seconds)
            for mode, texts in (("cold", cold), ("repeated", repeated))}
        print(f"    {len(replicas)} replica(s) {query.name:45} cold "
              f"{figures[query.name]['cold']['requests_per_s']:8.1f}/s repeated "
              f"{figures[query.name]['repeated']['requests_per_s']:8.1f}/s", flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure one and two replicas; write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="HTTP workers per replica")
    args = parser.parse_args(argv)
    triples = SIZES.get(args.size.lower()) or int(args.size)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": _machine(),
        "size": args.size, "workers_per_replica": args.workers,
        "connections": args.connections, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="healthkg-replicas-") as tmp:
        work = Path(tmp)
        data = generate.write(triples, args.seed, work)
        shape = shape_of(work / generate.SOURCE)
        backend = start_oxigraph(work, [project_nquads(work), data], union=False)
        url = f"sparql+http://127.0.0.1:{backend.port}{backend.path}"
        try:
            for count in (1, 2):
                replicas = [start_healthkg(work / f"r{count}-{i}", data, store=url,
                                           workers=args.workers, name=f"replica{i}")
                            for i in range(count)]
                try:
                    results["runs"][str(count)] = measure(
                        replicas, backend, shape, seconds=args.seconds,
                        connections=args.connections)
                finally:
                    for replica in replicas:
                        replica.stop()
        finally:
            backend.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "replicas.json").write_text(json.dumps(results, indent=2) + "\n",
                                           encoding="utf-8")
    lines = [f"Scale-out over one Oxigraph server ({args.size} triples), "
             f"{args.workers} workers per replica, {args.connections} connections, "
             f"{results['machine']['cores']} cores, {results['date']}.", "",
             "| Query | 1 replica cold req/s | 2 replicas cold req/s | 1 replica repeated "
             "req/s | 2 replicas repeated req/s |", "|---|---|---|---|---|"]
    for name in QUERIES:
        one, two = results["runs"]["1"][name], results["runs"]["2"][name]
        lines.append(f"| {name} | {one['cold']['requests_per_s']:,.0f} | "
                     f"{two['cold']['requests_per_s']:,.0f} | "
                     f"{one['repeated']['requests_per_s']:,.0f} | "
                     f"{two['repeated']['requests_per_s']:,.0f} |")
    text = "\n".join(lines) + "\n"
    (RESULTS / "replicas.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
