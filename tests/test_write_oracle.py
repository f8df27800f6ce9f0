"""200 random changes over HTTP, half valid and half violating a shape, against an oracle.

The oracle is a pyoxigraph store loaded with the same files that applies only the changes
the server accepted; at the end both hold the same quads (the history graph aside). Every
refused change got 422 (a shape) or 400 (bad syntax) and changed nothing.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from healthkg import dataset
from tests.harness import ROOT, Server
from tests.writes import HISTORY, ID, P, alt_label, data_quads, set_count, update

pytestmark = pytest.mark.server

ORGS = ("biogenouest", "rennes-health-cluster")


def _valid(rng: random.Random, number: int, labels: list[tuple[str, str]]) -> str:
    kind = rng.choice(("label", "label", "unlabel", "count"))
    if kind == "unlabel" and labels:
        org, text = labels.pop(rng.randrange(len(labels)))
        return alt_label(org, text, delete=True)
    if kind == "count":  # a part within its whole (2,000 people)
        return set_count("biogenouest-researchers", rng.randint(1, 2000))
    org, text = rng.choice(ORGS), f"label {number}"
    labels.append((org, text))
    return alt_label(org, text)


def _violating(rng: random.Random, number: int) -> tuple[str, int]:
    kind = rng.choice(("part above whole", "missing label", "exact and lower bound",
                       "bad syntax"))
    if kind == "part above whole":
        return set_count("biogenouest-researchers", rng.randint(2001, 10**6)), 422
    if kind == "missing label":
        org = f"<{ID}org/{rng.choice(ORGS)}>"
        return (P + f"DELETE {{ GRAPH ?g {{ {org} skos:prefLabel ?l }} }} "
                    f"WHERE {{ GRAPH ?g {{ {org} skos:prefLabel ?l }} }}"), 422
    if kind == "exact and lower bound":
        return (P + f"INSERT DATA {{ GRAPH <{ID}fact/biogenouest-researchers> {{ "
                    f"<{ID}count/biogenouest-researchers> rh:qualifier rh:LowerBound }} }}"), 422
    return alt_label("biogenouest", f"broken {number}").replace("INSERT DATA", "INSERT DAT"), 400


def test_random_changes_leave_the_store_equal_to_an_oracle(
        write_server: tuple[Server, str]) -> None:
    server, token = write_server
    rng = random.Random(20260401)
    # The session's server may hold earlier tests' changes: the oracle starts from its state.
    oracle = ox.Store()
    oracle.extend(data_quads(server))
    labels: list[tuple[str, str]] = []
    accepted = refused = 0
    for number in range(200):
        if number % 2 == 0:
            text, expected = _valid(rng, number, labels), 200
        else:
            text, expected = _violating(rng, number)
        before = data_quads(server) if number % 20 == 1 else None
        response = update(server, token, text)
        assert response.status_code == expected, (number, text, response.text[:500])
        if response.status_code == 200:
            oracle.update(text)
            accepted += 1
        else:
            refused += 1
            if before is not None:
                assert data_quads(server) == before
    assert accepted == 100 and refused == 100
    assert data_quads(server) == set(oracle.quads_for_pattern(None, None, None, None))


def test_oracle_starts_from_the_shipped_files() -> None:
    # The oracle's reference point: the files hold no history graph.
    store = ox.Store()
    dataset.load_into(store, dataset.default_paths(Path(ROOT)))
    assert not list(store.quads_for_pattern(None, None, None, HISTORY))
