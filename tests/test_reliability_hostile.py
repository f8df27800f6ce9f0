"""The hostile-input corpus (tests/hostile/): each case gets its expected status within the
query deadline plus one second, and the server keeps answering."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import HOSTILE_DEADLINE
from tests.harness import ROOT, Server
from tests.reliability import record

pytestmark = pytest.mark.server

CORPUS = ROOT / "tests" / "hostile"
_TIMES: dict[str, float] = {}


def _cases() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))


def _body(sidecar: Path, spec: dict[str, Any]) -> bytes:
    name = spec.get("file")
    if name:
        path = CORPUS / name
    else:
        path = next(p for p in CORPUS.glob(sidecar.stem + ".*") if p.suffix != ".json")
    text = path.read_text(encoding="utf-8")
    for part in spec.get("expand", []):
        repeated = "".join(part["text"].replace("{i}", str(i)) for i in range(part["count"]))
        text = text.replace(part["marker"], repeated)
    return text.encode("utf-8")


@pytest.mark.parametrize("sidecar", _cases(), ids=lambda p: p.stem)
def test_hostile_input_gets_its_status_within_the_deadline(
        hostile_server: tuple[Server, str], sidecar: Path) -> None:
    server, token = hostile_server
    spec = json.loads(sidecar.read_text(encoding="utf-8"))
    headers = {"Content-Type": spec["content_type"], "Accept": "application/json"}
    if spec.get("token"):
        headers["Authorization"] = f"Bearer {token}"
    body = _body(sidecar, spec)
    started = time.monotonic()
    response = requests.post(server.url + spec["route"].lstrip("/"), data=body,
                             headers=headers, timeout=60)
    elapsed = time.monotonic() - started
    _TIMES[sidecar.stem] = round(elapsed, 2)
    assert response.status_code in spec["status"], (response.status_code, response.text[:500])
    assert elapsed <= HOSTILE_DEADLINE + 1.0, f"answered in {elapsed:.1f} s"
    health = requests.get(server.url + "health", timeout=30)
    assert health.status_code == 200
    record("hostile-inputs", {"cases": len(_TIMES), "corpus": len(_cases()),
                              "slowest_seconds": max(_TIMES.values()),
                              "deadline_seconds": HOSTILE_DEADLINE})
