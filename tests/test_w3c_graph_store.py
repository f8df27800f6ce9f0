"""The W3C SPARQL 1.1 Graph Store HTTP Protocol tests, parametrised from the data file.

Each test runs against the real server at ``/store`` (the manifest's ``/gsp`` prefix), with
a steward's token, on a dataset emptied first (the tests expect 201 for graphs they create).
Indirect identification is ``/store?graph=IRI``; direct identification is ``/store/PATH``,
which names the graph ``<base>store/PATH``. Expected bodies are compared as graphs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from tests.conftest import W3C_PROTOCOL_TESTS
from tests.harness import Server

DATA = json.loads(W3C_PROTOCOL_TESTS.read_text(encoding="utf-8"))
TESTS = DATA["gsp_indirect"] + DATA["gsp_direct"]


def _status_ok(status: int, expected: list[Any]) -> bool:
    return any(status == item if isinstance(item, int) else str(status)[0] == item[0]
               for item in expected)


def _drop_all(server: Server, token: str) -> None:
    response = requests.post(server.url + "update", data={"update": "DROP ALL"},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text


@pytest.mark.server
@pytest.mark.parametrize("test", [pytest.param(t, id=t["id"]) for t in TESTS])
def test_w3c_graph_store(w3c_write_server: tuple[Server, str], test: dict[str, Any]) -> None:
    server, token = w3c_write_server
    _drop_all(server, token)
    location = ""
    for number, req in enumerate(test["requests"]):
        headers = {name.lower(): value for name, value in req.get("headers", [])}
        headers["authorization"] = f"Bearer {token}"
        path = req["path"].replace("$LOCATION$", location)
        url = server.url + "store" + path.removeprefix("/gsp")
        body = req.get("body")
        response = requests.request(req["method"], url, headers=headers,
                                    data=body.encode("utf-8") if body is not None else None,
                                    timeout=30, allow_redirects=False)
        where = f"{test['id']} request {number}: {response.status_code} {response.text[:300]}"
        assert _status_ok(response.status_code, req["status"]), where
        if req.get("location"):
            location = response.headers["Location"]
        for name, value in req.get("resp_headers", []):
            if name.lower() == "content-type":
                expected = value.split(";")[0].strip()
                assert response.headers[name].split(";")[0].strip() == expected, where
        if req.get("resp_body") and req["method"] == "GET":
            got = rdflib.Graph().parse(data=response.text, format="turtle")
            want = rdflib.Graph().parse(data=req["resp_body"], format="turtle")
            assert isomorphic(got, want), where


def test_the_data_file_has_the_graph_store_tests() -> None:
    assert len(DATA["gsp_indirect"]) >= 9 and len(DATA["gsp_direct"]) >= 5
