"""The query mix of the peer benchmark over synthetic graphs, and answers compared as multisets.

Each query is a template with one parameter (an organisation, a network, a research area, a
word) drawn from what the generator made, so that "cold" requests are distinct texts that
no cache has seen, while "repeated" requests send one text again. Answers are parsed and
compared as multisets of rows (SELECT) or of triples (CONSTRUCT, DESCRIBE), with numbers
compared by value, so that servers that write the same answer differently still agree.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import rdflib

from bench.generate import AREAS, SPECIALITIES, _slug

PREFIXES = """PREFIX rh: <https://w3id.org/rennes-health/def#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX vivo: <http://vivoweb.org/ontology/core#>
"""
JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
ID = "https://w3id.org/rennes-health/id/"


@dataclass(frozen=True)
class Shape:
    """What the generated graph holds: enough to draw parameters that name real things."""

    networks: int
    """Networks numbered 0..networks-1, each with at least 4 members (0..3)."""


@dataclass(frozen=True)
class Query:
    """One query of the mix: a name, a template with ``{x}``, how to draw ``x``, the Accept."""

    name: str
    template: str
    draw: Callable[[random.Random, Shape], str]
    accept: str = JSON

    def text(self, value: str, tag: str = "") -> str:
        """The query text for one parameter value (a comment makes it distinct)."""
        body = self.template.replace("{x}", value).replace("§", ID)
        return PREFIXES + body + (f"\n# {tag}" if tag else "")


def _org(rng: random.Random, shape: Shape) -> str:
    return f"{rng.randrange(shape.networks)}-{rng.randrange(4)}"


def _network(rng: random.Random, shape: Shape) -> str:
    return str(rng.randrange(shape.networks))


def _area(rng: random.Random, shape: Shape) -> str:
    return _slug(AREAS[rng.randrange(len(AREAS))][0])


def _speciality(rng: random.Random, shape: Shape) -> str:
    return SPECIALITIES[rng.randrange(len(SPECIALITIES))][0].split()[0]


def _none(rng: random.Random, shape: Shape) -> str:
    return ""


MIX: list[Query] = [
    Query("point lookup", "SELECT ?p ?o WHERE { <§org/syn-org-{x}> ?p ?o }", _org),
    Query("members and roles (2-hop join)",
          "SELECT ?member ?label ?role WHERE { ?m org:organization <§org/syn-net-{x}> ; "
          "org:member ?member ; org:role ?role . "
          "?member skos:prefLabel ?label FILTER(lang(?label) = 'en') }", _network),
    Query("people of a network (4-hop join)",
          "SELECT ?person ?team WHERE { ?m org:organization <§org/syn-net-{x}> ; "
          "org:member ?o . ?um org:organization ?o ; org:member ?unit . "
          "?tm org:organization ?unit ; org:member ?team . ?person org:memberOf ?team }",
          _network),
    Query("platforms per speciality (GROUP BY)",
          "SELECT ?speciality (COUNT(?p) AS ?platforms) WHERE { ?p rh:specialisesIn "
          "?speciality } GROUP BY ?speciality{x}", _none),
    Query("researchers per area of networks (3-hop GROUP BY)",
          "SELECT ?area (SUM(?n) AS ?researchers) WHERE { ?net vivo:hasResearchArea ?area . "
          "?m org:organization ?net ; org:member ?o . ?o rh:hasCount ?c . "
          "?c rh:counts <§concept/syn-kind-researcher> ; schema:minValue ?n } "
          "GROUP BY ?area{x}", _none),
    Query("labels en/fr of members (OPTIONAL, language filters)",
          "SELECT ?o ?en ?fr WHERE { ?m org:organization <§org/syn-net-{x}> ; "
          "org:member ?o . ?o skos:prefLabel ?en FILTER(lang(?en) = 'en') "
          "OPTIONAL { ?o skos:prefLabel ?fr FILTER(lang(?fr) = 'fr') } }", _network),
    Query("organisations in an area and its sub-areas (property path)",
          "SELECT ?o WHERE { ?o vivo:hasResearchArea/skos:broader* "
          "<§concept/syn-area-{x}> }", _area),
    Query("platforms by word in label (text filter)",
          "SELECT ?p ?label WHERE { ?p a rh:TechnologicalPlatform ; skos:prefLabel ?label "
          "FILTER(lang(?label) = 'en' && CONTAINS(LCASE(STR(?label)), '{x}')) }", _speciality),
    Query("describe an organisation", "DESCRIBE <§org/syn-org-{x}>", _org, TURTLE),
    Query("construct an organisation with labels",
          "CONSTRUCT { <§org/syn-org-{x}> ?p ?o . ?o skos:prefLabel ?l } WHERE { "
          "<§org/syn-org-{x}> ?p ?o OPTIONAL { ?o skos:prefLabel ?l } }", _org, TURTLE),
    Query("largest organisations (ORDER BY, LIMIT)",
          "SELECT ?o ?people WHERE { ?o rh:hasCount ?c . ?c rh:counts "
          "<§concept/syn-kind-person> ; schema:value ?people } "
          "ORDER BY DESC(?people) ?o LIMIT 10{x}", _none),
    Query("quote behind a membership (provenance join)",
          "SELECT ?quote ?start ?end WHERE { ?m org:member <§org/syn-org-{x}> ; "
          "prov:wasDerivedFrom ?fact . ?fact prov:value ?quote ; "
          "oa:hasTarget/oa:hasSelector ?s . ?s oa:start ?start ; oa:end ?end }", _org),
]


def cold_texts(query: Query, shape: Shape, count: int, seed: int) -> list[str]:
    """``count`` distinct texts: new parameters, and a comment that makes each text new."""
    rng = random.Random(seed)  # noqa: S311 - reproducible choices, not secrets
    return [query.text(query.draw(rng, shape), f"cold {seed} {i}") for i in range(count)]


def repeated_texts(query: Query, shape: Shape, count: int, seed: int) -> list[str]:
    """``count`` texts of which 80% are one fixed text and 20% distinct."""
    rng = random.Random(seed)  # noqa: S311 - reproducible choices, not secrets
    fixed = query.text(query.draw(random.Random(0), shape))  # noqa: S311
    return [fixed if rng.random() < 0.8 else
            query.text(query.draw(rng, shape), f"repeat {seed} {i}") for i in range(count)]


def check_texts(query: Query, shape: Shape, count: int = 3) -> list[str]:
    """Texts whose answers are compared between servers before timing."""
    rng = random.Random(99)  # noqa: S311 - reproducible choices, not secrets
    return [query.text(query.draw(rng, shape)) for _ in range(count)]


# -- answers --------------------------------------------------------------------------------

def _number(value: str) -> str:
    try:
        return str(Decimal(value).normalize())
    except InvalidOperation:
        return value


_NUMERIC = {"integer", "decimal", "double", "float", "long", "int", "nonNegativeInteger"}


def _json_term(term: dict[str, str]) -> tuple[str, ...]:
    kind = term["type"]
    if kind == "bnode":
        return ("bnode",)
    if kind in ("literal", "typed-literal"):
        datatype = term.get("datatype", "")
        if datatype.rsplit("#", 1)[-1] in _NUMERIC:
            return ("number", _number(term["value"]))
        if datatype.endswith("#string"):
            datatype = ""
        return ("literal", term["value"], term.get("xml:lang", "").lower(), datatype)
    return ("iri", term["value"])


def _rdf_term(term: rdflib.term.Node) -> tuple[str, ...]:
    if isinstance(term, rdflib.BNode):
        return ("bnode",)
    if isinstance(term, rdflib.Literal):
        datatype = str(term.datatype or "")
        if datatype.rsplit("#", 1)[-1] in _NUMERIC:
            return ("number", _number(str(term)))
        if datatype.endswith("#string"):
            datatype = ""
        return ("literal", str(term), (term.language or "").lower(), datatype)
    return ("iri", str(term))


_GRAPH_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt",
                  "application/rdf+xml": "xml", "application/ld+json": "json-ld",
                  "application/xml": "xml"}


def answer(body: bytes, media_type: str) -> Counter[tuple[object, ...]]:
    """A parsed answer as a multiset: rows of sorted (variable, term), or triples."""
    media_type = media_type.split(";")[0].strip().lower()
    if "json" in media_type and "ld+json" not in media_type:
        data = json.loads(body)
        if "boolean" in data:
            return Counter([("boolean", bool(data["boolean"]))])
        return Counter(tuple(sorted((k, _json_term(v)) for k, v in row.items()))
                       for row in data["results"]["bindings"])
    graph = rdflib.Graph()
    # rdflib-endpoint labels RDF/XML as other types: trust the bytes before the label.
    sniffed = "xml" if body.lstrip().startswith(b"<?xml") else None
    formats = [f for f in (sniffed, _GRAPH_FORMATS.get(media_type, "turtle"), "xml",
                           "turtle", "nt") if f]
    for fmt in dict.fromkeys(formats):
        try:
            graph.parse(data=body, format=fmt)
            break
        except Exception:  # rdflib raises many types for bad syntax: try the next format
            graph = rdflib.Graph()
            continue
    else:
        raise ValueError(f"cannot parse a graph answer of type {media_type}")
    return Counter((_rdf_term(s), _rdf_term(p), _rdf_term(o)) for s, p, o in graph)
