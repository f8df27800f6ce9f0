"""``make soak``: load and soak tests of the real server (not in CI).

1. Load: ``HEALTHKG_SOAK_CLIENTS`` (64) concurrent keep-alive clients for
   ``HEALTHKG_SOAK_LOAD_SECONDS`` (600) on a mixed workload (named queries and point lookups,
   one request in ten a committed change: ``HEALTHKG_SOAK_WRITE_SHARE``, 0.1): every answer
   must be 2xx; p50 and p99 recorded, and the server's memory growth per committed
   change.
2. Soak: ``HEALTHKG_SOAK_SOAK_CLIENTS`` (8) clients for ``HEALTHKG_SOAK_SECONDS`` (1800) on
   the same queries, with ``HEALTHKG_SOAK_SOAK_WRITES_PER_MINUTE`` (30) committed changes a
   minute, sampling every ``HEALTHKG_SOAK_SAMPLE_SECONDS`` (10) the resident memory, open
   files and processes of the server: memory must grow by less than 1 MiB a minute
   (least-squares slope after the first fifth), open files and processes must stay level,
   and the engine must have been restarted only by deadline kills.

Every accepted change stays in the store with its PROV-O record (about ten quads), and
RocksDB caches what it reads (up to its cache sizes): memory grows with the data. The load
phase reports that cost per committed change; the soak, which looks for leaks, commits
changes at a steady rate (1,800 an hour by default) rather than a share of requests, so that
its figure does not depend on how many requests the machine serves.

The figures go to tests/artifacts/reliability.json (section ``soak``); render RELIABILITY.md
with ``python -m tests.reliability_report``. Exit status 1 when a bound is missed.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

import requests

from healthkg.tokens import TokenFile
from tests.harness import ROOT, Server
from tests.procinfo import session_members
from tests.reliability import open_files, record, rss_bytes

ID = "https://w3id.org/rennes-health/id/"
P = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "


def _env(name: str, default: float) -> float:
    return float(os.environ.get("HEALTHKG_SOAK_" + name, default))


def _queries() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    # Named queries with parameters need bindings: keep those that run as they are.
    texts = [t for t in texts if "$" not in t.split("WHERE", 1)[-1]]
    return [*texts, f"SELECT ?p ?o WHERE {{ <{ID}org/biogenouest> ?p ?o }}",
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "ASK { ?s a ?t }"]


class Load:
    """Clients running the mix until told to stop; what they saw."""

    def __init__(self, server: Server, token: str, clients: int, seed: int,
                 write_share: float = 0.0, writes_per_minute: float = 0.0) -> None:
        self.server = server
        self.token = token
        self.clients = clients
        self.seed = seed
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.queries = _queries()
        self.write_share = write_share
        #: When set, changes are committed at this rate (shared by the clients) instead.
        self.write_every = 60.0 / writes_per_minute if writes_per_minute > 0 else 0.0
        self._next_write = time.monotonic()
        self.committed = 0

    def _client(self, number: int) -> None:
        rng = random.Random(self.seed * 1000 + number)  # noqa: S311 - a workload
        auth = {"Authorization": f"Bearer {self.token}",
                "Content-Type": "application/sparql-update"}
        label = f"soak {self.seed} {number}"
        present = False
        with requests.Session() as session:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    if self._write_turn(rng):
                        verb = "DELETE DATA" if present else "INSERT DATA"
                        text = (P + f"{verb} {{ GRAPH <{ID}fact/cluster> {{ <{ID}org/"
                                f'biogenouest> skos:altLabel "{label}"@en }} }}')
                        response = session.post(self.server.url + "update", headers=auth,
                                                data=text.encode(), timeout=120)
                        if response.ok:
                            present = not present
                            with self.lock:
                                self.committed += 1
                    else:
                        # One request in five is new text: the others may come from caches.
                        query = rng.choice(self.queries)
                        if rng.random() < 0.2:
                            query += f"\n# {number} {rng.random()}"
                        response = session.post(self.server.url + "sparql",
                                                data={"query": query}, timeout=120)
                    status = response.status_code
                except requests.RequestException as exc:
                    status = -1
                    with self.lock:
                        self.errors.append(repr(exc))
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.statuses[status] += 1
                    self.latencies.append(elapsed)
                    if not 200 <= status < 300 and status != -1:
                        self.errors.append(f"{status}: {response.text[:200]}")

    def _write_turn(self, rng: random.Random) -> bool:
        """Whether this client's next request is a change."""
        if not self.write_every:
            return rng.random() < self.write_share
        with self.lock:
            now = time.monotonic()
            if now < self._next_write:
                return False
            self._next_write = max(self._next_write + self.write_every, now)
            return True

    def run(self, seconds: float, sample: float = 0.0,
            samples: list[dict[str, float]] | None = None) -> None:
        threads = [threading.Thread(target=self._client, args=(n,))
                   for n in range(self.clients)]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            time.sleep(min(sample or seconds, max(0.0, seconds - (time.monotonic() - started))))
            if samples is not None:
                samples.append(_sample(self.server, time.monotonic() - started))
        self.stop.set()
        for thread in threads:
            thread.join()

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _sample(server: Server, at: float) -> dict[str, float]:
    assert server.process is not None
    return {"t": at, "rss": rss_bytes(server), "fds": open_files(server),
            "processes": len(session_members(server.process.pid))}


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def main() -> int:
    """Run the load then the soak; record the figures; 1 when a bound is missed."""
    clients = int(_env("CLIENTS", 64))
    load_seconds = _env("LOAD_SECONDS", 600)
    soak_clients = int(_env("SOAK_CLIENTS", 8))
    soak_seconds = _env("SECONDS", 1800)
    sample_every = _env("SAMPLE_SECONDS", 10)
    write_share = _env("WRITE_SHARE", 0.1)
    soak_writes_per_minute = _env("SOAK_WRITES_PER_MINUTE", 30)
    failures: list[str] = []
    with TemporaryDirectory() as tmp:
        tokens = Path(tmp) / "tokens.json"
        token = TokenFile(tokens).add("soak")
        server = Server(args=["--store", str(Path(tmp) / "store"), "--journal",
                              str(Path(tmp) / "journal"), "--tokens", str(tokens)]).start()
        try:
            load = Load(server, token, clients, seed=1, write_share=write_share)
            load_samples: list[dict[str, float]] = []
            load.run(load_seconds, sample_every, load_samples)
            # Memory per committed change: the slope after the first fifth (the warm-up of
            # the workers and caches) over the rate of changes.
            warm = load_samples[len(load_samples) // 5:]
            slope_per_minute = _slope([(x["t"] / 60, x["rss"]) for x in warm])
            per_change = slope_per_minute / max(load.committed / (load_seconds / 60), 1e-9)
            served = sum(load.statuses.values())
            print(f"load: {clients} clients, {load_seconds:g} s, {served} requests, "
                  f"{served / load_seconds:.0f}/s, p50 {load.percentile(0.5) * 1000:.1f} ms, "
                  f"p99 {load.percentile(0.99) * 1000:.1f} ms, errors {len(load.errors)}, "
                  f"{load.committed} changes committed, memory {per_change / 1024:+.1f} KiB "
                  "a change")
            if load.errors:
                failures.append(f"load: {len(load.errors)} errors, e.g. {load.errors[:3]}")
            samples: list[dict[str, float]] = []
            soak = Load(server, token, soak_clients, seed=2,
                        writes_per_minute=soak_writes_per_minute)
            soak.run(soak_seconds, sample_every, samples)
            log = server.log()
        finally:
            server.stop()
    steady = samples[len(samples) // 5:]
    slope = _slope([(s["t"] / 60, s["rss"] / 2**20) for s in steady]) if steady else 0.0
    fds = [int(s["fds"]) for s in steady]
    processes = [int(s["processes"]) for s in steady]
    restarts = log.count("restarting it")
    timeouts = load.statuses[503] + soak.statuses[503]
    soak_served = sum(soak.statuses.values())
    print(f"soak: {soak_clients} clients, {soak_seconds:g} s, {soak_served} requests, "
          f"memory {slope:+.2f} MiB/min, open files {min(fds, default=0)}-"
          f"{max(fds, default=0)}, processes {min(processes, default=0)}-"
          f"{max(processes, default=0)}, engine restarts {restarts}, errors "
          f"{len(soak.errors)}, {soak.committed} changes committed")
    if soak.errors:
        failures.append(f"soak: {len(soak.errors)} errors, e.g. {soak.errors[:3]}")
    if slope >= 1.0:
        failures.append(f"memory grew by {slope:.2f} MiB a minute")
    if fds and max(fds) - min(fds) > 16:
        failures.append(f"open files went from {min(fds)} to {max(fds)}")
    if processes and max(processes) != min(processes):
        failures.append(f"processes went from {min(processes)} to {max(processes)}")
    if restarts > timeouts:
        failures.append(f"{restarts} engine restarts for {timeouts} deadline kills")
    record("soak", {
        "load_clients": clients, "load_seconds": load_seconds, "load_requests": served,
        "load_p50_ms": round(load.percentile(0.5) * 1000, 2),
        "load_p99_ms": round(load.percentile(0.99) * 1000, 2),
        "load_errors": len(load.errors), "load_write_share": write_share,
        "load_changes": load.committed,
        "load_memory_kib_per_change": round(per_change / 1024, 2),
        "soak_clients": soak_clients, "soak_writes_per_minute": soak_writes_per_minute,
        "soak_changes": soak.committed,
        "soak_seconds": soak_seconds, "soak_requests": soak_served,
        "soak_errors": len(soak.errors), "memory_mib_per_minute": round(slope, 3),
        "open_files": [min(fds, default=0), max(fds, default=0)],
        "processes": [min(processes, default=0), max(processes, default=0)],
        "engine_restarts": restarts, "deadline_kills": timeouts,
        "passed": not failures})
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
