"""Writes through a remote SPARQL backend: the same gate, journal and history as embedded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from healthkg.journal import ChangeRecord, Journal
from healthkg.store.remote import SERVICE_GRAPH, VERSION_TTL
from tests import backend as remote
from tests.conftest import steward_token
from tests.harness import Server
from tests.writes import HISTORY, ID, P, alt_label, assert_revert_restores, set_count, update

pytestmark = pytest.mark.server

Remote = tuple[Server, str, remote.Backend]


@pytest.fixture(scope="module")
def over_oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    """healthkg writing to an Oxigraph server, with a steward token: (server, token, backend)."""
    backend = remote.start(tmp_path_factory.mktemp("remote-writes"))
    tokens, token = steward_token(tmp_path_factory.mktemp("tokens"))
    journal = tmp_path_factory.mktemp("journal")
    srv = Server(args=[*backend.args,
                       "--tokens", str(tokens), "--journal", str(journal)]).start()
    yield srv, token, backend
    srv.stop()
    backend.stop()


def backend_quads(backend: remote.Backend, *, data_only: bool = True) -> set[ox.Quad]:
    """Every quad the backend holds (without history and version when ``data_only``)."""
    response = requests.get(backend.url.replace("/query", "/store"),
                            headers={"Accept": "application/n-quads"}, timeout=60)
    response.raise_for_status()
    quads = set(ox.parse(response.content, format=ox.RdfFormat.N_QUADS))
    if not data_only:
        return quads
    return {q for q in quads if q.graph_name not in (HISTORY, ox.NamedNode(SERVICE_GRAPH))}


def served_version(srv: Server) -> str:
    """The version healthkg serves, once every worker has read the backend again."""
    time.sleep(VERSION_TTL + 0.2)
    return str(requests.get(srv.url + "health", timeout=10).json()["version"])


def test_valid_insert_data_reaches_the_backend_with_history_and_a_new_version(
        over_oxigraph: Remote) -> None:
    srv, token, backend = over_oxigraph
    before = served_version(srv)
    response = update(srv, token, alt_label("biogenouest", "remote commit"),
                      **{"HealthKG-Message": "through the backend"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["added"] == 1 and body["removed"] == 0 and body["change"]
    assert body["version"] != before
    assert response.headers["ETag"] == f'"{body["version"]}"'
    label = ox.Quad(ox.NamedNode(f"{ID}org/biogenouest"),
                    ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
                    ox.Literal("remote commit", language="en"), ox.NamedNode(f"{ID}fact/cluster"))
    assert label in backend_quads(backend)
    history = {q for q in backend_quads(backend, data_only=False) if q.graph_name == HISTORY}
    assert ox.NamedNode(f"{ID}change/{body['change']}") in {q.subject for q in history}
    assert served_version(srv) == body["version"]
    ask = requests.get(srv.url + "sparql", params={"query": (
        f'ASK {{ <{ID}org/biogenouest> ?p "remote commit"@en }}')}, timeout=10)
    assert ask.json()["boolean"] is True
    change = requests.get(srv.url + f"changes/{body['change']}", timeout=10).json()
    assert change["message"] == "through the backend" and change["author"] == "steward"
    assert len(change["added_quads"]) == 1 and change["removed_quads"] == []


def test_violating_change_gets_422_and_leaves_the_backend_unchanged(
        over_oxigraph: Remote) -> None:
    srv, token, backend = over_oxigraph
    before = backend_quads(backend, data_only=False)
    second_value = (P + f"INSERT DATA {{ GRAPH <{ID}fact/cluster> {{ "
                    f"<{ID}count/biogenouest-researchers> schema:value 801 }} }}")
    response = update(srv, token, second_value)
    assert response.status_code == 422, response.text
    resources = response.json()["report"]["resources"]
    assert resources[0]["focus"] == f"{ID}count/biogenouest-researchers"
    assert backend_quads(backend, data_only=False) == before


def test_dry_run_writes_nothing(over_oxigraph: Remote) -> None:
    srv, _, backend = over_oxigraph
    before = backend_quads(backend, data_only=False)
    response = requests.post(srv.url + "validate",
                             data=alt_label("biogenouest", "dry run").encode(),
                             headers={"Content-Type": "application/sparql-update"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["conforms"] is True and response.json()["added"]
    assert backend_quads(backend, data_only=False) == before


def test_revert_restores_the_prior_state(over_oxigraph: Remote) -> None:
    srv, token, backend = over_oxigraph
    before = backend_quads(backend)
    change = update(srv, token, alt_label("biogenouest", "to revert"))
    assert change.status_code == 200, change.text
    assert backend_quads(backend) != before
    assert_revert_restores(srv, token, change.json()["change"],
                           lambda: backend_quads(backend), before)


def test_update_with_a_where_clause_is_gated_and_applied_through_the_backend(
        over_oxigraph: Remote) -> None:
    srv, token, backend = over_oxigraph
    before = backend_quads(backend, data_only=False)
    refused = update(srv, token, set_count("biogenouest-researchers", 5000))
    assert refused.status_code == 422, refused.text
    assert backend_quads(backend, data_only=False) == before
    accepted = update(srv, token, set_count("biogenouest-researchers", 801))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["added"] == 1 and accepted.json()["removed"] == 1
    value = ox.NamedNode("https://schema.org/value")
    researchers = ox.NamedNode(f"{ID}count/biogenouest-researchers")
    values = {q.object.value for q in backend_quads(backend)
              if q.subject == researchers and q.predicate == value}
    assert values == {"801"}
    assert update(srv, token, set_count("biogenouest-researchers", 800)).status_code == 200


def test_if_match_with_an_old_version_gets_412(over_oxigraph: Remote) -> None:
    srv, token, backend = over_oxigraph
    first = update(srv, token, alt_label("biogenouest", "if-match one"))
    etag = first.headers["ETag"]
    second = update(srv, token, alt_label("biogenouest", "if-match two"), **{"If-Match": etag})
    assert second.status_code == 200, second.text
    stale = update(srv, token, alt_label("biogenouest", "if-match three"), **{"If-Match": etag})
    assert stale.status_code == 412
    assert "if-match three" not in {q.object.value for q in backend_quads(backend)
                                    if isinstance(q.object, ox.Literal)}


def test_graph_store_put_post_and_delete_reach_the_backend(over_oxigraph: Remote) -> None:
    srv, token, backend = over_oxigraph
    graph = ox.NamedNode("urn:x:remote-notes")
    turtle = '<urn:x:note> <http://www.w3.org/2000/01/rdf-schema#comment> "first" .'
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}
    created = requests.put(srv.url + "store", params={"graph": graph.value}, data=turtle,
                           headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    replaced = requests.put(srv.url + "store", params={"graph": graph.value},
                            data=turtle.replace("first", "second"), headers=headers, timeout=30)
    assert replaced.status_code in (200, 204), replaced.text
    assert {q.object.value for q in backend_quads(backend)
            if q.graph_name == graph and isinstance(q.object, ox.Literal)} == {"second"}
    added = requests.post(srv.url + "store", params={"graph": graph.value},
                          data=turtle.replace("first", "third"), headers=headers, timeout=30)
    assert added.status_code in (200, 204), added.text
    assert {q.object.value for q in backend_quads(backend)
            if q.graph_name == graph and isinstance(q.object, ox.Literal)} == {"second", "third"}
    deleted = requests.delete(srv.url + "store", params={"graph": graph.value},
                              headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert deleted.status_code in (200, 204), deleted.text
    assert not {q for q in backend_quads(backend) if q.graph_name == graph}


def test_a_journaled_change_the_backend_lacks_is_sent_again_at_start(tmp_path: Path) -> None:
    (tmp_path / "backend").mkdir()
    backend = remote.start(tmp_path / "backend")
    tokens, token = steward_token(tmp_path)
    label = ox.Quad(ox.NamedNode(f"{ID}org/biogenouest"),
                    ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
                    ox.Literal("journaled only", language="en"), ox.NamedNode(f"{ID}fact/cluster"))
    # What a server killed after its journal sync and before its update leaves behind.
    Journal(tmp_path / "journal").append(ChangeRecord(
        seq=1, change_id="c0ffee", time="2026-01-01T00:00:00.000+00:00", author="steward",
        message="before the crash", shapes_version="x", added=f"{label} .\n", removed=""))
    assert label not in backend_quads(backend)
    srv = Server(args=[*backend.args,
                       "--tokens", str(tokens), "--journal", str(tmp_path / "journal")]).start()
    try:
        listing = requests.get(srv.url + "changes", timeout=30)
        assert listing.status_code == 200
        assert label in backend_quads(backend)
        history = {q.subject for q in backend_quads(backend, data_only=False)
                   if q.graph_name == HISTORY}
        assert ox.NamedNode(f"{ID}change/c0ffee") in history
        again = update(srv, token, alt_label("biogenouest", "after the restart"))
        assert again.status_code == 200, again.text
        assert requests.get(srv.url + "changes", timeout=30).json()["changes"][0]["seq"] == 2
    finally:
        srv.stop()
        backend.stop()


def test_removing_a_blank_node_is_refused_and_changes_nothing(over_oxigraph: Remote) -> None:
    srv, token, backend = over_oxigraph
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}
    added = requests.post(srv.url + "store", params={"graph": "urn:x:blanks"},
                          data='_:n <http://www.w3.org/2000/01/rdf-schema#comment> "v" .',
                          headers=headers, timeout=30)
    assert added.status_code in (200, 201, 204), added.text
    before = backend_quads(backend, data_only=False)
    revert = requests.post(srv.url + f"changes/{added.json()['change']}/revert",
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert revert.status_code == 501
    assert "blank node" in revert.text
    delete = update(srv, token, "DELETE DATA { GRAPH <urn:x:blanks> { _:n "
                    "<http://www.w3.org/2000/01/rdf-schema#comment> \"v\" } }")
    assert delete.status_code == 400
    assert backend_quads(backend, data_only=False) == before
