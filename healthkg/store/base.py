"""The one store interface every backend implements, and the values that cross it.

A backend receives a ``QueryRequest`` (already checked by ``healthkg.safety``) and returns a
``QueryOutcome``: the answer already negotiated and serialised, so that the same bytes can
be cached, given an ETag and sent by any front end (HTTP, CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class QueryRequest:
    """A read query with everything that determines its answer."""

    text: str
    accept: str = ""
    """The client's Accept header ('' when it sent none)."""
    format: str | None = None
    """An explicit format override (``format=`` parameter): short name or media type."""
    default_graphs: tuple[str, ...] = ()
    """IRIs of the graphs forming the default graph; empty means the union of named graphs."""
    named_graphs: tuple[str, ...] = ()
    """IRIs of the graphs GRAPH may see; empty means all of them."""
    substitutions: tuple[tuple[str, str], ...] = ()
    """Variable name and N-Triples term pairs bound before evaluation (named queries)."""
    base_iri: str | None = None

    def cache_key(self) -> tuple[object, ...]:
        """A hashable key identifying the request (the dataset version is added by the cache)."""
        return (self.text, self.accept, self.format, self.default_graphs, self.named_graphs,
                self.substitutions, self.base_iri)


@dataclass(frozen=True)
class QueryOutcome:
    """A serialised answer."""

    media_type: str
    body: bytes
    kind: str
    """'select', 'ask' or 'graph' (CONSTRUCT and DESCRIBE)."""
    rows: int
    """Solutions or triples in the body."""
    truncated: bool
    """True when the result was cut at the row limit."""
    version: str
    """Version of the dataset the answer was computed on."""


class Store(Protocol):
    """What the service needs of a store."""

    def query(self, request: QueryRequest, *, timeout: float) -> QueryOutcome:
        """Answer a read query within ``timeout`` seconds or raise ``QueryTimeout``."""
        ...

    def version(self) -> str:
        """The current dataset version (changes with every accepted write)."""
        ...

    def dump(self, media_type: str) -> bytes:
        """Every quad of the store, sorted, as ``media_type`` (see ``healthkg.dump``).

        Never cut by the query row limit.
        """
        ...

    def stats(self) -> dict[str, int]:
        """Counts describing the store, at least ``quads`` and ``graphs``."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...
