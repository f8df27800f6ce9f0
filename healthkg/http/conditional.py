"""Validators and conditional requests of the linked-data routes.

Every document carries a strong ETag made of the dataset version and the variant (path,
media type, page), ``Last-Modified`` (when the version was first seen) and
``Cache-Control: public, no-cache`` (stored, but revalidated: a write changes the data).
``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110, 13.2.2); either gives 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import flask
from werkzeug.http import http_date, parse_date

from healthkg.http import compression
from healthkg.http.protocol import content_type
from healthkg.http.state import current

CACHE_CONTROL = "public, no-cache"
EXPOSED = ("ETag, Location, Retry-After, Allow, HealthKG-Truncated, HealthKG-Row-Limit, "
           "HealthKG-Rows, Link, Content-Location, Last-Modified, Repr-Digest, Vary")


def etag(version: str, *variant: object) -> str:
    """A strong ETag for one variant of a document at one dataset version."""
    digest = hashlib.blake2b(repr(variant).encode("utf-8"), digest_size=10).hexdigest()
    return f'"{version}.{digest}"'


def _etag_matches(header: str, tag: str) -> bool:
    if header.strip() == "*":
        return True
    # Weak comparison: a gzip-encoded answer carries the weak form of the same tag.
    return any(t.strip().removeprefix("W/") == tag for t in header.split(","))


def is_fresh(tag: str, modified: datetime) -> bool:
    """Whether the client's copy is current (the request is conditional and matches)."""
    request = flask.request
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        return _etag_matches(if_none_match, tag)
    since = parse_date(request.headers.get("If-Modified-Since"))
    return since is not None and modified <= since


def link_header(links: Sequence[tuple[str, str, str | None]]) -> str:
    """A Link header from (url, rel, media type) triples."""
    parts = []
    for url, rel, media_type in links:
        part = f'<{url}>; rel="{rel}"'
        if media_type:
            part += f'; type="{media_type}"'
        parts.append(part)
    return ", ".join(parts)


def respond(body: bytes | str, media_type: str, *, version: str, variant: Sequence[object],
            links: Sequence[tuple[str, str, str | None]] = (), status: int = 200,
            vary: bool = True, headers: dict[str, str] | None = None) -> flask.Response:
    """A document with its validators, or 304 when the client's copy is current."""
    tag = etag(version, *variant)
    modified = current().clock.modified(version)
    fresh = status == 200 and is_fresh(tag, modified)
    response = flask.Response(b"" if fresh else body, status=304 if fresh else status,
                              content_type=content_type(media_type))
    response.headers["ETag"] = tag
    if fresh and compression.would_compress(media_type, len(body)):
        # The 200 this replaces was gzip-encoded and carried the weak form of the tag.
        response.headers["ETag"] = "W/" + tag
    response.headers["Last-Modified"] = http_date(modified)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if vary:
        response.headers["Vary"] = "Accept"
    if links:
        response.headers["Link"] = link_header(links)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
