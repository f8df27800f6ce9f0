"""The /sparql endpoint over HTTP on the real server: forms, formats, negotiation, errors,
caching, CORS, the service description, /health and /metrics."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pyoxigraph
import pytest
import requests

from tests.harness import Server

pytestmark = pytest.mark.server

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
RESULT_FORMATS = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
    "application/n-quads": pyoxigraph.RdfFormat.N_QUADS,
    "application/trig": pyoxigraph.RdfFormat.TRIG,
}


def get(server: Server, query: str, accept: str | None = None, **params: str
        ) -> requests.Response:
    headers = {"Accept": accept} if accept is not None else {}
    return requests.get(server.url + "sparql", params={"query": query, **params},
                        headers=headers, timeout=30)


def media_type(response: requests.Response) -> str:
    return response.headers["Content-Type"].split(";")[0].strip()


def subject(server: Server) -> str:
    """An IRI described by the shipped data."""
    response = get(server, "SELECT ?s { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1")
    return str(response.json()["results"]["bindings"][0]["s"]["value"])


# ------------------------------------------------------------------ the three ways to ask

def test_get_form_post_and_direct_post_give_the_same_answer(server: Server) -> None:
    by_get = get(server, SELECT)
    by_form = requests.post(server.url + "sparql", data={"query": SELECT}, timeout=30)
    by_direct = requests.post(server.url + "sparql", data=SELECT.encode(),
                              headers={"Content-Type": "application/sparql-query"},
                              timeout=30)
    assert by_get.status_code == by_form.status_code == by_direct.status_code == 200
    assert by_get.json() == by_form.json() == by_direct.json()
    assert len(by_get.json()["results"]["bindings"]) == 5


def test_trailing_slash_is_the_same_endpoint(server: Server) -> None:
    response = requests.get(server.url + "sparql/", params={"query": ASK}, timeout=30)
    assert response.status_code == 200
    assert response.json()["boolean"] is True


# ---------------------------------------------------------- every format for every form

@pytest.mark.parametrize("accept", list(RESULT_FORMATS))
def test_select_in_each_results_format(server: Server, accept: str) -> None:
    response = get(server, SELECT, accept)
    assert response.status_code == 200
    assert media_type(response) == accept
    parsed = pyoxigraph.parse_query_results(response.content, format=RESULT_FORMATS[accept])
    assert isinstance(parsed, pyoxigraph.QuerySolutions)
    assert len(list(parsed)) == 5


def test_select_as_csv(server: Server) -> None:
    response = get(server, SELECT, "text/csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == ["s", "p", "o"]
    assert len(rows) == 6


@pytest.mark.parametrize("accept", [*RESULT_FORMATS, "text/csv"])
def test_ask_in_each_results_format(server: Server, accept: str) -> None:
    response = get(server, ASK, accept)
    assert response.status_code == 200
    assert media_type(response) == accept
    if accept in RESULT_FORMATS:
        parsed = pyoxigraph.parse_query_results(response.content,
                                                format=RESULT_FORMATS[accept])
        assert isinstance(parsed, pyoxigraph.QueryBoolean) and bool(parsed)
    else:
        assert response.text == "true"


@pytest.mark.parametrize("accept", list(GRAPH_FORMATS))
def test_construct_in_each_rdf_format(server: Server, accept: str) -> None:
    response = get(server, CONSTRUCT, accept)
    assert response.status_code == 200
    assert media_type(response) == accept
    triples = list(pyoxigraph.parse(response.content, format=GRAPH_FORMATS[accept]))
    assert len(triples) == 5


@pytest.mark.parametrize("accept", list(GRAPH_FORMATS))
def test_describe_in_each_rdf_format(server: Server, accept: str) -> None:
    iri = subject(server)
    response = get(server, f"DESCRIBE <{iri}>", accept)
    assert response.status_code == 200
    assert media_type(response) == accept
    triples = list(pyoxigraph.parse(response.content, format=GRAPH_FORMATS[accept]))
    assert triples and all(t.subject == pyoxigraph.NamedNode(iri) for t in triples
                           if isinstance(t.subject, pyoxigraph.NamedNode))


# ----------------------------------------------------------------------- Accept edge cases

@pytest.mark.parametrize(("accept", "expected"), [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("application/sparql-results+xml;q=0.4, text/tab-separated-values;q=0.8",
     "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
     "application/sparql-results+xml"),
])
def test_accept_header_chooses_the_select_format(server: Server, accept: str | None,
                                                 expected: str) -> None:
    response = get(server, SELECT, accept)
    assert response.status_code == 200
    assert media_type(response) == expected
    # Accept-Encoding too when the answer is large enough to be gzipped.
    assert "Accept" in {v.strip() for v in response.headers["Vary"].split(",")}


def test_no_accept_header_gives_turtle_for_construct(server: Server) -> None:
    response = requests.get(server.url + "sparql", params={"query": CONSTRUCT},
                            headers={"Accept": ""}, timeout=30)
    assert media_type(response) == "text/turtle"


def test_unsupported_accept_is_406_listing_the_offered_types(server: Server) -> None:
    response = get(server, SELECT, "image/png")
    assert response.status_code == 406
    for offered in ("application/sparql-results+json", "text/csv"):
        assert offered in response.text
    assert "Accept" in {v.strip() for v in response.headers["Vary"].split(",")}


def test_graph_type_for_a_select_is_406(server: Server) -> None:
    response = get(server, SELECT, "text/turtle")
    assert response.status_code == 406


def test_format_parameter_overrides_the_accept_header(server: Server) -> None:
    response = get(server, SELECT, "text/html", format="csv")
    assert (response.status_code, media_type(response)) == (200, "text/csv")
    response = get(server, CONSTRUCT, "text/html", format="jsonld")
    assert (response.status_code, media_type(response)) == (200, "application/ld+json")


# --------------------------------------------------------------------------------- errors

def test_malformed_query_is_400_with_the_parser_message_and_position(server: Server) -> None:
    response = get(server, "SELECT ?s\nWHERE { ?s ?p }", "application/json")
    assert response.status_code == 400
    body = response.json()
    assert (body["line"], body["column"]) == (2, 16)
    assert "error at 2:16" in body["message"]


def test_errors_are_plain_text_for_clients_that_do_not_ask_for_json(server: Server) -> None:
    response = get(server, "ASK {", "text/plain")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "error at 1:6" in response.text


def test_update_sent_to_the_query_endpoint_is_400(server: Server) -> None:
    for data, content_type in [("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
                                "application/sparql-query"),
                               ("update=CLEAR+ALL", "application/x-www-form-urlencoded"),
                               ("CLEAR ALL", "application/sparql-update")]:
        response = requests.post(server.url + "sparql", data=data,
                                 headers={"Content-Type": content_type}, timeout=30)
        assert response.status_code == 400, (content_type, response.text)
    assert get(server, ASK).json()["boolean"] is True


def test_repeated_query_parameter_is_400(server: Server) -> None:
    response = requests.post(server.url + "sparql", data="query=ASK+{}&query=ASK+{}",
                             headers={"Content-Type": "application/x-www-form-urlencoded"},
                             timeout=30)
    assert response.status_code == 400
    assert "once" in response.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_wrong_media_type_is_415(server: Server, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.post(server.url + "sparql", data=b"ASK {}", headers=headers,
                             timeout=30)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405_with_allow(server: Server, method: str) -> None:
    response = requests.request(method, server.url + "sparql", params={"query": ASK},
                                timeout=30)
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_invalid_utf8_body_is_400(server: Server) -> None:
    response = requests.post(server.url + "sparql", data=b"ASK { ?s ?p '\xff' }",
                             headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 400


def test_unknown_route_is_404_with_cors(server: Server) -> None:
    response = requests.get(server.url + "no-such-route", timeout=30)
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# ------------------------------------------------------------------------- HTTP caching

def test_etag_and_conditional_request_give_304(server: Server) -> None:
    first = get(server, SELECT)
    etag = first.headers["ETag"]
    again = get(server, SELECT)
    assert again.headers["ETag"] == etag and again.content == first.content
    conditional = requests.get(server.url + "sparql", params={"query": SELECT},
                               headers={"If-None-Match": etag}, timeout=30)
    assert conditional.status_code == 304
    assert conditional.content == b""
    assert conditional.headers["ETag"] == etag


def test_large_answer_is_gzipped_with_a_weak_etag_that_revalidates(server: Server) -> None:
    query = "SELECT ?n WHERE { VALUES ?n { " + " ".join(map(str, range(300))) + " } }"
    url = server.url + "sparql"
    raw = requests.get(url, params={"query": query}, stream=True, timeout=30,
                       headers={"Accept-Encoding": "gzip",
                                "Accept": "application/sparql-results+json"})
    assert raw.headers["Content-Encoding"] == "gzip"
    assert {"Accept", "Accept-Encoding"} <= {v.strip() for v in raw.headers["Vary"].split(",")}
    assert len(json.loads(gzip.decompress(raw.raw.read()))["results"]["bindings"]) == 300
    weak = raw.headers["ETag"]
    assert weak.startswith('W/"')
    again = requests.get(url, params={"query": query}, timeout=30,
                         headers={"Accept-Encoding": "gzip", "If-None-Match": weak,
                                  "Accept": "application/sparql-results+json"})
    assert again.status_code == 304 and again.headers["ETag"] == weak
    plain = requests.get(url, params={"query": query}, timeout=30,
                         headers={"Accept-Encoding": "identity",
                                  "Accept": "application/sparql-results+json"})
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["ETag"] == weak.removeprefix("W/")


def test_etag_differs_with_the_request(server: Server) -> None:
    tags = {get(server, SELECT).headers["ETag"], get(server, SELECT, "text/csv").headers["ETag"],
            get(server, ASK).headers["ETag"]}
    assert len(tags) == 3


def test_etag_carries_the_dataset_version(server: Server) -> None:
    version = requests.get(server.url + "health", timeout=30).json()["version"]
    assert version in get(server, ASK).headers["ETag"]


def test_stale_etag_gets_the_full_answer(server: Server) -> None:
    response = requests.get(server.url + "sparql", params={"query": ASK},
                            headers={"If-None-Match": '"stale"'}, timeout=30)
    assert response.status_code == 200 and response.json()["boolean"] is True


# ------------------------------------------------------------------------------------ CORS

def test_cors_headers_on_reads(server: Server) -> None:
    response = get(server, ASK)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_cors_headers_on_errors(server: Server) -> None:
    for response in (get(server, "ASK {"), get(server, SELECT, "image/png"),
                     requests.put(server.url + "sparql", timeout=30)):
        assert response.status_code >= 400
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight(server: Server) -> None:
    response = requests.options(server.url + "sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"}, timeout=30)
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


# --------------------------------------------------------------------- service description

SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize(("accept", "rdf_format"), [
    ("text/turtle", pyoxigraph.RdfFormat.TURTLE),
    ("application/ld+json", pyoxigraph.RdfFormat.JSON_LD),
    ("application/rdf+xml", pyoxigraph.RdfFormat.RDF_XML),
])
def test_service_description_in_each_format(server: Server, accept: str,
                                            rdf_format: pyoxigraph.RdfFormat) -> None:
    response = requests.get(server.url + "sparql", headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200
    assert media_type(response) == accept
    assert "Accept" in {v.strip() for v in response.headers["Vary"].split(",")}
    triples = {(q.subject, q.predicate, q.object)
               for q in pyoxigraph.parse(response.content, format=rdf_format)}
    endpoint = pyoxigraph.NamedNode(server.url + "sparql")
    assert (endpoint, pyoxigraph.NamedNode(SD + "endpoint"), endpoint) in triples
    assert (endpoint, pyoxigraph.NamedNode(SD + "supportedLanguage"),
            pyoxigraph.NamedNode(SD + "SPARQL11Query")) in triples
    assert (endpoint, pyoxigraph.NamedNode(SD + "feature"),
            pyoxigraph.NamedNode(SD + "UnionDefaultGraph")) in triples
    formats = {o.value for s, p, o in triples if p.value == SD + "resultFormat"}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert any(p.value == SD + "defaultDataset" for _, p, _ in triples)


def test_service_description_says_default_graph_is_the_union(server: Server) -> None:
    text = requests.get(server.url + "sparql", timeout=30).text
    assert "union of all named graphs" in text


# ------------------------------------------------------------------------ health, metrics

def test_health_reports_ready_size_and_version(server: Server) -> None:
    body = requests.get(server.url + "health", timeout=30).json()
    assert body["ready"] is True
    count = get(server, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }").json()
    assert body["quads"] == int(count["results"]["bindings"][0]["n"]["value"])
    assert body["version"]


def test_metrics_count_requests_errors_and_latency(server: Server) -> None:
    get(server, "ASK {")
    text = ""
    # Requests go to either worker; ask until one that has counted the error answers.
    for _ in range(20):
        text = requests.get(server.url + "metrics", timeout=30).text
        if 'status="400"' in text:
            break
        get(server, "ASK {")
    assert "# TYPE healthkg_requests_total counter" in text
    assert "healthkg_request_duration_seconds_bucket" in text
    assert 'healthkg_errors_total{' in text and 'status="400"' in text
    assert "healthkg_query_timeouts_total" in text


def test_json_error_body_is_valid_json(server: Server) -> None:
    response = requests.get(server.url + "sparql", params={"query": "ASK {"},
                            headers={"Accept": "application/json"}, timeout=30)
    assert json.loads(response.text)["status"] == 400
