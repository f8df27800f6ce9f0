"""The one store interface every backend implements, and the values that cross it.

A backend receives a ``QueryRequest`` (already checked by ``healthkg.safety``) and returns a
``QueryOutcome``: the answer already negotiated and serialised, so that the same bytes can
be cached, given an ETag and sent by any front end (HTTP, CLI).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from healthkg.journal import ChangeRecord


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


@dataclass(frozen=True)
class WriteRequest:
    """One write, as every front end (HTTP, CLI) describes it."""

    kind: str
    """One of ``KINDS``."""
    text: str = ""
    """The SPARQL Update (kind ``update``)."""
    body: bytes = b""
    """RDF to store (``put``, ``post``) or to add (``patch``)."""
    media_type: str = ""
    remove_body: bytes = b""
    """RDF to remove (``patch``)."""
    remove_media_type: str = ""
    parts: tuple[tuple[str, bytes], ...] = ()
    """(media type, bytes) of each part of a multipart ``post``, all added."""
    graph: str | None = None
    """Target graph IRI of ``put``/``post``/``delete``/``patch``; None: the default graph."""
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None
    author: str = ""
    message: str = ""
    if_match: str | None = None
    """The client's If-Match header: the change is made only at that dataset version."""
    dry_run: bool = False
    change_id: str = ""
    """Chosen by the client side: a request sent again with the same id is applied once."""
    reverts: str | None = None
    """Id of the change a ``revert`` undoes."""
    deadline: float | None = None
    """Seconds the store may spend on it (None: the store's own write deadline). A dry run,
    which anyone may send, gets the query deadline: past it the engine is stopped."""

    def to_frame(self) -> tuple[dict[str, Any], bytes]:
        """The request as a JSON header and the concatenated bodies (engine protocol)."""
        header = asdict(self)
        blobs = [self.body, self.remove_body, *(data for _, data in self.parts)]
        header.pop("body")
        header.pop("remove_body")
        header["parts"] = [media for media, _ in self.parts]
        header["blobs"] = [len(b) for b in blobs]
        return header, b"".join(blobs)

    @classmethod
    def from_frame(cls, header: dict[str, Any], payload: bytes) -> WriteRequest:
        """Rebuild a request from ``to_frame``'s header and bytes."""
        blobs: list[bytes] = []
        offset = 0
        for size in header["blobs"]:
            blobs.append(payload[offset:offset + int(size)])
            offset += int(size)
        parts = tuple(zip((str(m) for m in header["parts"]), blobs[2:], strict=True))
        fields = {k: v for k, v in header.items() if k not in ("blobs", "parts")}
        for name in ("using_graphs", "using_named_graphs"):
            fields[name] = tuple(fields.get(name) or ())
        return cls(**fields, body=blobs[0], remove_body=blobs[1], parts=parts)


@dataclass(frozen=True)
class WriteOutcome:
    """What a write did (or, for a dry run, would do)."""

    change_id: str | None
    """Id of the accepted change; None for a dry run or an empty change."""
    added: int
    removed: int
    version: str
    """The dataset version after the write."""
    created: bool = False
    """The target graph had no triples before (Graph Store 201)."""
    dry_run: bool = False
    conforms: bool = True
    diff_added: str = ""
    """N-Quads of the quads added (dry runs)."""
    diff_removed: str = ""
    report: dict[str, Any] = field(default_factory=dict)
    """The validation report as ``healthkg.report.to_dict`` (dry runs)."""
    report_turtle: str = ""

    def to_json(self) -> dict[str, Any]:
        """The outcome as a JSON object."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WriteOutcome:
        """Rebuild an outcome from ``to_json``."""
        return cls(**data)


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

    def write(self, request: WriteRequest) -> WriteOutcome:
        """Carry out a write through the gate (see ``healthkg.writer``)."""
        ...

    def read_graph(self, graph: str | None, media_type: str) -> bytes | None:
        """One graph (None: the default graph) as ``media_type``; None when it is empty."""
        ...

    def changes(self, offset: int, limit: int) -> tuple[int, list[ChangeRecord]]:
        """The number of accepted changes and one page of them, newest first."""
        ...

    def change(self, change_id: str) -> ChangeRecord | None:
        """One accepted change, with its quads."""
        ...
