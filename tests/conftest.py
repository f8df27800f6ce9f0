"""Shared fixtures: the project root and the real server under gunicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import ROOT, Server


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The checkout's root directory."""
    return ROOT


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server for the session, on an in-memory store loaded with the shipped graph."""
    tokens = tmp_path_factory.mktemp("tokens") / "tokens.json"
    srv = Server(args=["--memory", "--tokens", str(tokens)]).start()
    yield srv
    srv.stop()
