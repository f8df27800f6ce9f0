"""Start and stop the real server (``healthkg serve``, gunicorn) for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Ask the kernel for a free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running ``healthkg serve`` process and its URL."""

    args: Sequence[str] = ()
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    command: Sequence[str] | None = None
    """The whole command line, when not ``python -m healthkg.cli serve --host --port``."""
    poll: float = 0.1
    """Seconds between two /health probes while starting."""
    started_in: float | None = None
    """Seconds from launching the process to the first 200 from /health."""

    @property
    def url(self) -> str:
        """Base URL of the server, ending in '/'."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> Server:
        """Start the server and wait until /health answers 200."""
        env = {**os.environ, **self.env}
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"healthkg-{self.port}.log"
        log = self.log_path.open("wb")
        command = self.command or [sys.executable, "-m", "healthkg.cli", "serve", "--host",
                                   "127.0.0.1", "--port", str(self.port)]
        launched = time.monotonic()
        self.process = subprocess.Popen(
            [*command, *self.args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n"
                                   + self.log())
            try:
                if requests.get(self.url + "health", timeout=1).status_code == 200:
                    self.started_in = time.monotonic() - launched
                    return self
            except requests.RequestException:
                pass
            time.sleep(self.poll)
        self.stop()
        raise RuntimeError("server did not become ready:\n" + self.log())

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
        """Stop the server (SIGTERM by default) and return its exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        os.killpg(self.process.pid, sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout)
