"""The write mix: SHACL-gated commits of 100-triple changes through ``/update`` with a token.

Each change adds a new team to a unit of a generated organisation, its membership (with
role and provenance, which the shapes check) and thirty people who are members of it:
exactly 100 triples, valid, in the organisation's fact graph.
"""

from __future__ import annotations

import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.load import percentile
from bench.mix import Shape
from bench.servers import BIN, HOST, ROOT, Server

ID = "https://w3id.org/rennes-health/id/"
PEOPLE = 30


def change(n: int, k: int, number: int) -> str:
    """A SPARQL Update adding exactly 100 valid triples."""
    org = f"syn-org-{n}-{k}"
    unit, team = f"<{ID}org/{org}-u0>", f"<{ID}org/{org}-u0-bench{number}>"
    membership = f"<{ID}membership/{org}-u0-bench{number}>"
    lines = [
        f"{team} a org:OrganizationalUnit ; skos:prefLabel \"Benchmark team {number} of "
        f"{n}-{k}\"@en , \"Équipe de mesure {number} de {n}-{k}\"@fr ; "
        f"vivo:hasResearchArea <{ID}concept/syn-area-genomics> .",
        f"{membership} a org:Membership ; skos:prefLabel \"Benchmark team {number} in unit "
        f"{n}-{k}-0\"@en ; org:member {team} ; org:organization {unit} ; "
        f"org:role <{ID}concept/syn-role-team> ; prov:wasDerivedFrom <{ID}fact/{org}> .",
    ]
    for p in range(PEOPLE):
        person = f"<{ID}person/{org}-bench{number}-{p}>"
        lines.append(f"{person} a prov:Agent ; skos:prefLabel \"Benchmark person {number}-{p}"
                     f"\"@en ; org:memberOf {team} .")
    body = "\n".join(lines)
    return ("PREFIX org: <http://www.w3.org/ns/org#>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
            "PREFIX vivo: <http://vivoweb.org/ontology/core#>\n"
            f"INSERT DATA {{ GRAPH <{ID}fact/{org}> {{\n{body}\n}} }}")


def _post(port: int, text: str, token: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/sparql-update"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(f"http://{HOST}:{port}/update", data=text.encode("utf-8"),
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def measure(server: Server, workdir: Path, shape: Shape, *, commits: int = 30,
            budget: float = 30.0) -> dict[str, Any]:
    """p50 and p99 of SHACL-gated 100-triple commits (at least 5, then up to ``commits``
    within ``budget`` seconds), or why they were not measured."""
    status, _ = _post(server.port, "INSERT DATA { }", None)
    if status in (404, 405):
        return {"measured": False,
                "reason": f"this version of the service has no /update (answered {status})"}
    added = subprocess.run([str(BIN / "healthkg"), "token", "add", "bench", "--tokens",
                            str(workdir / "tokens.json")], cwd=ROOT, capture_output=True,
                           text=True, check=False)
    if added.returncode != 0:
        return {"measured": False, "reason": f"token add failed: {added.stderr[-300:]}"}
    token = added.stdout.strip().splitlines()[-1].strip()
    times: list[float] = []
    failures: list[str] = []
    stop_at = time.monotonic() + budget
    for number in range(commits):
        if len(times) >= 5 and time.monotonic() > stop_at:
            break
        text = change(number % shape.networks, number % 4, number)
        started = time.perf_counter()
        status, body = _post(server.port, text, token)
        elapsed = time.perf_counter() - started
        if status // 100 != 2:
            failures.append(f"{status}: {body[:300]!r}")
            if len(failures) >= 3:
                break
            continue
        times.append(elapsed)
    if not times:
        return {"measured": False, "reason": "no commit succeeded", "failures": failures}
    return {"measured": True, "triples_per_commit": 100, "commits": len(times),
            "p50_ms": round(statistics.median(times) * 1000, 2),
            "p99_ms": round(percentile(times, 0.99) * 1000, 2), "failures": failures}

