"""Request and response plumbing shared by the query routes.

- ``read_body`` reads the body itself, at most ``max_body + 1`` bytes, chunked bodies
  included, and answers 413 beyond the limit (Werkzeug under gunicorn silently truncates a
  chunked body at MAX_CONTENT_LENGTH; a truncated query must never be evaluated).
- ``answer`` runs a checked ``QueryRequest`` through the cache and the store and builds the
  response with its ETag, ``Vary: Accept`` and truncation headers; a matching
  ``If-None-Match`` gets 304 without evaluating anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import flask

from healthkg.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from healthkg.http.context import Context
from healthkg.store.base import QueryOutcome, QueryRequest

TRUNCATED_HEADER = "HealthKG-Truncated"
ROW_LIMIT_HEADER = "HealthKG-Row-Limit"
ROWS_HEADER = "HealthKG-Rows"
_CHUNK = 64 * 1024


def single_parameter(params: list[tuple[str, str]], name: str) -> str | None:
    """The value of a parameter given at most once (a repeated one is a 400)."""
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise BadRequest(f"the {name!r} parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def require_utf8(charset: str | None) -> None:
    """Refuse (415) a body declared in another charset than UTF-8."""
    if charset and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset={charset} is not supported; send UTF-8")


def decode_utf8(body: bytes) -> str:
    """A request body as text (400 when it is not UTF-8)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not UTF-8 (byte {exc.start})") from exc


def read_body(environ: Mapping[str, Any], limit: int) -> bytes:
    """Read the request body, refusing (413) anything over ``limit`` bytes."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    raw_length = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if raw_length and not chunked:
        try:
            length = int(raw_length)
        except ValueError as exc:
            raise BadRequest(f"Content-Length is not a number: {raw_length!r}") from exc
        if length < 0:
            raise BadRequest(f"Content-Length is negative: {length}")
        if length > limit:
            raise PayloadTooLarge(f"the request body is {length} bytes; the limit is "
                                  f"{limit} bytes")
        return _read(stream, length)
    if chunked or environ.get("wsgi.input_terminated"):
        body = _read(stream, limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(f"the request body is over the limit of {limit} bytes")
        return body
    return b""


def _read(stream: Any, size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, _CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def etag_for(version: str, request: QueryRequest) -> str:
    """A strong ETag: the dataset version and a digest of everything the answer depends on."""
    digest = hashlib.blake2b(repr(request.cache_key()).encode("utf-8"),
                             digest_size=12).hexdigest()
    return f'"{version}.{digest}"'


def _matching_tag(header: str | None, etag: str) -> str | None:
    """The tag of If-None-Match that matches ``etag`` (as the client sent it), or None."""
    if not header:
        return None
    if header.strip() == "*":
        return etag
    tags = [t.strip() for t in header.split(",")]
    # Weak comparison (RFC 9110, 13.1.2): a W/ prefix does not prevent a match. A client
    # holding the weak form got a gzip-encoded 200 (healthkg.http.compression).
    return next((t for t in tags if t.removeprefix("W/") == etag), None)


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type (text types say they are UTF-8)."""
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def answer(context: Context, query: QueryRequest) -> flask.Response:
    """Answer a checked query: 304, a cached answer, or a fresh one from the store."""
    version = context.store.version()
    etag = etag_for(version, query)
    held = _matching_tag(flask.request.headers.get("If-None-Match"), etag)
    if held is not None:
        response = flask.Response(status=304)
        response.headers["ETag"] = held
        response.headers["Vary"] = "Accept"
        return response
    key = (version, query.cache_key())
    outcome = context.cache.get(key)
    if outcome is None:
        outcome = context.store.query(query, timeout=context.settings.query_timeout)
        if outcome.version != version:
            # The data changed while the query ran: label the answer with its own version.
            etag = etag_for(outcome.version, query)
            key = (outcome.version, query.cache_key())
        context.cache.put(key, outcome)
    return outcome_response(outcome, etag, context.settings.max_rows)


def outcome_response(outcome: QueryOutcome, etag: str, max_rows: int) -> flask.Response:
    """The HTTP response carrying a serialised answer."""
    response = flask.Response(outcome.body, status=200,
                              content_type=content_type(outcome.media_type))
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-cache"  # revalidate: the data may change
    response.headers[ROWS_HEADER] = str(outcome.rows)
    if outcome.truncated:
        response.headers[TRUNCATED_HEADER] = "true"
        response.headers[ROW_LIMIT_HEADER] = str(max_rows)
    return response
