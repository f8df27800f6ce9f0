"""Latency and throughput of one query stream against one or more servers over HTTP.

Requests are pre-encoded and sent on keep-alive connections (``bench.client.Connection``),
from several processes with several threads each, so that the client is not what limits
the figures. Throughput divides the requests completed by the time actually taken, so a
slow server is not flattered by requests that finish after the nominal duration.
"""

from __future__ import annotations

import multiprocessing
import statistics
import threading
import time
from collections.abc import Sequence
from typing import Any

from bench.client import Connection, encode_get

HOST = "127.0.0.1"


def request(port: int, path: str, query: str, accept: str) -> bytes:
    """A GET request of the SPARQL protocol, ready to send."""
    return encode_get(HOST, port, path, {"query": query}, accept)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latencies(port: int, requests: Sequence[bytes], *, budget: float = float("inf"),
              minimum: int = 5) -> tuple[list[float], int]:
    """Seconds per request and errors, one request after another on one connection.

    Stops after ``budget`` seconds (once ``minimum`` requests are done), or at the end.
    """
    connection = Connection(HOST, port)
    times: list[float] = []
    errors = 0
    stop_at = time.monotonic() + budget
    for raw in requests:
        if len(times) >= minimum and time.monotonic() > stop_at:
            break
        started = time.perf_counter()
        status, _ = connection.request(raw)
        times.append(time.perf_counter() - started)
        errors += status != 200
    connection.close()
    return times, errors


def latency(port: int, requests: Sequence[bytes], *, budget: float,
            minimum: int = 5) -> dict[str, Any]:
    """p50 and p99 in ms over one connection, stopping after ``budget`` seconds."""
    times, errors = latencies(port, requests, budget=budget, minimum=minimum)
    return {"p50_ms": round(statistics.median(times) * 1000, 3),
            "p99_ms": round(percentile(times, 0.99) * 1000, 3),
            "n": len(times), "errors": errors}


def _load_process(targets: Sequence[tuple[int, Sequence[bytes]]], threads: int,
                  seconds: float, first: int,
                  out: multiprocessing.Queue[tuple[int, int, float]]) -> None:
    done = [0] * threads
    failed = [0] * threads
    started = time.monotonic()
    stop_at = started + seconds
    finished = [started] * threads

    def run(index: int) -> None:
        # Connection number ``first + index`` goes to target (first + index) % len(targets):
        # round-robin over replicas, each connection keeping its server.
        port, requests = targets[(first + index) % len(targets)]
        connection = Connection(HOST, port)
        i = (first + index) * 7919
        while time.monotonic() < stop_at:
            status, _ = connection.request(requests[i % len(requests)])
            i += 1
            done[index] += 1
            failed[index] += status != 200
        finished[index] = time.monotonic()
        connection.close()

    workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((sum(done), sum(failed), max(finished) - started))


def throughput(targets: Sequence[tuple[int, Sequence[bytes]]], *, connections: int,
               seconds: float, processes: int = 2) -> dict[str, Any]:
    """Requests per second over ``connections`` connections spread over the targets."""
    queue: multiprocessing.Queue[tuple[int, int, float]] = multiprocessing.Queue()
    per_process = max(1, connections // processes)
    procs = [multiprocessing.Process(
        target=_load_process,
        args=(targets, per_process, seconds, k * per_process, queue))
        for k in range(processes)]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    done = sum(r[0] for r in results)
    elapsed = max(r[2] for r in results)
    return {"requests_per_s": round(done / elapsed, 1), "requests": done,
            "errors": sum(r[1] for r in results)}

