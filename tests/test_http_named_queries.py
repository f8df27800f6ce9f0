"""Named queries over HTTP: the list, running one, typed parameters bound safely.

The server (``protocol_server``) serves the fixture queries of tests/fixtures/queries on the
W3C protocol test data, with a row limit of 3.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.conftest import PROTOCOL_LIMITS
from tests.harness import Server

pytestmark = pytest.mark.server

FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
DATA1 = "http://kasei.us/2009/09/sparql/data/data1.rdf"


def run(server: Server, name: str, accept: str = "application/sparql-results+json",
        **params: str) -> requests.Response:
    return requests.get(server.url + "queries/" + name, params=params,
                        headers={"Accept": accept}, timeout=30)


def column(response: requests.Response, variable: str) -> list[str]:
    return [b[variable]["value"] for b in response.json()["results"]["bindings"]]


def test_list_as_json_has_titles_descriptions_and_parameters(protocol_server: Server) -> None:
    response = requests.get(protocol_server.url + "queries", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    queries = {q["name"]: q for q in response.json()["queries"]}
    assert set(queries) == {"documents-of-type", "numbers-from"}
    numbers = queries["numbers-from"]
    assert numbers["title"] == "Numbers from a minimum"
    assert numbers["description"].startswith("The numbers one to five")
    assert numbers["parameters"] == [{"name": "min", "type": "integer",
                                      "description": "The smallest number to list",
                                      "default": None, "required": True}]
    assert numbers["url"] == protocol_server.url + "queries/numbers-from"


def test_list_as_html(protocol_server: Server) -> None:
    response = requests.get(protocol_server.url + "queries", headers={"Accept": "text/html"},
                            timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Documents of a type" in response.text
    assert 'href="' + protocol_server.url + 'queries/numbers-from"' in response.text
    assert "Accept" in {v.strip() for v in response.headers["Vary"].split(",")}


def test_default_parameter_value_is_used(protocol_server: Server) -> None:
    response = run(protocol_server, "documents-of-type")
    assert response.status_code == 200
    assert column(response, "type") == [FOAF_DOCUMENT] * 3
    assert column(response, "doc") == [DATA1, DATA1.replace("1", "2"), DATA1.replace("1", "3")]


def test_iri_parameter_is_bound(protocol_server: Server) -> None:
    response = run(protocol_server, "documents-of-type", doc=DATA1)
    assert response.status_code == 200
    assert column(response, "doc") == [DATA1]


def test_integer_parameter_is_typed_and_bound(protocol_server: Server) -> None:
    response = run(protocol_server, "numbers-from", min="4")
    assert response.status_code == 200
    assert column(response, "n") == ["4", "5"]
    binding = response.json()["results"]["bindings"][0]["min"]
    assert binding["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"


def test_named_query_answers_in_other_formats(protocol_server: Server) -> None:
    response = run(protocol_server, "numbers-from", accept="text/csv", min="5")
    assert response.text == "n,min\r\n5,5\r\n"
    response = run(protocol_server, "numbers-from", accept="image/png", min="5", format="tsv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")


def test_named_query_has_an_etag_and_answers_304(protocol_server: Server) -> None:
    first = run(protocol_server, "numbers-from", min="3")
    response = requests.get(protocol_server.url + "queries/numbers-from",
                            params={"min": "3"},
                            headers={"Accept": "application/sparql-results+json",
                                     "If-None-Match": first.headers["ETag"]}, timeout=30)
    assert response.status_code == 304
    other = run(protocol_server, "numbers-from", min="4")
    assert other.headers["ETag"] != first.headers["ETag"]


def test_long_result_is_truncated_and_says_so(protocol_server: Server) -> None:
    response = run(protocol_server, "numbers-from", min="1")
    assert response.status_code == 200
    assert column(response, "n") == ["1", "2", "3"]
    assert response.headers["HealthKG-Truncated"] == "true"
    assert response.headers["HealthKG-Row-Limit"] == str(PROTOCOL_LIMITS["max_rows"])


def test_result_at_the_limit_is_not_marked_truncated(protocol_server: Server) -> None:
    response = run(protocol_server, "numbers-from", min="3")
    assert column(response, "n") == ["3", "4", "5"]
    assert "HealthKG-Truncated" not in response.headers


@pytest.mark.parametrize(("name", "params", "fragment"), [
    ("numbers-from", {}, "required"),
    ("numbers-from", {"min": "three"}, "integer"),
    ("numbers-from", {"min": "1 } UNION { ?s ?p ?o"}, "integer"),
    ("numbers-from", {"min": "2", "max": "4"}, "unknown parameter"),
    ("documents-of-type", {"doc": "not an iri"}, "doc"),
    ("documents-of-type", {"doc": "http://e/> } ; DROP ALL ; <x"}, "doc"),
])
def test_bad_parameters_are_400_with_a_message(protocol_server: Server, name: str,
                                               params: dict[str, str], fragment: str) -> None:
    response = run(protocol_server, name, accept="application/json", **params)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_repeated_parameter_is_400(protocol_server: Server) -> None:
    response = requests.get(protocol_server.url + "queries/numbers-from?min=1&min=2",
                            timeout=30)
    assert response.status_code == 400


def test_unknown_named_query_is_404(protocol_server: Server) -> None:
    response = run(protocol_server, "no-such-query")
    assert response.status_code == 404
    assert "/queries" in response.text


def test_broken_named_query_file_is_the_servers_fault_not_the_clients(tmp_path: Path) -> None:
    # Regression: a header error in queries/*.rq was answered 400, as if the client erred.
    from healthkg.config import Settings
    from healthkg.http.app import create_app

    (tmp_path / "broken.rq").write_text("# title: Broken\n# nonsense: x\nSELECT * {}\n")
    app = create_app(Settings(memory=True, queries=str(tmp_path)))
    answer = app.test_client().get("/queries", headers={"Accept": "application/json"})
    assert answer.status_code == 503
    assert "broken.rq" in answer.get_json()["message"]
