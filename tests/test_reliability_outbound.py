"""No outbound access, whatever the route: queries, updates, Graph Store bodies, change payloads.

Canary HTTP servers on 127.0.0.1 and ::1 count every request and answer with a token; a
canary file holds another token. More than 100 attempts aim SERVICE, LOAD, FROM, FROM NAMED,
the protocol's dataset parameters, USING and WITH, JSON-LD contexts (remote, in arrays,
``@import``, scoped), ``owl:imports``, ``sh:shapesGraph`` and RDF/XML external entities at
them, under every local spelling of the loopback address (no name needs DNS). The canaries
see no request, no token appears in an answer, nothing is answered 500, and refused attempts
leave the dataset (version and dump) as it was. Shapes carried by a change are data, never
rules: a payload that deactivates every project shape does not get a violating change in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import rdflib
import requests

from tests.canary import Canary, canaries
from tests.harness import ROOT, Server
from tests.reliability import dataset_identity, record, version

pytestmark = pytest.mark.server

SH = "http://www.w3.org/ns/shacl#"
OWL_IMPORTS = "http://www.w3.org/2002/07/owl#imports"
ORG = "http://www.w3.org/ns/org#"


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Canary]:
    """The canaries, for this module."""
    with canaries(tmp_path_factory.mktemp("canary")) as bird:
        yield bird


@dataclass(frozen=True)
class Attempt:
    """One request that would fetch a canary if anything fetched."""

    name: str
    method: str
    path: str
    body: bytes = b""
    content_type: str = ""
    params: tuple[tuple[str, str], ...] = ()
    write: bool = False


def attempts(canary: Canary) -> list[Attempt]:
    """Every attempt, for every spelling of the canary's address and for the canary file."""
    out: list[Attempt] = []
    targets = [*canary.urls(), canary.file.as_uri()]
    for base in targets:
        url = base + ("x" if base.startswith("http") else "")
        ctx = base + ("context.jsonld" if base.startswith("http") else "")
        q = "application/sparql-query"
        u = "application/sparql-update"
        out += [
            Attempt(f"SERVICE {base}", "POST", "/sparql",
                    f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}".encode(), q),
            Attempt(f"SERVICE SILENT {base}", "GET", "/sparql", params=(
                ("query", f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"),)),
            Attempt(f"FROM {base}", "POST", "/sparql",
                    f"SELECT * FROM <{url}> {{ ?s ?p ?o }}".encode(), q),
            Attempt(f"FROM NAMED {base}", "GET", "/sparql", params=(
                ("query", f"SELECT * FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"),)),
            Attempt(f"default-graph-uri {base}", "GET", "/sparql", params=(
                ("query", "SELECT * { ?s ?p ?o }"), ("default-graph-uri", url))),
            Attempt(f"named-graph-uri {base}", "GET", "/sparql", params=(
                ("query", "SELECT * { GRAPH ?g { ?s ?p ?o } }"), ("named-graph-uri", url))),
            Attempt(f"LOAD {base}", "POST", "/update", f"LOAD <{url}>".encode(), u, write=True),
            Attempt(f"LOAD INTO {base}", "POST", "/update",
                    f"LOAD SILENT <{url}> INTO GRAPH <urn:canary:g>".encode(), u, write=True),
            Attempt(f"update SERVICE {base}", "POST", "/update",
                    (f"INSERT {{ GRAPH <urn:canary:g> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}>"
                     " { ?s ?p ?o } }").encode(), u, write=True),
            Attempt(f"update USING {base}", "POST", "/update",
                    (f"INSERT {{ GRAPH <urn:canary:g> {{ ?s ?p ?o }} }} USING <{url}> "
                     "WHERE { ?s ?p ?o }").encode(), u, write=True),
            Attempt(f"validate LOAD {base}", "POST", "/validate", f"LOAD <{url}>".encode(), u),
            Attempt(f"JSON-LD remote context {base}", "POST", "/validate", json.dumps(
                {"@context": ctx, "@id": "urn:canary:x", "x": "y"}).encode(),
                "application/ld+json", params=(("graph", "urn:canary:g"),)),
            Attempt(f"JSON-LD context array {base}", "POST", "/changes", json.dumps(
                {"@context": [{"ex": "urn:ex:"}, ctx], "@id": "urn:canary:x",
                 "ex:y": "z"}).encode(), "application/ld+json",
                params=(("graph", "urn:canary:g"),), write=True),
            Attempt(f"JSON-LD @import {base}", "POST", "/store", json.dumps(
                {"@context": {"@version": 1.1, "@import": ctx}, "@id": "urn:canary:x",
                 "urn:ex:y": "z"}).encode(), "application/ld+json",
                params=(("graph", "urn:canary:g"),), write=True),
            Attempt(f"JSON-LD scoped context {base}", "POST", "/store", json.dumps(
                {"@context": {"@version": 1.1, "p": {"@id": "urn:ex:p", "@context": ctx}},
                 "@id": "urn:canary:x", "p": {"q": "r"}}).encode(), "application/ld+json",
                params=(("graph", "urn:canary:g"),), write=True),
            Attempt(f"RDF/XML external entity {base}", "POST", "/store", (
                f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "{url}">]>'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                '<rdf:Description rdf:about="urn:canary:x"><rdf:value>&e;</rdf:value>'
                '</rdf:Description></rdf:RDF>').encode(), "application/rdf+xml",
                params=(("graph", "urn:canary:g"),), write=True),
            Attempt(f"RDF/XML external DTD {base}", "POST", "/validate", (
                f'<?xml version="1.0"?><!DOCTYPE rdf:RDF SYSTEM "{url}">'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>').encode(),
                "application/rdf+xml", params=(("graph", "urn:canary:g"),)),
        ]
    return out


def accepted_attempts(canary: Canary) -> list[Attempt]:
    """Changes that may be accepted (they are only data) but must fetch nothing."""
    out = []
    for i, base in enumerate([*canary.urls(), canary.file.as_uri()]):
        out += [
            Attempt(f"owl:imports {base}", "POST", "/changes",
                    (f"<urn:canary:onto{i}> a <http://www.w3.org/2002/07/owl#Ontology> ; "
                     f"<{OWL_IMPORTS}> <{base}> .").encode(), "text/turtle",
                    params=(("graph", "urn:canary:g"),), write=True),
            Attempt(f"sh:shapesGraph {base}", "POST", "/changes",
                    f"<urn:canary:data{i}> <{SH}shapesGraph> <{base}> .".encode(),
                    "text/turtle", params=(("graph", "urn:canary:g"),), write=True),
            Attempt(f"@base {base}", "POST", "/validate",
                    f"@base <{base}> . <x> <y> <z> .".encode(), "text/turtle",
                    params=(("graph", "urn:canary:g"),)),
        ]
    return out


def _send(server: Server, token: str, attempt: Attempt) -> requests.Response:
    headers = {"Accept": "application/json"}
    if attempt.content_type:
        headers["Content-Type"] = attempt.content_type
    if attempt.write:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(attempt.method, server.url + attempt.path.lstrip("/"),
                            params=list(attempt.params), data=attempt.body or None,
                            headers=headers, timeout=30)


def _check(response: requests.Response, canary: Canary, attempt: Attempt) -> None:
    assert response.status_code < 500, (attempt.name, response.status_code, response.text)
    assert canary.http_token not in response.text, attempt.name
    assert canary.file_token not in response.text, attempt.name


def test_no_attempt_reaches_a_canary_and_refused_ones_change_nothing(
        hostile_server: tuple[Server, str], canary: Canary) -> None:
    server, token = hostile_server
    before = dataset_identity(server)
    tried = attempts(canary)
    statuses: dict[int, int] = {}
    changed = []
    for attempt in tried:
        was = version(server)
        response = _send(server, token, attempt)
        _check(response, canary, attempt)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 400 and version(server) != was:
            changed.append(attempt.name)
        if response.status_code < 300 and attempt.write and version(server) != was:
            # Data sent in a body may be stored, but only as the literal data it was.
            graph = requests.get(server.url + "store", params={"graph": "urn:canary:g"},
                                 headers={"Accept": "application/n-triples"}, timeout=30)
            assert canary.http_token not in graph.text and canary.file_token not in graph.text
    assert not changed, changed
    written = [a for a in tried if a.write]
    print(f"{len(tried)} outbound attempts: {statuses}; canary hits: {len(canary.hits)}")
    assert canary.hits == [], canary.hits
    # Refused attempts changed nothing; when no write was accepted, the dump is the same.
    after = dataset_identity(server)
    if after[0] == before[0]:
        assert after == before
    record("outbound-refused", {"attempts": len(tried), "writes": len(written),
                                "statuses": statuses, "canary_hits": len(canary.hits),
                                "refused_that_changed_data": len(changed)})


def test_data_naming_remote_documents_is_stored_as_data_and_fetches_nothing(
        hostile_server: tuple[Server, str], canary: Canary) -> None:
    server, token = hostile_server
    tried = accepted_attempts(canary)
    for attempt in tried:
        response = _send(server, token, attempt)
        _check(response, canary, attempt)
        assert response.status_code in (200, 201, 422), (attempt.name, response.text)
    assert canary.hits == [], canary.hits
    record("outbound-data", {"attempts": len(tried), "canary_hits": len(canary.hits)})


def _project_shapes() -> list[str]:
    shapes = rdflib.Graph().parse(data=(ROOT / "ontology" / "shapes.ttl").read_bytes(),
                                  format="turtle")
    return sorted({str(s) for s in shapes.subjects(rdflib.RDF.type,
                                                    rdflib.URIRef(SH + "NodeShape"))})


def test_shapes_in_a_payload_never_weaken_validation(hostile_server: tuple[Server, str],
                                                     canary: Canary) -> None:
    server, token = hostile_server
    before = dataset_identity(server)
    deactivate = "".join(f"<{shape}> <{SH}deactivated> true .\n" for shape in _project_shapes())
    url = canary.urls()[0]
    permissive = (f"<urn:canary:pass> a <{SH}NodeShape> ; <{SH}targetClass> <{ORG}Organization>"
                  f" ; <{SH}closed> false .\n<urn:canary:pass> <{SH}shapesGraph> <{url}> .\n"
                  f"<urn:canary:x> <{OWL_IMPORTS}> <{url}> .\n")
    violating = f"<urn:canary:org> a <{ORG}Organization> .\n"  # no label: a violation
    for payload in (deactivate + violating, permissive + violating,
                    deactivate + permissive + violating):
        for route in ("validate", "changes"):
            response = requests.post(server.url + route, data=payload.encode(),
                                     params={"graph": "urn:canary:shapes"}, timeout=30,
                                     headers={"Content-Type": "text/turtle",
                                              "Accept": "application/json",
                                              "Authorization": f"Bearer {token}"})
            if route == "validate":
                assert response.status_code == 200 and response.json()["conforms"] is False
            else:
                assert response.status_code == 422, response.text
    assert dataset_identity(server) == before
    assert canary.hits == []
