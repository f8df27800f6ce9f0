"""The framed protocol between HTTP workers and the engine.

A frame is two big-endian 32-bit lengths, a JSON header and raw bytes (a serialised answer
or an RDF payload), so that answers cross the socket without being re-encoded. Requests
name an operation (``op``); answers are ``{"ok": true, ...}`` or carry an error (type name,
message, details, headers) that the client raises again as the same ``healthkg.errors`` type.
"""

from __future__ import annotations

import json
import socket
import struct
from dataclasses import asdict
from typing import Any

from healthkg import errors
from healthkg.journal import ChangeRecord
from healthkg.store.base import QueryOutcome, QueryRequest

_LENGTHS = struct.Struct("!II")
#: Largest header accepted; bodies are bounded by the service's own limits.
MAX_HEADER = 16 * 1024 * 1024
MAX_BODY = 1024 * 1024 * 1024


class ConnectionLost(Exception):
    """The peer closed the connection (for the client: the engine died)."""


def send_frame(sock: socket.socket, header: dict[str, Any], body: bytes = b"") -> None:
    """Send one frame."""
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    try:
        sock.sendall(_LENGTHS.pack(len(head), len(body)) + head + body)
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise ConnectionLost(str(exc)) from exc


def recv_frame(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    """Receive one frame; raise ``ConnectionLost`` at end of stream."""
    head_len, body_len = _LENGTHS.unpack(_recv_exactly(sock, _LENGTHS.size))
    if head_len > MAX_HEADER or body_len > MAX_BODY:
        raise ConnectionLost(f"frame too large ({head_len}, {body_len})")
    header = json.loads(_recv_exactly(sock, head_len))
    if not isinstance(header, dict):
        raise ConnectionLost("frame header is not an object")
    return header, _recv_exactly(sock, body_len) if body_len else b""


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        try:
            n = sock.recv_into(view[got:], size - got)
        except ConnectionResetError as exc:
            raise ConnectionLost(str(exc)) from exc
        if n == 0:
            raise ConnectionLost("connection closed by peer")
        got += n
    return bytes(buf)


def request_to_json(request: QueryRequest) -> dict[str, Any]:
    """A query request as a JSON object."""
    return asdict(request)


def request_from_json(data: dict[str, Any]) -> QueryRequest:
    """Rebuild a query request from its JSON object."""
    return QueryRequest(
        text=str(data["text"]),
        accept=str(data.get("accept", "")),
        format=data.get("format"),
        default_graphs=tuple(data.get("default_graphs", ())),
        named_graphs=tuple(data.get("named_graphs", ())),
        substitutions=tuple((str(k), str(v)) for k, v in data.get("substitutions", ())),
        base_iri=data.get("base_iri"),
    )


def outcome_to_frame(outcome: QueryOutcome) -> tuple[dict[str, Any], bytes]:
    """An answer as a frame header and body."""
    header = {"ok": True, "media_type": outcome.media_type, "kind": outcome.kind,
              "rows": outcome.rows, "truncated": outcome.truncated,
              "version": outcome.version}
    return header, outcome.body


def outcome_from_frame(header: dict[str, Any], body: bytes) -> QueryOutcome:
    """Rebuild an answer from a frame."""
    return QueryOutcome(media_type=str(header["media_type"]), body=body,
                        kind=str(header["kind"]), rows=int(header["rows"]),
                        truncated=bool(header["truncated"]), version=str(header["version"]))


def error_to_header(exc: errors.HealthkgError) -> dict[str, Any]:
    """An error as a frame header."""
    return {"ok": False, "error": {"type": type(exc).__name__, "message": exc.message,
                                   "details": exc.details, "headers": exc.headers}}


def error_from_header(header: dict[str, Any]) -> errors.HealthkgError:
    """The error a frame header carries, as the same ``healthkg.errors`` type."""
    error = header.get("error") or {}
    cls = getattr(errors, str(error.get("type", "")), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.HealthkgError)):
        cls = errors.HealthkgError
    return cls(str(error.get("message", "internal error")),
               details=dict(error.get("details") or {}),
               headers=dict(error.get("headers") or {}))


def record_to_json(record: ChangeRecord) -> dict[str, Any]:
    """A journal record as a JSON object."""
    return asdict(record)


def record_from_json(data: dict[str, Any]) -> ChangeRecord:
    """Rebuild a journal record from its JSON object."""
    return ChangeRecord(**data)
