"""Writing the linked-data documents in every RDF format, with the project's prefixes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph

from healthkg import jsonld, negotiation
from healthkg.namespaces import PREFIXES

#: RDF formats a resource document is offered in (HTML is added by the HTTP layer).
TRIPLE_FORMATS = (negotiation.TURTLE, negotiation.JSON_LD, negotiation.N_TRIPLES,
                  negotiation.RDF_XML)
QUAD_FORMATS = (negotiation.TRIG, negotiation.N_QUADS)

_FORMATS = negotiation.RDF_FORMATS


def _key(term: object) -> str:
    return str(term)


def sort_quads(quads: Iterable[pyoxigraph.Quad]) -> list[pyoxigraph.Quad]:
    """Quads in a stable order: by graph, subject, predicate, object (as N-Quads terms)."""
    return sorted(quads, key=lambda q: (_key(q.graph_name), _key(q.subject),
                                        _key(q.predicate), _key(q.object)))


def sort_triples(triples: Iterable[pyoxigraph.Triple]) -> list[pyoxigraph.Triple]:
    """Distinct triples in a stable order."""
    unique = {(_key(t.subject), _key(t.predicate), _key(t.object)): t for t in triples}
    return [unique[key] for key in sorted(unique)]


def write_triples(triples: Sequence[pyoxigraph.Triple], media_type: str) -> bytes:
    """Serialise triples as ``media_type`` (Turtle, JSON-LD, N-Triples, RDF/XML)."""
    if media_type == negotiation.JSON_LD:
        return jsonld.write(triples, PREFIXES)
    if media_type in QUAD_FORMATS:
        return write_quads([pyoxigraph.Quad(t.subject, t.predicate, t.object)
                            for t in triples], media_type)
    prefixes = PREFIXES if media_type == negotiation.TURTLE else None
    return pyoxigraph.serialize(list(triples), format=_FORMATS[media_type],
                                prefixes=prefixes) or b""


def write_quads(quads: Sequence[pyoxigraph.Quad], media_type: str) -> bytes:
    """Serialise quads as ``media_type`` (TriG, N-Quads, or JSON-LD with its graphs)."""
    prefixes = PREFIXES if media_type == negotiation.TRIG else None
    return pyoxigraph.serialize(list(quads), format=_FORMATS[media_type],
                                prefixes=prefixes) or b""
