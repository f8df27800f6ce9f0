"""The servers of the peer benchmark: started on the same data, watched, stopped.

Each server runs in its own session (process group), so that stopping it stops all its
processes, and its memory is the resident size of the whole process tree, sampled every
0.1 s by a thread from start to stop (the peak is what is reported).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class MemoryWatch:
    """Peak resident memory of a process tree, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> int:
        """The resident memory of the tree now, in bytes."""
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop.wait(0.1)

    def stop(self) -> int:
        """Stop sampling; return the peak in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak


@dataclass
class Server:
    """A running server under test."""

    name: str
    port: int
    path: str
    """Path of the query endpoint."""
    process: subprocess.Popen[bytes]
    watch: MemoryWatch
    load_seconds: float = 0.0
    load_peak: int = 0
    """Peak memory of a separate loading step (Oxigraph's ``oxigraph load``)."""
    extra: dict[str, object] = field(default_factory=dict)

    def stop(self) -> int:
        """Stop every process of the server; return its peak memory in bytes."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        return max(self.watch.stop(), self.load_peak)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path,
                timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited:\n"
                               + log.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{url}: answered {exc.code}") from exc
        except OSError:
            time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError(f"{url}: not ready in {timeout:g} s")


def _spawn(args: list[str], log: Path, env: dict[str, str] | None = None
           ) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True, env=env)


def start_healthkg(workdir: Path, data: Path, *, workers: int = 2,
                   store: str | None = None, name: str = "healthkg",
                   port: int | None = None) -> Server:
    """``healthkg serve`` on a fresh on-disk store loaded with the project files and ``data``.

    With ``store`` (a ``sparql+http://`` URL) it serves that backend instead.
    """
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{name}.log"
    args = [str(BIN / "healthkg"), "serve", "--host", HOST, "--port", str(port),
            "--workers", str(workers), "--tokens", str(workdir / "tokens.json"),
            "--journal", str(workdir / f"{name}-journal")]
    if store is None:
        args += ["--store", str(workdir / f"{name}-store"), "--extra-data", str(data)]
    else:
        args += ["--store", store]
    started = time.monotonic()
    process = _spawn(args, log)
    watch = MemoryWatch(process.pid)
    _wait_ready(process, f"http://{HOST}:{port}/health", log, 300)
    return Server(name, port, "/sparql", process, watch, time.monotonic() - started)


def start_oxigraph(workdir: Path, files: list[Path], *, union: bool = True) -> Server:
    """``oxigraph load`` the files into a fresh directory, then ``oxigraph serve`` it.

    With ``union`` the default graph is the union of the named graphs for every query, as
    healthkg's; without, a client asks for it per query (healthkg's remote store does).
    """
    port = free_port()
    location = workdir / "oxigraph-store"
    log = workdir / "oxigraph.log"
    started = time.monotonic()
    loader = _spawn([str(BIN / "oxigraph"), "load", "--location", str(location),
                     "--file", *map(str, files)], workdir / "oxigraph-load.log")
    load_watch = MemoryWatch(loader.pid)
    if loader.wait(600) != 0:
        raise RuntimeError("oxigraph load failed:\n"
                           + (workdir / "oxigraph-load.log").read_text(errors="replace"))
    load_peak = load_watch.stop()
    process = _spawn([str(BIN / "oxigraph"), "serve", "--location", str(location),
                      "--bind", f"{HOST}:{port}",
                      *(["--union-default-graph"] if union else [])], log)
    watch = MemoryWatch(process.pid)
    _wait_ready(process, f"http://{HOST}:{port}/query?query=ASK%7B%7D", log, 120)
    return Server("oxigraph", port, "/query", process, watch, time.monotonic() - started,
                  load_peak)


def start_rdflib_endpoint(workdir: Path, files: list[Path]) -> Server:
    """``rdflib-endpoint serve`` on the files (a Dataset whose default graph is the union)."""
    port = free_port()
    log = workdir / "rdflib-endpoint.log"
    started = time.monotonic()
    process = _spawn([str(BIN / "rdflib-endpoint"), "serve", "--host", HOST,
                      "--port", str(port), *map(str, files)], log)
    watch = MemoryWatch(process.pid)
    _wait_ready(process, f"http://{HOST}:{port}/?query=ASK%7B%7D", log, 900)
    return Server("rdflib-endpoint", port, "/", process, watch,
                  time.monotonic() - started)
