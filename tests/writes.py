"""Helpers of the write-path tests: changes, the dataset as quads, steward requests."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import requests

from healthkg.gate import CHANGES_GRAPH
from tests.harness import Server

ID = "https://w3id.org/rennes-health/id/"
P = ("PREFIX rh: <https://w3id.org/rennes-health/def#> PREFIX schema: <https://schema.org/> "
     "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
HISTORY = ox.NamedNode(CHANGES_GRAPH)


def alt_label(org: str, text: str, *, delete: bool = False) -> str:
    """An update adding (or deleting) an alternative label of an organisation."""
    verb = "DELETE DATA" if delete else "INSERT DATA"
    return (P + f'{verb} {{ GRAPH <{ID}fact/cluster> {{ <{ID}org/{org}> skos:altLabel '
            f'"{text}"@en }} }}')


def set_count(count: str, value: int) -> str:
    """An update setting the number of a count."""
    node = f"<{ID}count/{count}>"
    return (P + f"DELETE {{ GRAPH ?g {{ {node} schema:value ?v }} }} "
            f"INSERT {{ GRAPH ?g {{ {node} schema:value {value} }} }} "
            f"WHERE {{ GRAPH ?g {{ {node} schema:value ?v }} }}")


def update(server: Server, token: str | None, text: str, **headers: str) -> requests.Response:
    """POST an update to /update (with the token, if any)."""
    sent = {"Content-Type": "application/sparql-update", **headers}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    return requests.post(server.url + "update", data=text.encode("utf-8"), headers=sent,
                         timeout=60)


def data_quads(server: Server) -> set[ox.Quad]:
    """Every quad of the served dataset except the history graph."""
    response = requests.get(server.url + "dump.nq", timeout=60)
    response.raise_for_status()
    return {q for q in ox.parse(response.content, format=ox.RdfFormat.N_QUADS)
            if q.graph_name != HISTORY}


def assert_revert_restores(server: Server, token: str, change: str,
                           quads: Callable[[], set[ox.Quad]], before: set[ox.Quad]) -> str:
    """Revert ``change``; check the quads are back to ``before`` and the record names it.

    Returns the id of the reverting change.
    """
    revert = requests.post(server.url + f"changes/{change}/revert",
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert revert.status_code == 200, revert.text
    assert quads() == before
    reverting = str(revert.json()["change"])
    record = requests.get(server.url + f"changes/{reverting}", timeout=10).json()
    assert record["reverts"] == change
    return reverting
