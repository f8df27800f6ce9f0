"""Limits with clear errors on the real server: query length, nesting, body size (chunked
bodies included), result rows."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import PROTOCOL_LIMITS
from tests.harness import Server

pytestmark = pytest.mark.server

DIRECT = {"Content-Type": "application/sparql-query"}


def padded_ask(size: int) -> str:
    """An ASK query of exactly ``size`` bytes whose meaning is at its very end."""
    tail = "\nASK { FILTER(true) }"
    return "#" + "x" * (size - len(tail) - 1) + tail


def send_chunked(server: Server, body: bytes, chunk: int = 4096,
                 content_type: str = "application/sparql-query") -> tuple[int, bytes]:
    """POST ``body`` with Transfer-Encoding: chunked; return the status and body."""
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), chunk):
            yield body[start:start + chunk]

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", "/sparql", body=chunks(),
                           headers={"Content-Type": content_type,
                                    "Accept": "application/sparql-results+json"},
                           encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_query_over_the_length_limit_in_the_url_is_414(protocol_server: Server) -> None:
    query = padded_ask(PROTOCOL_LIMITS["max_query_length"] + 1)
    response = requests.get(protocol_server.url + "sparql", params={"query": query},
                            timeout=30)
    assert response.status_code == 414
    assert str(PROTOCOL_LIMITS["max_query_length"]) in response.text


def test_query_over_the_length_limit_in_a_body_is_413(protocol_server: Server) -> None:
    query = padded_ask(PROTOCOL_LIMITS["max_query_length"] + 1)
    response = requests.post(protocol_server.url + "sparql", data=query.encode(),
                             headers=DIRECT, timeout=30)
    assert response.status_code == 413
    response = requests.post(protocol_server.url + "sparql", data={"query": query}, timeout=30)
    assert response.status_code == 413


def test_query_at_the_length_limit_is_answered(protocol_server: Server) -> None:
    query = padded_ask(PROTOCOL_LIMITS["max_query_length"])
    response = requests.post(protocol_server.url + "sparql", data=query.encode(),
                             headers=DIRECT, timeout=30)
    assert response.status_code == 200
    assert response.json()["boolean"] is True


def test_body_over_the_limit_is_413(protocol_server: Server) -> None:
    body = b"query=" + b"x" * PROTOCOL_LIMITS["max_body"]
    response = requests.post(protocol_server.url + "sparql", data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"},
                             timeout=30)
    assert response.status_code == 413


def test_chunked_body_over_the_limit_is_413_not_truncated(protocol_server: Server) -> None:
    # If the body were cut at the limit, the comment would hide the query and the answer
    # would be a syntax error (400) or, worse, an answer to half a request.
    body = ("#" + "x" * (2 * PROTOCOL_LIMITS["max_body"]) + "\nASK {}").encode()
    status, text = send_chunked(protocol_server, body)
    assert status == 413, text


def test_chunked_form_body_over_the_limit_is_413(protocol_server: Server) -> None:
    body = ("query=" + urllib.parse.quote("ASK {}") + "&pad="
            + "x" * (PROTOCOL_LIMITS["max_body"] + 10)).encode()
    status, text = send_chunked(protocol_server, body,
                                content_type="application/x-www-form-urlencoded")
    assert status == 413, text


def test_chunked_body_under_the_limit_is_read_whole(protocol_server: Server) -> None:
    body = padded_ask(PROTOCOL_LIMITS["max_query_length"]).encode()
    status, text = send_chunked(protocol_server, body, chunk=100)
    assert status == 200, text
    assert b'"boolean":true' in text


def test_five_thousand_nested_parentheses_are_400_and_the_server_lives(server: Server) -> None:
    query = "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"
    response = requests.post(server.url + "sparql", data=query.encode(), headers=DIRECT,
                             timeout=30)
    assert response.status_code == 400
    assert "nests" in response.text
    after = requests.get(server.url + "sparql", params={"query": "ASK {}"}, timeout=30)
    assert after.status_code == 200


def test_deep_unary_operators_are_400(server: Server) -> None:
    query = "ASK { FILTER(" + "!" * 5000 + "true) }"
    response = requests.post(server.url + "sparql", data=query.encode(), headers=DIRECT,
                             timeout=30)
    assert response.status_code == 400


def test_select_over_the_row_limit_says_it_is_truncated(protocol_server: Server) -> None:
    response = requests.get(protocol_server.url + "sparql",
                            params={"query": "SELECT ?n { VALUES ?n { 1 2 3 4 5 6 } }"},
                            headers={"Accept": "text/csv"}, timeout=30)
    assert response.status_code == 200
    assert response.text.splitlines() == ["n", "1", "2", "3"]
    assert response.headers["HealthKG-Truncated"] == "true"
    assert response.headers["HealthKG-Row-Limit"] == "3"


def test_construct_over_the_row_limit_says_it_is_truncated(protocol_server: Server) -> None:
    query = ("CONSTRUCT { ?n <http://example.org/p> ?n } "
             "WHERE { VALUES ?n { <http://e/1> <http://e/2> <http://e/3> <http://e/4> } }")
    response = requests.get(protocol_server.url + "sparql", params={"query": query},
                            headers={"Accept": "application/n-triples"}, timeout=30)
    assert response.status_code == 200
    assert len(response.text.strip().splitlines()) == 3
    assert response.headers["HealthKG-Truncated"] == "true"


def test_query_over_the_default_length_limit_in_a_url_is_414(server: Server) -> None:
    from healthkg.config import Settings

    query = padded_ask(Settings().max_query_length + 1)
    response = requests.get(server.url + "sparql", params={"query": query}, timeout=30)
    assert response.status_code == 414
    assert "POST" in response.text
