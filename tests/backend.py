"""A remote SPARQL backend for the HTTP tests: an Oxigraph server started by the tests.

With ``HEALTHKG_TEST_BACKEND=oxigraph`` the HTTP test servers run over an Oxigraph server
(``--store sparql+http://...``) loaded with the same files as the embedded store would be,
so the same tests check that a remote backend behaves like the embedded one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.harness import ROOT, free_port

VARIABLE = "HEALTHKG_TEST_BACKEND"


def wanted() -> bool:
    """True when the tests should run over a remote Oxigraph backend."""
    return os.environ.get(VARIABLE, "") == "oxigraph"


@dataclass
class Backend:
    """A running Oxigraph server and the healthkg options that use it."""

    process: subprocess.Popen[bytes]
    url: str

    @property
    def args(self) -> list[str]:
        """The ``healthkg serve`` options naming this backend (query and update endpoints)."""
        return ["--store", "sparql+" + self.url,
                "--update-url", self.url.replace("/query", "/update")]

    def stop(self) -> None:
        """Stop the server."""
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(20)


def start(directory: Path, extra: list[Path] | None = None, *,
          timeout_s: int = 30) -> Backend:
    """Load the project files and ``extra`` into a fresh Oxigraph store and serve it."""
    from healthkg import dataset

    oxigraph = Path(sys.executable).parent / "oxigraph"
    project = directory / "project.nq"
    paths = [*dataset.default_paths(ROOT), *(extra or [])]
    project.write_bytes(bytes(dataset.load(paths).serialize(format="nquads",
                                                             encoding="utf-8")))
    location = directory / "oxigraph"
    subprocess.run([str(oxigraph), "load", "--location", str(location), "--file",
                    str(project)], check=True, capture_output=True)
    port = free_port()
    log = (directory / "oxigraph.log").open("wb")
    process = subprocess.Popen([str(oxigraph), "serve", "--location", str(location), "--bind",
                                f"127.0.0.1:{port}", "--timeout-s", str(timeout_s)],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1):
                return Backend(process, url)
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("the Oxigraph backend did not start")
