"""The W3C SPARQL 1.1 Protocol tests, parametrised from the conformance data file.

Each test's HTTP requests are sent to the real server (``protocol_server``: gunicorn on the
W3C test graphs); the status class, the result format and the boolean are checked as the
manifest states them. The path prefix ``/sparql/`` of the manifest stands for the endpoint.
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph
import pytest
import requests

from tests.conftest import W3C_PROTOCOL_TESTS

DATA = json.loads(W3C_PROTOCOL_TESTS.read_text(encoding="utf-8"))

TABULAR = {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
           "text/tab-separated-values"}
BOOLEAN = {"application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
           "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON}
RDF = {"application/rdf+xml", "text/turtle", "application/n-triples"}


def _is_update_test(test: dict[str, Any]) -> bool:
    return test["id"].startswith(("update_", "bad_update_"))


def _params() -> list[Any]:
    return [pytest.param(test, id=test["id"]) for test in DATA["protocol"]]


def _endpoint(test: dict[str, Any], request: dict[str, Any], headers: dict[str, str]) -> str:
    """The route a request of the manifest goes to: updates to /update, queries to /sparql."""
    path = str(request["path"])
    content_type = headers.get("content-type", "").split(";")[0].strip()
    if _is_update_test(test) and content_type != "application/sparql-query":
        return path.replace("/sparql/", "/update", 1)
    return path


def _status_ok(status: int, expected: list[Any]) -> bool:
    for item in expected:
        if isinstance(item, int) and status == item:
            return True
        if isinstance(item, str) and item.endswith("xx") and str(status)[0] == item[0]:
            return True
    return False


def _media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


@pytest.mark.server
@pytest.mark.parametrize("test", _params())
def test_w3c_protocol(request: pytest.FixtureRequest, test: dict[str, Any]) -> None:
    # Update tests write (with a steward's token) on a server of their own, whose gate has
    # no shapes: the W3C data lies outside the project's shapes.
    token = ""
    if _is_update_test(test):
        server, token = request.getfixturevalue("w3c_write_server")
    else:
        server = request.getfixturevalue("protocol_server")
    for number, req in enumerate(test["requests"]):
        headers = {name.lower(): value for name, value in req.get("headers", [])}
        if token:
            headers["authorization"] = f"Bearer {token}"
        body = req.get("body")
        data = body.encode(req.get("encoding", "utf-8")) if body is not None else None
        url = server.url + _endpoint(test, req, headers).lstrip("/")
        response = requests.request(req["method"], url, headers=headers, data=data,
                                    timeout=30, allow_redirects=False)
        where = f"{test['id']} request {number}: {response.status_code} {response.text[:300]}"
        assert _status_ok(response.status_code, req["status"]), where
        assert response.status_code != 500, where
        fmt = req.get("format")
        media_type = _media_type(response)
        if fmt == "boolean":
            assert media_type in BOOLEAN, where
            parsed = pyoxigraph.parse_query_results(response.content,
                                                    format=BOOLEAN[media_type])
            assert isinstance(parsed, pyoxigraph.QueryBoolean), where
            if "boolean" in req:
                assert bool(parsed) is req["boolean"], where
        elif fmt == "tabular":
            assert media_type in TABULAR, where
        elif fmt == "RDF":
            assert media_type in RDF, where
            pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.from_media_type(
                media_type))


def test_the_data_file_has_the_query_tests() -> None:
    queries = [t for t in DATA["protocol"] if not _is_update_test(t)]
    assert len(queries) >= 20
    assert {"query_get", "query_post_form", "query_post_direct", "bad_query_syntax",
            "bad_multiple_queries", "query_multiple_dataset"} <= {t["id"] for t in queries}


def test_the_data_file_has_the_update_tests() -> None:
    updates = {t["id"] for t in DATA["protocol"] if _is_update_test(t)}
    assert {"update_post_form", "update_post_direct", "update_base_uri", "bad_update_get",
            "update_dataset_full", "bad_update_dataset_conflict"} <= updates
