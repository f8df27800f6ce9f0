"""RDF bodies nesting deeper than the limit are refused before a recursive parser sees them."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from healthkg import nesting
from healthkg.changes import parse_rdf
from healthkg.errors import BadRequest

G = ox.NamedNode("http://ex/g")


def _nested_turtle(levels: int) -> bytes:
    return ("<urn:s> <urn:p> " + "( " * levels + ")" * levels + " .").encode()


def _nested_jsonld(levels: int) -> bytes:
    return ('{"@id": "urn:s", ' + '"urn:p": {' * levels + "}" * levels + "}").encode()


def test_brackets_inside_strings_iris_and_comments_do_not_count() -> None:
    body = (b'<urn:s> <urn:p> "((((" , \'[[[\' , """ ( [ """ , <urn:x(> . # ((((\n'
            b"<urn:s> <urn:q> ( ( <urn:o> ) ) .")
    assert nesting.depth(body, ox.RdfFormat.TURTLE) == 2
    json_body = b'{"@id": "urn:s", "urn:p": "[[[{{{\\" [", "urn:q": [[{"@value": "x"}]]}'
    assert nesting.depth(json_body, ox.RdfFormat.JSON_LD) == 4


def test_formats_that_cannot_nest_have_depth_zero() -> None:
    assert nesting.depth(b'<urn:s> <urn:p> "((" .', ox.RdfFormat.N_TRIPLES) == 0


def test_body_at_the_limit_parses() -> None:
    quads = parse_rdf(_nested_turtle(50), "text/turtle", graph=G, max_nesting=50)
    assert len(quads) == 99


@pytest.mark.parametrize(("body", "media_type"), [
    (_nested_turtle(5000), "text/turtle"),
    (b"<urn:g> { " + _nested_turtle(5000) + b" }", "application/trig"),
    # 20,000 nested objects crash pyoxigraph's JSON-LD parser (a segmentation fault).
    (_nested_jsonld(20_000), "application/ld+json"),
    (('{"@id": "urn:s", "urn:p": ' + '{"@list": [' * 5000 + "]}" * 5000 + "}").encode(),
     "application/ld+json"),
])
def test_body_nesting_too_deep_is_refused_with_the_limit(body: bytes, media_type: str) -> None:
    with pytest.raises(BadRequest, match="deep; the limit is 200") as raised:
        parse_rdf(body, media_type, graph=G, max_nesting=200)
    assert raised.value.status == 400
