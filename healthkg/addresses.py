"""The IRI/URL scheme: how the persistent IRIs map to the server's URLs and back.

- ``id/<kind>/<slug>`` names a thing (an organisation, a place, a fact...). Its URL answers
  ``303 See Other`` to the document about it, ``doc/<kind>/<slug>``, which negotiates its
  format; ``doc/<kind>/<slug>.ttl`` (``.jsonld``, ``.nt``, ``.rdf``, ``.trig``, ``.nq``,
  ``.html``) names one format.
- ``def#Term`` and ``shapes#Shape`` are hash IRIs: a client strips the fragment and gets
  the ontology or shapes document (``def``, ``shapes``, each also with a suffix), which
  describes every term.
- Everything under the persistent base ``https://w3id.org/rennes-health/`` is served under
  ``settings.public_base`` with the same path.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthkg import negotiation
from healthkg.config import BASE_IRI

#: File suffixes naming one format of a document, and their media types.
SUFFIXES: dict[str, str] = {
    "ttl": negotiation.TURTLE,
    "jsonld": negotiation.JSON_LD,
    "nt": negotiation.N_TRIPLES,
    "rdf": negotiation.RDF_XML,
    "trig": negotiation.TRIG,
    "nq": negotiation.N_QUADS,
    "html": negotiation.HTML,
}
SUFFIX_OF = {media_type: suffix for suffix, media_type in SUFFIXES.items()}

#: Documents that are graphs of their own (served whole, not described).
DOCUMENT_GRAPHS = ("def", "shapes", "def/vocabularies")


def split_suffix(path: str) -> tuple[str, str | None]:
    """Split ``org/x.ttl`` into ``('org/x', text/turtle)``; no known suffix gives None."""
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in SUFFIXES and stem and "/" not in suffix:
        return stem, SUFFIXES[suffix]
    return path, None


@dataclass(frozen=True)
class Addresses:
    """Maps persistent IRIs to the URLs of one server (``public_base``) and back."""

    public_base: str

    def url(self, iri: str) -> str:
        """The server URL of a persistent IRI (other IRIs are returned as they are)."""
        if iri.startswith(BASE_IRI):
            return self.public_base + iri[len(BASE_IRI):]
        return iri

    def iri(self, path: str) -> str:
        """The persistent IRI of a server path such as ``id/org/x``."""
        return BASE_IRI + path.lstrip("/")

    def page(self, iri: str, media_type: str | None = None) -> str:
        """The URL of the document about ``iri`` (of one format when ``media_type`` is given)."""
        if not iri.startswith(BASE_IRI):
            return iri
        rest = iri[len(BASE_IRI):]
        fragment = ""
        if "#" in rest:
            rest, fragment = rest.split("#", 1)
            fragment = "#" + fragment
        if rest.startswith("id/"):
            rest = "doc/" + rest[3:]
        if media_type is not None and not fragment:
            rest += "." + SUFFIX_OF[media_type]
        return self.public_base + rest + fragment

    def document_iri(self, iri: str) -> str:
        """The persistent IRI of the document describing a thing (``doc/...``)."""
        rest = iri[len(BASE_IRI):]
        return BASE_IRI + "doc/" + rest[3:] if rest.startswith("id/") else iri

    @staticmethod
    def is_local(iri: str) -> bool:
        """Whether the IRI is under the persistent base."""
        return iri.startswith(BASE_IRI)
