"""Checks on the raw query text before the engine sees it."""

from __future__ import annotations

import pytest

from healthkg.config import Settings
from healthkg.errors import BadRequest, PayloadTooLarge, UriTooLong
from healthkg.safety import analyse, check_query, check_update

SETTINGS = Settings()


def test_service_inside_a_string_literal_is_allowed() -> None:
    text = 'SELECT * { ?s ?p "use SERVICE <http://127.0.0.1/> and LOAD" }'
    assert check_query(text, SETTINGS).operation == "SELECT"


def test_service_in_long_strings_comments_and_iris_is_allowed() -> None:
    text = ('PREFIX ex: <http://example.org/SERVICE/LOAD#>\n'
            "SELECT * { ?s ex:SERVICE '''a ' SERVICE <x> {}''' # SERVICE <x> { }\n"
            '. ?s ?p "say \\" SERVICE" }')
    analysis = check_query(text, SETTINGS)
    assert not analysis.service and not analysis.load


def test_real_service_is_refused() -> None:
    with pytest.raises(BadRequest, match="SERVICE"):
        check_query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", SETTINGS)


def test_lower_case_service_is_refused() -> None:
    with pytest.raises(BadRequest, match="SERVICE"):
        check_query("select * { service silent <http://x/> { ?s ?p ?o } }", SETTINGS)


def test_service_is_allowed_when_enabled() -> None:
    text = "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    assert check_query(text, Settings(allow_service=True)).service


def test_load_is_refused_in_updates() -> None:
    with pytest.raises(BadRequest, match="LOAD"):
        check_update("LOAD <file:///etc/passwd> INTO GRAPH <http://g/>", SETTINGS)


def test_update_sent_as_query_is_refused() -> None:
    with pytest.raises(BadRequest, match="Update"):
        check_query("PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }", SETTINGS)


def test_five_thousand_nested_parentheses_are_refused() -> None:
    text = "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    with pytest.raises(BadRequest, match="nests"):
        check_query(text, SETTINGS)


def test_nesting_at_the_limit_is_allowed() -> None:
    depth = SETTINGS.max_nesting - 2  # the braces and FILTER's parentheses count too
    text = "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    assert check_query(text, SETTINGS).depth == SETTINGS.max_nesting


def test_long_runs_of_prefix_operators_count_as_nesting() -> None:
    with pytest.raises(BadRequest, match="nests"):
        check_query("ASK { FILTER(" + "!" * 5000 + "true) }", SETTINGS)


def test_brackets_inside_strings_do_not_count() -> None:
    text = 'ASK { ?s ?p "' + "(" * 5000 + '" }'
    assert check_query(text, SETTINGS).depth == 1


def test_long_query_in_url_is_uri_too_long() -> None:
    with pytest.raises(UriTooLong):
        check_query("ASK {}" + " " * 100, Settings(max_query_length=50), in_url=True)


def test_long_query_in_body_is_payload_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        check_query("ASK {}" + " " * 100, Settings(max_query_length=50))


@pytest.mark.parametrize(("text", "has_dataset"), [
    ("SELECT * FROM <http://g/> { ?s ?p ?o }", True),
    ("SELECT * FROM NAMED <http://g/> { GRAPH ?g { ?s ?p ?o } }", True),
    ("SELECT * { ?s <http://e/from> ?o }", False),
    ("SELECT ?from { ?from ?p ?o }", False),
])
def test_dataset_clauses_are_recognised(text: str, has_dataset: bool) -> None:
    assert analyse(text).has_dataset is has_dataset
