"""``make bench``: healthkg side by side with Oxigraph server and rdflib-endpoint.

For each size, one synthetic graph (``bench.generate``) plus the project's own files are
loaded into each server in turn, on the same machine: healthkg (``healthkg serve`` on a
fresh on-disk store), Oxigraph server (``oxigraph load`` then ``oxigraph serve
--union-default-graph``) and rdflib-endpoint (a Dataset whose default graph is the union).
Before anything is timed, each peer's answers to every query of the mix are compared with
healthkg's (parsed, as multisets). Then, per query: p50 and p99 at one connection and
throughput at 16 connections, for cold requests (every text distinct) and repeated ones
(80% one text); load time and peak memory (resident size of all the server's processes).
healthkg's SHACL-gated 100-triple commits are timed when the service has ``/update``.

Results: ``bench/results/peers.json`` and ``bench/results/peers.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import generate, report, writes
from bench.client import Connection
from bench.load import latency, request, throughput
from bench.mix import MIX, Shape, answer, check_texts, cold_texts, repeated_texts
from bench.run import _machine
from bench.servers import ROOT, Server, start_healthkg, start_oxigraph, start_rdflib_endpoint

RESULTS = ROOT / "bench" / "results"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def project_nquads(out: Path) -> Path:
    """The ontology and data of the project as one N-Quads file (graphs as healthkg names them)."""
    from healthkg import dataset
    from healthkg.config import PROJECT_ROOT

    path = out / "project.nq"
    payload = dataset.load(dataset.default_paths(PROJECT_ROOT)).serialize(
        format="nquads", encoding="utf-8")
    path.write_bytes(bytes(payload))
    return path


def shape_of(source: Path) -> Shape:
    """Networks of the generated graph whose first four members were all generated."""
    networks = sum(1 for line in source.read_text(encoding="utf-8").splitlines()
                   if line.startswith("Synthetic network "))
    return Shape(networks=max(1, networks - 1))


def fetch(server: Server, text: str, accept: str) -> tuple[int, bytes, str]:
    """One query; the status, body and media type of the answer."""
    connection = Connection("127.0.0.1", server.port)
    try:
        status, body = connection.request(request(server.port, server.path, text, accept))
    finally:
        connection.close()
    # rdflib-endpoint and Oxigraph label their answers; parse by the asked type first.
    return status, body, accept


def answers(server: Server, shape: Shape) -> dict[str, list[Any]]:
    """The parsed answers of every check text of the mix."""
    found: dict[str, list[Any]] = {}
    for query in MIX:
        found[query.name] = []
        for text in check_texts(query, shape):
            status, body, media_type = fetch(server, text, query.accept)
            if status != 200:
                found[query.name].append(f"status {status}: {body[:200]!r}")
                continue
            try:
                found[query.name].append(answer(body, media_type))
            except (ValueError, KeyError) as exc:
                found[query.name].append(f"unparsable answer: {exc}")
    return found


def compare(reference: dict[str, list[Any]], other: dict[str, list[Any]]) -> dict[str, Any]:
    """Per query: True when every answer equals the reference's, else what differs."""
    verdict: dict[str, Any] = {}
    for name, expected in reference.items():
        got = other.get(name, [])
        if got == expected:
            verdict[name] = True
            continue
        detail = []
        for mine, theirs in zip(expected, got, strict=False):
            if mine != theirs:
                if isinstance(theirs, str) or isinstance(mine, str):
                    detail.append(str(theirs)[:200])
                else:
                    detail.append(f"{sum(theirs.values())} results vs {sum(mine.values())}; "
                                  f"{sum((theirs - mine).values())} extra, "
                                  f"{sum((mine - theirs).values())} missing")
        verdict[name] = "; ".join(detail) or "differs"
    return verdict


