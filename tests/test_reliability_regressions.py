"""Regressions found by the reliability suite, each with the smallest request that showed it."""

from __future__ import annotations

import pytest
import requests

from tests.harness import Server
from tests.reliability import version

pytestmark = pytest.mark.server

UPDATE = {"Content-Type": "application/sparql-update"}
ORG = ("PREFIX org: <http://www.w3.org/ns/org#> PREFIX skos: "
       "<http://www.w3.org/2004/02/skos/core#> ")


@pytest.mark.parametrize("text", ["", "  \n", "# only a comment\n",
                                  "PREFIX ex: <http://example.org/>"])
def test_update_without_operations_changes_nothing_and_is_not_a_500(
        hostile_server: tuple[Server, str], text: str) -> None:
    # rdflib returns a bare list for an update without operations; it was answered 500.
    server, token = hostile_server
    before = version(server)
    dry = requests.post(server.url + "validate", data=text.encode(), headers=UPDATE,
                        timeout=30)
    assert dry.status_code == 200, dry.text
    assert dry.json()["added"] == [] and dry.json()["removed"] == []
    done = requests.post(server.url + "update", data=text.encode(), timeout=30,
                         headers={**UPDATE, "Authorization": f"Bearer {token}"})
    assert done.status_code == 200, done.text
    assert done.json()["change"] is None
    assert version(server) == before


@pytest.mark.parametrize("iri", ["u:x", "mailto:steward@example.org", "tag:example.org,2024:x",
                                 "skos:prefLabel", "org:x"])
def test_change_about_an_iri_of_any_scheme_is_validated_not_a_500(
        hostile_server: tuple[Server, str], iri: str) -> None:
    # pyshacl took a focus IRI outside http/https/urn/file for a prefixed name: a TypeError
    # (500), or, for a scheme named like a bound prefix (skos:), another node validated.
    server, _ = hostile_server
    unlabelled = ORG + f"INSERT DATA {{ GRAPH <urn:g> {{ <{iri}> a org:Organization }} }}"
    report = requests.post(server.url + "validate", data=unlabelled.encode(), headers=UPDATE,
                           timeout=30)
    assert report.status_code == 200, report.text
    assert report.json()["conforms"] is False  # an organisation needs its labels
    labelled = ORG + (f'INSERT DATA {{ GRAPH <urn:g> {{ <urn:x:ok> skos:altLabel "x"@en . '
                      f'<urn:x:ok> <urn:x:see> <{iri}> }} }}')
    report = requests.post(server.url + "validate", data=labelled.encode(), headers=UPDATE,
                           timeout=30)
    assert report.status_code == 200, report.text


@pytest.mark.parametrize("junk", [b"\xa0", b"\x85", b"\x0b", b"\x1c"])
def test_token_followed_by_a_unicode_space_is_refused(hostile_server: tuple[Server, str],
                                                      junk: bytes) -> None:
    # The token was taken with str.strip(), which drops non-breaking and other Unicode
    # spaces: "Bearer TOKEN<NBSP>" was accepted although it is not RFC 6750's form.
    server, token = hostile_server
    before = version(server)
    response = requests.post(server.url + "update", timeout=30, data=ORG.encode() + (
        b'INSERT DATA { GRAPH <urn:g> { <urn:x:nbsp> skos:altLabel "x"@en } }'),
        headers={**UPDATE, "Authorization": b"Bearer " + token.encode() + junk})
    # gunicorn itself refuses control characters in a header (400).
    assert response.status_code == (401 if junk in (b"\xa0", b"\x85") else 400)
    assert version(server) == before


def test_dry_run_is_stopped_at_the_query_deadline(hostile_server: tuple[Server, str]) -> None:
    # /validate needs no token, and a dry run had the write deadline (60 s): an update whose
    # WHERE backtracks in Python's regex engine held the single writer for a minute.
    import time

    from tests.conftest import HOSTILE_DEADLINE

    server, _ = hostile_server
    text = ('DELETE { <urn:x:s> <urn:x:p> ?o } WHERE { BIND("' + "a" * 40 + '!" AS ?o) '
            'FILTER regex(?o, "^(a+)+$") }')
    started = time.monotonic()
    response = requests.post(server.url + "validate", data=text.encode(), headers=UPDATE,
                             timeout=120)
    assert response.status_code == 503, response.text
    assert time.monotonic() - started <= HOSTILE_DEADLINE + 1.0
    assert requests.get(server.url + "health", timeout=30).status_code == 200
