"""Content negotiation: the one function every route uses to choose a media type.

``negotiate`` honours q-values and wildcards (RFC 9110, section 12.5.1), answers the
route's default when the client sent no Accept header, lets a ``format=`` parameter (a
short name such as ``csv`` or a media type) override the header for browsers, and raises
``NotAcceptable`` listing what is offered when nothing matches. Responses chosen this way
vary on Accept; the HTTP layer always sends ``Vary: Accept``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph

from healthkg.errors import NotAcceptable

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
RDF_XML = "application/rdf+xml"
JSON_LD = "application/ld+json"
N_QUADS = "application/n-quads"
TRIG = "application/trig"

#: pyoxigraph's writer for each RDF media type.
RDF_FORMATS: dict[str, pyoxigraph.RdfFormat] = {
    TURTLE: pyoxigraph.RdfFormat.TURTLE,
    N_TRIPLES: pyoxigraph.RdfFormat.N_TRIPLES,
    RDF_XML: pyoxigraph.RdfFormat.RDF_XML,
    JSON_LD: pyoxigraph.RdfFormat.JSON_LD,
    N_QUADS: pyoxigraph.RdfFormat.N_QUADS,
    TRIG: pyoxigraph.RdfFormat.TRIG,
}
HTML = "text/html"
JSON = "application/json"
TEXT = "text/plain"

#: Media types offered for SELECT and ASK results, the default first.
TABULAR = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: Media types offered for ASK results (CSV and TSV carry the bare word, as in Oxigraph).
BOOLEAN = TABULAR
#: Media types offered for CONSTRUCT and DESCRIBE results, the default first.
GRAPH = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD, N_QUADS, TRIG)

#: Short names of the ``format=`` parameter; the first offered candidate wins.
SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "json": (SPARQL_JSON, JSON_LD, JSON),
    "srj": (SPARQL_JSON,),
    "xml": (SPARQL_XML, RDF_XML),
    "srx": (SPARQL_XML,),
    "csv": (CSV,),
    "tsv": (TSV,),
    "ttl": (TURTLE,),
    "turtle": (TURTLE,),
    "nt": (N_TRIPLES,),
    "ntriples": (N_TRIPLES,),
    "n-triples": (N_TRIPLES,),
    "rdf": (RDF_XML,),
    "rdfxml": (RDF_XML,),
    "rdf/xml": (RDF_XML,),
    "jsonld": (JSON_LD,),
    "json-ld": (JSON_LD,),
    "nq": (N_QUADS,),
    "nquads": (N_QUADS,),
    "n-quads": (N_QUADS,),
    "trig": (TRIG,),
    "html": (HTML,),
    "text": (TEXT,),
    "txt": (TEXT,),
}

#: Media types clients send for one of ours (``application/json`` from browsers' fetch,
#: ``application/xml`` from older SPARQL clients); they match as exactly as the original.
ALIASES: dict[str, tuple[str, ...]] = {
    JSON: (SPARQL_JSON, JSON_LD),
    "application/xml": (SPARQL_XML, RDF_XML),
    "text/xml": (SPARQL_XML, RDF_XML),
    "application/x-turtle": (TURTLE,),
    "text/n3": (TURTLE,),
    "text/plain": (N_TRIPLES,),
    "application/xhtml+xml": (HTML,),
}


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media_type: str) -> int:
        """How precisely this range matches ``media_type``: 3 exact, 2 type/*, 1 */*, 0 none."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 1 if self.subtype == "*" else 0
        if self.type != main:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == sub else 0


def parse_accept(header: str) -> list[MediaRange]:
    """Parse an Accept header into media ranges; malformed elements are ignored."""
    ranges: list[MediaRange] = []
    for position, element in enumerate(header.split(",")):
        parts = [p.strip() for p in element.split(";")]
        main, slash, sub = parts[0].lower().partition("/")
        if not slash or not main or not sub:
            if parts[0] == "*":  # some clients send a bare '*'
                main, sub = "*", "*"
            else:
                continue
        q = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main.strip(), sub.strip(), q, position))
    return ranges


def _score(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int, int]:
    """(q, specificity, -position) of the most specific range matching ``media_type``."""
    best: tuple[int, MediaRange] | None = None
    for candidate in ranges:
        spec = candidate.specificity(media_type)
        for alias, targets in ALIASES.items():
            if media_type in targets and candidate.specificity(alias) == 3:
                spec = max(spec, 3)
        if spec and (best is None or spec > best[0]
                     or (spec == best[0] and candidate.q > best[1].q)):
            best = (spec, candidate)
    if best is None:
        return (0.0, 0, 0)
    return (best[1].q, best[0], -best[1].position)


def _from_format(fmt: str, offered: Sequence[str]) -> str:
    name = fmt.strip().lower()
    candidates = SHORT_NAMES.get(name, (name.split(";")[0].strip(),))
    candidates = tuple(c for cand in candidates for c in (cand, *ALIASES.get(cand, ())))
    for candidate in candidates:
        if candidate in offered:
            return candidate
    raise NotAcceptable(
        f"format={fmt!r} is not available here; use one of: "
        + ", ".join(_short_name(t) for t in offered),
        details={"offered": list(offered)})


def _short_name(media_type: str) -> str:
    names = [n for n, types in SHORT_NAMES.items() if types[0] == media_type or
             (len(types) == 1 and types[0] == media_type)]
    return f"{names[0]} ({media_type})" if names else media_type


def negotiate(accept: str | None, offered: Sequence[str], *,
              format: str | None = None) -> str:
    """Choose the media type to answer with among ``offered`` (the first is the default)."""
    if not offered:
        raise ValueError("nothing offered")
    if format:
        return _from_format(format, offered)
    if accept is None or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best_type = offered[0]
    best_score: tuple[float, int, int] | None = None
    for media_type in offered:
        score = _score(ranges, media_type)
        if score[0] <= 0:
            continue
        # Higher q first, then the more specific match, then the client's order; on a
        # full tie the server's order (``offered``) stands because of the strict '>'.
        if best_score is None or score > best_score:
            best_type, best_score = media_type, score
    if best_score is None:
        raise NotAcceptable(
            f"none of the requested media types ({accept.strip()}) is available; "
            "this resource is offered as: " + ", ".join(offered),
            details={"offered": list(offered)})
    return best_type