def time_queries(server: Server, shape: Shape, *, budget: float, seconds: float,
                 connections: int, samples: int) -> dict[str, Any]:
    """Latency and throughput of every query of the mix, cold and repeated."""
    figures: dict[str, Any] = {}
    for number, query in enumerate(MIX):
        cold = [request(server.port, server.path, t, query.accept)
                for t in cold_texts(query, shape, samples, seed=number)]
        repeated = [request(server.port, server.path, t, query.accept)
                    for t in repeated_texts(query, shape, samples, seed=number)]
        many_cold = [request(server.port, server.path, t, query.accept)
                     for t in cold_texts(query, shape, 20_000, seed=1000 + number)]
        figures[query.name] = {
            "cold": {**latency(server.port, cold, budget=budget),
                     **throughput([(server.port, many_cold)], connections=connections,
                                  seconds=seconds)},
            "repeated": {**latency(server.port, repeated, budget=budget),
                         **throughput([(server.port, repeated)], connections=connections,
                                      seconds=seconds)},
        }
        print(f"    {query.name:58} cold p50 {figures[query.name]['cold']['p50_ms']:8.2f} ms"
              f" {figures[query.name]['cold']['requests_per_s']:8.1f}/s   repeated "
              f"{figures[query.name]['repeated']['requests_per_s']:8.1f}/s", flush=True)
    return figures


def bench_size(label: str, triples: int, work: Path, *, peers: list[str], budget: float,
               seconds: float, connections: int, samples: int, seed: int) -> dict[str, Any]:
    """Every figure of one size."""
    out = work / label
    data = generate.write(triples, seed, out)
    shape = shape_of(out / generate.SOURCE)
    files = [work / "project.nq", data]
    result: dict[str, Any] = {"triples_generated": triples, "servers": {}, "agreement": {}}
    reference: dict[str, list[Any]] | None = None
    starters = {"healthkg": lambda: start_healthkg(out, data),
                "oxigraph": lambda: start_oxigraph(out, files),
                "rdflib-endpoint": lambda: start_rdflib_endpoint(out, files)}
    for name in ["healthkg", *peers]:
        print(f"  {label}: starting {name}", flush=True)
        server = starters[name]()
        figures: dict[str, Any] = {"load_s": round(server.load_seconds, 2)}
        try:
            found = answers(server, shape)
            if reference is None:
                reference = found
            else:
                result["agreement"][name] = compare(reference, found)
                bad = {k: v for k, v in result["agreement"][name].items() if v is not True}
                print(f"  {name} agrees with healthkg on "
                      f"{len(MIX) - len(bad)}/{len(MIX)} queries {bad or ''}", flush=True)
            figures["queries"] = time_queries(server, shape, budget=budget, seconds=seconds,
                                              connections=connections, samples=samples)
            if name == "healthkg":
                figures["writes"] = writes.measure(server, out, shape)
        finally:
            figures["peak_memory_mb"] = round(server.stop() / 2**20, 1)
        result["servers"][name] = figures
        print(f"  {name}: load {figures['load_s']} s, peak memory "
              f"{figures['peak_memory_mb']} MB", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at the asked sizes; write JSON and Markdown results."""
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k",
                        help="comma-separated sizes: 10k, 100k, 1m or a number of triples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="duration of each throughput run")
    parser.add_argument("--budget", type=float, default=1.0,
                        help="longest time of each latency run (at least 5 requests)")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rdflib-max", type=int, default=100_000,
                        help="largest size rdflib-endpoint is run at (it loads slowly)")
    parser.add_argument("--output", default="peers", help="name of the result files")
    args = parser.parse_args(argv)
    sizes = [(s, SIZES.get(s.lower()) or int(s)) for s in args.sizes.split(",") if s]
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": _machine(),
        "seed": args.seed, "connections": args.connections, "seconds": args.seconds,
        "queries": [q.name for q in MIX], "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="healthkg-peers-") as tmp:
        work = Path(tmp)
        project_nquads(work)
        for label, triples in sizes:
            peers = ["oxigraph"] + (["rdflib-endpoint"] if triples <= args.rdflib_max else [])
            print(f"size {label} ({triples} triples): healthkg, {', '.join(peers)}",
                  flush=True)
            results["sizes"][label] = bench_size(
                label, triples, work, peers=peers, budget=args.budget, seconds=args.seconds,
                connections=args.connections, samples=args.samples, seed=args.seed)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(results, indent=2) + "\n",
                                                 encoding="utf-8")
    markdown = report.markdown(results)
    (RESULTS / f"{args.output}.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
