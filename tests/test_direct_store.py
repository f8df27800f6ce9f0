"""The in-process store: loading, versions, and the result cache of the app over it."""

from __future__ import annotations

import json
from pathlib import Path

import flask
import pytest

from healthkg.config import Settings
from healthkg.http.app import create_app
from healthkg.http.cache import ResultCache
from healthkg.store.base import QueryOutcome, QueryRequest
from healthkg.store.direct import DirectStore

COUNT = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
INSERT = "INSERT DATA { GRAPH <http://example.org/g> { <http://e/a> <http://e/b> 1 } }"


def count(store: DirectStore) -> int:
    outcome = store.query(QueryRequest(COUNT), timeout=10)
    return int(json.loads(outcome.body)["results"]["bindings"][0]["n"]["value"])


def test_empty_store_is_loaded_with_the_project_files() -> None:
    store = DirectStore(Settings(memory=True))
    stats = store.stats()
    assert stats["quads"] > 0 and stats["graphs"] > 0
    assert count(store) == stats["quads"]


def test_extra_data_is_loaded_into_its_named_graphs(tmp_path: Path) -> None:
    extra = tmp_path / "extra.trig"
    extra.write_text("<http://example.org/extra> { <http://e/s> <http://e/p> <http://e/o> }\n",
                     encoding="utf-8")
    store = DirectStore(Settings(memory=True, extra_data=str(extra)))
    outcome = store.query(QueryRequest("ASK { GRAPH <http://example.org/extra> "
                                       "{ <http://e/s> <http://e/p> <http://e/o> } }"),
                          timeout=10)
    assert b"true" in outcome.body


def test_version_changes_when_data_changes() -> None:
    store = DirectStore(Settings(memory=True))
    before = store.version()
    assert store.version() == before
    store.update(INSERT)
    assert store.version() != before


def test_on_disk_store_is_reused_not_reloaded(tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"))
    first = DirectStore(settings)
    first.update(INSERT)
    quads = first.stats()["quads"]
    first.close()
    del first
    second = DirectStore(settings)
    assert second.stats()["quads"] == quads


@pytest.fixture
def app_and_store() -> tuple[flask.Flask, DirectStore]:
    store = DirectStore(Settings(memory=True))
    return create_app(Settings(memory=True), store), store


def test_repeated_query_is_served_from_the_cache(
        app_and_store: tuple[flask.Flask, DirectStore]) -> None:
    app, _ = app_and_store
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": COUNT})
    second = client.get("/sparql", query_string={"query": COUNT})
    assert first.data == second.data
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "healthkg_cache_hits_total" in metrics
    assert 'healthkg_cache_hits_total{worker="' in metrics
    hits = [line for line in metrics.splitlines()
            if line.startswith("healthkg_cache_hits_total{")]
    assert hits and float(hits[0].rsplit(" ", 1)[1]) == 1.0


def test_a_write_invalidates_cached_answers_and_etags(
        app_and_store: tuple[flask.Flask, DirectStore]) -> None:
    app, store = app_and_store
    client = app.test_client()
    before = client.get("/sparql", query_string={"query": COUNT})
    store.update(INSERT)
    after = client.get("/sparql", query_string={"query": COUNT})
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.json != before.json
    stale = client.get("/sparql", query_string={"query": COUNT},
                       headers={"If-None-Match": before.headers["ETag"]})
    assert stale.status_code == 200


def test_cache_keeps_the_most_recently_used_entries() -> None:
    cache = ResultCache(2)
    outcome = QueryOutcome("text/csv", b"", "select", 0, False, "v")
    cache.put("a", outcome)
    cache.put("b", outcome)
    assert cache.get("a") is outcome  # 'a' is now the most recent
    cache.put("c", outcome)
    assert cache.get("b") is None
    assert cache.get("a") is outcome and cache.get("c") is outcome
    assert len(cache) == 2


def test_cache_of_size_zero_keeps_nothing() -> None:
    cache = ResultCache(0)
    cache.put("a", QueryOutcome("text/csv", b"", "select", 0, False, "v"))
    assert cache.get("a") is None
