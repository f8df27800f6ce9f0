"""``make bench``: speed of the service over HTTP on the shipped graph.

Starts the real server (``healthkg serve --memory``: gunicorn workers and the engine), then
measures the point lookup p50 at one connection, requests per second at 16 connections,
and p50/p99 of a 10-query mix of typical researcher queries at one connection. "Distinct"
requests carry a comment that makes each query text new, so every one misses the result
cache and is evaluated by the engine; "repeated" requests are the same text each time (what
the cache and ETags are for). Prints a table and writes ``bench/results/serve.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.client import Connection, encode_get
from bench.load import latencies, throughput
from tests.procinfo import cpu_model

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"

PREFIXES = """PREFIX rh: <https://w3id.org/rennes-health/def#>
PREFIX hkorg: <https://w3id.org/rennes-health/id/org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
JSON = "application/sparql-results+json"

LOOKUP = "SELECT ?p ?o WHERE { hkorg:biogenouest ?p ?o }"

#: Name, query, Accept: what researchers ask of this graph.
MIX: list[tuple[str, str, str]] = [
    ("lookup", LOOKUP, JSON),
    ("members and roles (join)",
     "SELECT ?member ?label ?role WHERE { ?m org:organization hkorg:biogenouest ; "
     "org:member ?member . OPTIONAL { ?m org:role ?role } "
     "OPTIONAL { ?member skos:prefLabel ?label FILTER(lang(?label) = 'en') } }", JSON),
    ("labels en/fr (optional, language filter)",
     "SELECT ?s ?en ?fr WHERE { ?s skos:prefLabel ?en FILTER(lang(?en) = 'en') "
     "OPTIONAL { ?s skos:prefLabel ?fr FILTER(lang(?fr) = 'fr') } }", JSON),
    ("instances per class (aggregate)",
     "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type "
     "ORDER BY DESC(?n)", JSON),
    ("class hierarchy (property path)",
     "SELECT ?class ?super WHERE { ?class rdfs:subClassOf+ ?super }", JSON),
    ("labels containing 'cancer' (text filter)",
     "SELECT ?s ?label WHERE { ?s skos:prefLabel|skos:altLabel ?label "
     "FILTER(CONTAINS(LCASE(STR(?label)), 'cancer')) }", JSON),
    ("describe an organisation", "DESCRIBE hkorg:biogenouest", "text/turtle"),
    ("construct an organisation",
     "CONSTRUCT { hkorg:biogenouest ?p ?o . ?o skos:prefLabel ?l } WHERE { "
     "hkorg:biogenouest ?p ?o OPTIONAL { ?o skos:prefLabel ?l } }", "text/turtle"),
    ("quotes of the facts (provenance join)",
     "SELECT ?fact ?quote WHERE { ?fact a rh:SourceFact ; prov:value ?quote }", JSON),
    ("counts with their wording (order by, limit)",
     "SELECT ?count ?wording ?qualifier WHERE { ?count a rh:Count ; rh:wording ?wording ; "
     "rh:qualifier ?qualifier } ORDER BY ?count LIMIT 10", JSON),
]


def _request(port: int, query: str, accept: str, tag: str = "") -> bytes:
    text = PREFIXES + query + (f"\n# {tag}" if tag else "")
    return encode_get(HOST, port, "/sparql", {"query": text}, accept)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values) * 1000, 3),
            "p99_ms": round(_percentile(values, 0.99) * 1000, 3),
            "n": len(values)}


def _start_server(port: int, workdir: Path, workers: int) -> subprocess.Popen[bytes]:
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "healthkg.cli", "serve", "--host", HOST, "--port", str(port),
         "--memory", "--workers", str(workers), "--tokens", str(workdir / "tokens.json")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server did not start:\n"
                             + (workdir / "server.log").read_text(errors="replace"))
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=1) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("the server did not become ready in 60 s")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _machine() -> dict[str, Any]:
    return {"cpu": cpu_model() or platform.processor(), "cores": os.cpu_count(),
            "system": platform.platform(), "python": platform.python_version()}


def measure(port: int, *, samples: int, seconds: float, connections: int) -> dict[str, Any]:
    """Every figure of the benchmark against a running server."""
    results: dict[str, Any] = {}
    # Every mix query must answer, with something, before anything is timed.
    connection = Connection(HOST, port)
    for name, query, accept in MIX:
        status, body = connection.request(_request(port, query, accept))
        empty = (not json.loads(body)["results"]["bindings"] if accept == JSON
                 else not body.strip())
        if status != 200 or empty:
            raise SystemExit(f"query {name!r} answered {status} with no result: "
                             f"{body[:300]!r}")
    connection.close()
    warm = [_request(port, LOOKUP, JSON, f"warm {i}") for i in range(200)]
    latencies(port, warm)

    repeated = [_request(port, LOOKUP, JSON)] * samples
    distinct = [_request(port, LOOKUP, JSON, f"lookup {i}") for i in range(samples)]
    times, errors = latencies(port, repeated)
    results["lookup_1_connection_repeated"] = {**_ms(times), "errors": errors}
    times, errors = latencies(port, distinct)
    results["lookup_1_connection_distinct"] = {**_ms(times), "errors": errors}

    for label, requests in (("repeated", repeated[:1]),
                            ("distinct", [_request(port, LOOKUP, JSON, f"load {i}")
                                          for i in range(200_000)])):
        load = throughput([(port, requests)], connections=connections, seconds=seconds)
        results[f"lookup_{connections}_connections_{label}"] = {
            **load, "requests_per_s": round(load["requests_per_s"])}

    mix: dict[str, Any] = {}
    for number, (name, query, accept) in enumerate(MIX):
        requests = [_request(port, query, accept, f"mix {number} {i}") for i in range(samples)]
        times, errors = latencies(port, requests)
        mix[name] = {**_ms(times), "errors": errors}
    results["mix_1_connection_distinct"] = mix
    return results


def _print(results: dict[str, Any]) -> None:
    print(f"\nhealthkg serve benchmark - {results['machine']['cpu']}, "
          f"{results['machine']['cores']} cores, {results['quads']} quads, "
          f"{results['workers']} workers")
    for key in ("lookup_1_connection_repeated", "lookup_1_connection_distinct"):
        r = results[key]
        print(f"  {key:40} p50 {r['p50_ms']:7.3f} ms   p99 {r['p99_ms']:7.3f} ms")
    for key, r in results.items():
        if key.startswith("lookup_") and "requests_per_s" in r:
            print(f"  {key:40} {r['requests_per_s']:7d} req/s ({r['errors']} errors)")
    print("  10-query mix, 1 connection, distinct requests:")
    for name, r in results["mix_1_connection_distinct"].items():
        print(f"    {name:44} p50 {r['p50_ms']:7.3f} ms   p99 {r['p99_ms']:7.3f} ms")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--samples", type=int, default=1000,
                        help="requests per latency figure (default 1000)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="duration of each throughput run (default 5)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS / "serve.json")
    args = parser.parse_args(argv)
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="healthkg-bench-") as tmp:
        process = _start_server(port, Path(tmp), args.workers)
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=5) as r:
                health = json.loads(r.read())
            results: dict[str, Any] = {
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "machine": _machine(), "workers": args.workers,
                "quads": health.get("quads"), "version": health.get("version"),
                **measure(port, samples=args.samples, seconds=args.seconds,
                          connections=args.connections)}
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _print(results)
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
