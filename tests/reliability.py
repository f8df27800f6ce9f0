"""Helpers of the reliability suite: figures recorded for RELIABILITY.md, the server's memory,
the dataset's identity, and many keep-alive clients at once."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from tests.harness import ROOT, Server
from tests.procinfo import cpu_model, session_members

ARTIFACTS = ROOT / "tests" / "artifacts"
SUMMARY = ARTIFACTS / "reliability.json"
_PAGE = os.sysconf("SC_PAGE_SIZE")


def record(section: str, figures: dict[str, Any]) -> None:
    """Merge one section's figures into tests/artifacts/reliability.json (with the date)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / ".reliability.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data: dict[str, Any] = {}
        if SUMMARY.exists():
            try:
                data = json.loads(SUMMARY.read_text(encoding="utf-8"))
            except ValueError:
                data = {}
        data.setdefault("sections", {})[section] = {
            **figures, "recorded": datetime.now(UTC).isoformat(timespec="seconds")}
        data["machine"] = machine()
        SUMMARY.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"[reliability] {section}: {json.dumps(figures, sort_keys=True)}")


def machine() -> dict[str, Any]:
    """The machine the figures come from: cores and CPU model."""
    return {"nproc": os.cpu_count(), "cpu": cpu_model()}


def rss_bytes(server: Server) -> int:
    """Resident memory of every live process of the server (supervisor, engine, workers)."""
    assert server.process is not None
    total = 0
    for pid in session_members(server.process.pid):
        try:
            resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += resident * _PAGE
    return total


def open_files(server: Server) -> int:
    """Open file descriptors of every live process of the server."""
    assert server.process is not None
    total = 0
    for pid in session_members(server.process.pid):
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            continue
    return total


def dataset_identity(server: Server) -> tuple[str, str]:
    """(dataset version, SHA-256 of the N-Quads dump): what 'unchanged' means."""
    version = requests.get(server.url + "health", timeout=30).json()["version"]
    dump = requests.get(server.url + "dump.nq", timeout=60)
    dump.raise_for_status()
    return str(version), hashlib.sha256(dump.content).hexdigest()


def version(server: Server) -> str:
    """The dataset version the server reports."""
    return str(requests.get(server.url + "health", timeout=30).json()["version"])


@dataclass
class Tally:
    """What a batch of requests got: statuses, transport errors, examples of each."""

    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    """Requests answered 500 (or another 5xx than 503) or dropped."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def sent(self) -> int:
        """Requests that got an answer or failed."""
        return sum(self.statuses.values())

    def add(self, status: int, what: str) -> None:
        """Count one answer (status -1: the connection failed)."""
        with self.lock:
            self.statuses[status] += 1
            if status < 0 or (status >= 500 and status != 503):
                self.failures.append(f"{status}: {what[:300]}")


Send = Callable[[requests.Session, Any], requests.Response]


def run_many(items: Iterable[Any], send: Send, *, threads: int = 16,
             describe: Callable[[Any], str] = repr) -> Tally:
    """Send every item with ``send`` from ``threads`` clients, each with its keep-alive
    session; count the statuses, and connection failures as -1."""
    tally = Tally()
    local = threading.local()

    def one(item: Any) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        try:
            response = send(session, item)
            tally.add(response.status_code, describe(item) + " -> " + response.text[:200])
        except requests.RequestException as exc:
            tally.add(-1, f"{describe(item)} -> {exc!r}")
            local.session = None

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(one, items):
            pass
    return tally
