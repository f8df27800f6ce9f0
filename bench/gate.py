"""Write benchmark on the shipped graph: validating and committing a 100-triple change.

Starts ``healthkg serve --memory`` with a fresh steward token, then commits changes of
exactly 100 triples through ``POST /update`` (each validated by the shapes gate, journaled
with fsync, applied, and answered), alternating a change that adds 100 alternative labels
and one that removes them, and times dry runs of the same change at ``/validate``. Prints
p50 and p99 and writes ``bench/results/gate.json``.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/rennes-health/id/"
ROUNDS = 60
TARGET_MS = 50.0


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _change(number: int, *, delete: bool) -> bytes:
    labels = " , ".join(f'"bench {number} {i}"@en' for i in range(100))
    verb = "DELETE DATA" if delete else "INSERT DATA"
    return (f"{verb} {{ GRAPH <{ID}fact/cluster> {{ <{ID}org/biogenouest> "
            f"<http://www.w3.org/2004/02/skos/core#altLabel> {labels} }} }}").encode()


def _post(url: str, body: bytes, token: str | None) -> float:
    headers = {"Content-Type": "application/sparql-update"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        assert response.status == 200
    return (time.perf_counter() - started) * 1000


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    """Run the benchmark; return the exit code."""
    from healthkg.tokens import TokenFile

    work = Path(tempfile.mkdtemp(prefix="healthkg-bench-gate-"))
    token = TokenFile(work / "tokens.json").add("bench")
    port = _port()
    server = subprocess.Popen(
        [sys.executable, "-m", "healthkg.cli", "serve", "--memory", "--port", str(port),
         "--tokens", str(work / "tokens.json")], cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        commits: list[float] = []
        dry_runs: list[float] = []
        for number in range(ROUNDS):
            dry_runs.append(_post(base + "validate", _change(number, delete=False), None))
            commits.append(_post(base + "update", _change(number, delete=False), token))
            commits.append(_post(base + "update", _change(number, delete=True), token))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    figures = {
        "what": "100-triple change validated by the shapes and committed over HTTP "
                "(shipped graph, in-memory store)",
        "commits": len(commits), "commit_p50_ms": round(statistics.median(commits), 2),
        "commit_p99_ms": round(_percentile(commits, 0.99), 2),
        "dry_run_p50_ms": round(statistics.median(dry_runs), 2),
        "target_p50_ms": TARGET_MS, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(f"write: 100-triple commit p50 {figures['commit_p50_ms']} ms, p99 "
          f"{figures['commit_p99_ms']} ms ({len(commits)} commits); dry run p50 "
          f"{figures['dry_run_p50_ms']} ms; target p50 <= {TARGET_MS:g} ms")
    out = ROOT / "bench" / "results" / "gate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
