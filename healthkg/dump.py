"""Full dumps of the dataset: every quad, sorted, in Turtle, TriG, N-Quads and JSON-LD.

``serialise`` is what every store backend's ``dump`` calls, so that the bytes are the
same whichever backend answers. Turtle carries triples only: it is the union of the named
graphs (each triple once). TriG, N-Quads and JSON-LD keep the graphs, the provenance graph
included. ``DumpFile`` adds the gzipped bytes (fixed mtime, so they are stable too) and
SHA-256 checksums.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph

from healthkg import negotiation
from healthkg.serialisation import sort_quads, sort_triples, write_quads, write_triples

#: Media types of the dumps and the suffixes of their fixed URLs.
FORMATS: dict[str, str] = {
    negotiation.TURTLE: "ttl",
    negotiation.TRIG: "trig",
    negotiation.N_QUADS: "nq",
    negotiation.JSON_LD: "jsonld",
}
BY_SUFFIX = {suffix: media_type for media_type, suffix in FORMATS.items()}


def serialise(quads: Iterable[pyoxigraph.Quad], media_type: str) -> bytes:
    """Every quad given, sorted, written as ``media_type`` (one of ``FORMATS``)."""
    if media_type not in FORMATS:
        raise ValueError(f"no dump in {media_type}")
    if media_type == negotiation.TURTLE:
        triples = sort_triples(pyoxigraph.Triple(q.subject, q.predicate, q.object)
                               for q in quads)
        return write_triples(triples, media_type)
    # JSON-LD keeps the graphs here (pyoxigraph's expanded form, one object per graph).
    return write_quads(sort_quads(quads), media_type)


@dataclass(frozen=True)
class DumpFile:
    """One dump: its bytes, gzipped bytes and checksums."""

    media_type: str
    body: bytes
    gzipped: bytes

    @classmethod
    def of(cls, media_type: str, body: bytes) -> DumpFile:
        """Wrap a serialised dump."""
        return cls(media_type, body, gzip.compress(body, compresslevel=6, mtime=0))

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the dump."""
        return hashlib.sha256(self.body).hexdigest()

    @property
    def gzipped_sha256(self) -> str:
        """Hex SHA-256 of the gzipped dump."""
        return hashlib.sha256(self.gzipped).hexdigest()
